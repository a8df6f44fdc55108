"""The moderation queue, resolving items (every action on every kind of post) and moving
questions between circles."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from community.casebook.models import CaseLink
from community.circles.models import CircleMembership, CircleRole
from community.db import utcnow
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry, Flag, FlagStatus
from community.questions import services as qa
from community.questions.models import (
    Answer,
    CloseReason,
    Comment,
    Question,
    Revision,
)
from tests import qa_helpers
from tests import test_moderation as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_moderation import (
    LONG_ANSWER,
    _published_case_linked_to,
    _queue_items,
    audit_actions,
    count,
    flag_as,
    flashed_categories,
    hidden,
)

# Fixtures of test_moderation.py, shared by assignment.
site = base.site


# --- the queue --------------------------------------------------------------------------------


def test_who_sees_which_flags_in_the_queue(app, site):
    with app.app_context():
        square = qa_helpers.ask(_user("asker").id, title="広場での質問のタイトルです、よろしく")
        # boss owns every circle it made, so it may ask in sewers.
        sewer_q = qa_helpers.ask(
            _user("boss").id, title="下水道の質問のタイトルです", circle="sewers"
        )
        sewer_a = qa.answer(_user("helper"), sewer_q, LONG_ANSWER)
        db.session.commit()
        ids = SimpleNamespace(square=square.id, sewer_a=sewer_a.id, outsider=_user("outsider").id)
    flag_as(app, "flag1", "answer", site.a)
    flag_as(app, "flag1", "answer", ids.sewer_a)
    flag_as(app, "flag1", "question", ids.square)
    flag_as(app, "flag1", "profile", ids.outsider, "harassment")
    assert _queue_items(client_as(app, "boss")) == {
        ("answer", site.a),
        ("answer", ids.sewer_a),
        ("question", ids.square),
        ("profile", ids.outsider),
    }
    assert _queue_items(client_as(app, "modo")) == {("answer", site.a)}
    assert _queue_items(client_as(app, "modb")) == {("answer", ids.sewer_a)}
    for name in ("flag1", "asker"):
        assert client_as(app, name).get("/moderation/").status_code == 403
    assert "/auth/login" in app.test_client().get("/moderation/").headers["Location"]
    # Profiles are for admins only, even for a moderator who can open the queue.
    assert (
        client_as(app, "modo").get(f"/moderation/items/profile/{ids.outsider}").status_code == 403
    )
    assert (
        client_as(app, "boss").get(f"/moderation/items/profile/{ids.outsider}").status_code == 200
    )


def test_a_moderator_of_another_circle_cannot_review_or_resolve(app, site):
    flag_as(app, "flag1", "answer", site.a)
    modb = client_as(app, "modb")
    url = f"/moderation/items/answer/{site.a}"
    assert modb.get(url).status_code == 403
    for action in ("claim", "hide", "dismiss", "edit"):
        response = modb.post(url, data={"action": action, "reason": "x", "body": "書き換えました"})
        assert response.status_code == 403, action
    with app.app_context():
        answer = db.session.get(Answer, site.a)
        assert answer.hidden_at is None and answer.body_md == LONG_ANSWER
        assert db.session.scalar(select(Flag)).status == FlagStatus.OPEN
        assert db.session.scalar(select(Flag)).claimed_by_id is None
    assert audit_actions(app) == []
    # The circle's own moderator may.
    assert client_as(app, "modo").get(url).status_code == 200


def _flag_posts(app, kinds: tuple[str, ...], per_kind: int) -> None:
    """`per_kind` flagged items of each kind, each on its own question in bridges."""
    with app.app_context():
        flagger, asker, helper, outsider = (
            _user(n) for n in ("flag1", "asker", "helper", "outsider")
        )
        for i in range(per_kind):
            q = qa_helpers.ask(asker.id, title=f"点検の質問その{i}のタイトルです", circle="bridges")
            a = qa.answer(helper, q, LONG_ANSWER)
            c = qa.comment(outsider, q, f"コメント{i}")
            for kind, target in (("question", q.id), ("answer", a.id), ("comment", c.id)):
                if kind in kinds:
                    mod.flag(flagger, kind, target, "spam")
        db.session.commit()


@pytest.mark.parametrize(
    "kinds", [("answer",), ("question", "answer", "comment")], ids=["answers", "mix"]
)
@pytest.mark.parametrize("viewer", ["boss", "modo"])
def test_the_queue_runs_a_fixed_number_of_queries(app, site, count_queries, kinds, viewer):
    """One query per kind of item present (at most five kinds), never one per item: the same
    count with one flagged item per kind as with thirty items in all."""
    client = client_as(app, viewer)
    counts = {}
    for total in (len(kinds), 30):
        with app.app_context():
            db.session.execute(Flag.__table__.delete())
            db.session.commit()
        _flag_posts(app, kinds, total // len(kinds))
        client.get("/moderation/")  # warm-up
        with count_queries() as q:
            response = client.get("/moderation/")
        assert response.get_data(as_text=True).count('href="/moderation/items/') == total
        counts[total] = q.count
    assert counts[len(kinds)] == counts[30], counts


# --- resolving --------------------------------------------------------------------------------


def _state(app, site) -> dict:
    with app.app_context():
        q = db.session.get(Question, site.q)
        return {
            "hidden": q.hidden_at is not None,
            "locked": q.locked,
            "closed": q.close_reason,
            "body": q.body_md,
            "revisions": db.session.scalar(
                select(func.count()).where(Revision.question_id == site.q)
            ),
            "flags": sorted((f.status.value, f.outcome) for f in db.session.scalars(select(Flag))),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
        }


def _question_flags(app, site) -> None:
    flag_as(app, "flag1", "question", site.q, "off_topic")
    flag_as(app, "flag2", "question", site.q, "spam")


NEW_BODY = (
    "（管理者が個人名を削除しました）町の橋梁の点検について、判定区分の付け方で悩んでいます。"
)


@pytest.mark.parametrize(
    ("action", "prepare", "effect"),
    [
        ("hide", None, {"hidden": True}),
        ("restore", "hide", {"hidden": False}),
        ("edit", None, {"body": NEW_BODY, "revisions": 2}),
        ("lock", None, {"locked": True}),
        ("unlock", "lock", {"locked": False}),
        ("close", None, {"closed": CloseReason.OFF_TOPIC}),
        ("warn", None, {}),
        ("dismiss", None, {}),
    ],
)
def test_each_action_does_what_it_says_and_closes_the_flags(app, site, action, prepare, effect):
    if prepare:
        with app.app_context():
            mod.resolve(_user("boss"), "question", site.q, prepare, "準備")
            db.session.commit()
    _question_flags(app, site)
    before = _state(app, site)
    client = client_as(app, "modo")
    url = f"/moderation/items/question/{site.q}"
    assert client.get(url).status_code == 200
    response = client.post(
        url, data={"action": action, "reason": "ガイドライン第3条", "body": NEW_BODY}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/"
    after = _state(app, site)
    changed = {k: v for k, v in after.items() if before[k] != v and k not in ("flags", "audit")}
    assert changed == effect
    outcome = "dismissed" if action == "dismiss" else "resolved"
    assert after["flags"] == [(outcome, action), (outcome, action)]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert (entry.action, entry.actor_id, entry.reason) == (
            action,
            _user("modo").id,
            "ガイドライン第3条",
        )
        if action == "warn":
            assert (entry.target_type, entry.target_id) == ("user", _user("asker").id)
        else:
            assert (entry.target_type, entry.target_id) == ("question", site.q)
        for f in db.session.scalars(select(Flag)):
            assert f.resolved_by_id == _user("modo").id and f.resolved_at is not None
            assert f.outcome_reason == "ガイドライン第3条"
    # Each flagger sees the outcome.
    html = client_as(app, "flag1").get("/moderation/my-flags").get_data(as_text=True)
    cells = re.findall(r'<td class="flag-outcome">(.*?)</td>', html, re.S)
    assert len(cells) == 1
    assert "ガイドライン第3条" in cells[0] and 'class="badge verified"' in cells[0]


def test_dismissing_flags_on_an_auto_hidden_post_shows_it_again(app, site):
    for name in ("flag1", "flag2", "flag3"):
        flag_as(app, name, "answer", site.a)
    assert hidden(app, Answer, site.a)
    modo = client_as(app, "modo")
    response = modo.post(
        f"/moderation/items/answer/{site.a}", data={"action": "dismiss", "reason": "問題なし"}
    )
    assert response.status_code == 302
    assert count(app, Flag, Flag.status == FlagStatus.DISMISSED) == 3
    assert not hidden(app, Answer, site.a) or ("answer", site.a) in _queue_items(modo)


@pytest.mark.filterwarnings("ignore:fully NULL primary key:sqlalchemy.exc.SAWarning")
def test_suspending_the_author_of_a_flagged_case_link(app, site):
    with app.app_context():
        _published_case_linked_to(site.q)
        db.session.commit()
        link_id = db.session.scalar(select(CaseLink.id))
    flag_as(app, "flag1", "case_link", link_id)
    response = client_as(app, "boss").post(
        f"/moderation/items/case_link/{link_id}",
        data={"action": "suspend", "reason": "宣伝のリンク", "days": "3"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert _user("asker").is_suspended


def test_my_flags_show_an_open_flag_as_waiting(app, site):
    _question_flags(app, site)
    html = client_as(app, "flag1").get("/moderation/my-flags").get_data(as_text=True)
    (cell,) = re.findall(r'<td class="flag-outcome">(.*?)</td>', html, re.S)
    assert 'class="badge warn"' in cell
    assert client_as(app, "flag3").get("/moderation/my-flags").status_code == 200


@pytest.mark.parametrize("action", ["hide", "restore", "edit", "lock", "close", "warn", "dismiss"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(app, site, action, reason):
    _question_flags(app, site)
    before = _state(app, site)
    client = client_as(app, "modo")
    url = f"/moderation/items/question/{site.q}"
    response = client.post(url, data={"action": action, "reason": reason, "body": NEW_BODY})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert flashed_categories(client) == ["error"]
    assert _state(app, site) == before


def test_unknown_action_changes_nothing(app, site):
    _question_flags(app, site)
    before = _state(app, site)
    response = client_as(app, "modo").post(
        f"/moderation/items/question/{site.q}", data={"action": "delete", "reason": "x"}
    )
    assert response.status_code == 303
    assert _state(app, site) == before


def test_edit_needs_the_corrected_text(app, site):
    _question_flags(app, site)
    before = _state(app, site)
    response = client_as(app, "modo").post(
        f"/moderation/items/question/{site.q}",
        data={"action": "edit", "reason": "個人名", "body": " "},
    )
    assert response.status_code == 303
    assert _state(app, site) == before


def test_edit_of_an_answer_and_of_a_comment(app, site):
    client = client_as(app, "modo")
    assert (
        client.post(
            f"/moderation/items/answer/{site.a}",
            data={
                "action": "edit",
                "reason": "個人名",
                "body": "（削除）交通量で点数化しています。",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/moderation/items/comment/{site.c}",
            data={"action": "edit", "reason": "個人名", "body": "（削除）"},
        ).status_code
        == 302
    )
    with app.app_context():
        answer = db.session.get(Answer, site.a)
        assert answer.body_md == "（削除）交通量で点数化しています。"
        assert "（削除）" in answer.body_html and answer.edited_at is not None
        revision = db.session.scalar(
            select(Revision).where(Revision.answer_id == site.a).order_by(Revision.id.desc())
        )
        assert revision.editor_id == _user("modo").id
        assert db.session.get(Comment, site.c).body == "（削除）"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_type == "comment"))
        # A redaction: the audit keeps the corrected text, never the original.
        assert entry.before == {"hidden": False} and entry.after == {
            "body": "（削除）",
            "hidden": False,
        }


def test_lock_blocks_new_answers_and_comments(app, site):
    client = client_as(app, "modo")
    client.post(
        f"/moderation/items/question/{site.q}", data={"action": "lock", "reason": "荒れている"}
    )
    outsider = client_as(app, "outsider")
    assert (
        outsider.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 409
    )
    assert (
        outsider.post(f"/questions/{site.q}/comments", data={"body": "追加の質問"}).status_code
        == 409
    )
    assert (
        outsider.post(
            f"/questions/{site.q}/comments", data={"body": "追加の質問", "answer_id": site.a}
        ).status_code
        == 409
    )
    assert count(app, Answer) == 1 and count(app, Comment) == 1
    page = outsider.get(f"/questions/{site.q}").get_data(as_text=True)
    assert 'id="answer-form"' not in page
    client.post(
        f"/moderation/items/question/{site.q}", data={"action": "unlock", "reason": "落ち着いた"}
    )
    assert (
        outsider.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 302
    )
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.before["locked"], e.after["locked"]) for e in entries] == [
            ("lock", False, True),
            ("unlock", True, False),
        ]


def test_lock_and_close_are_for_questions_only(app, site):
    client = client_as(app, "modo")
    for action in ("lock", "close"):
        response = client.post(
            f"/moderation/items/answer/{site.a}", data={"action": action, "reason": "x"}
        )
        assert response.status_code == 409
    assert audit_actions(app) == []


def test_claim_marks_the_flags(app, site):
    _question_flags(app, site)
    client = client_as(app, "modo")
    url = f"/moderation/items/question/{site.q}"
    assert client.post(url, data={"action": "claim"}).status_code == 302
    with app.app_context():
        assert {f.claimed_by_id for f in db.session.scalars(select(Flag))} == {_user("modo").id}
        assert {f.status for f in db.session.scalars(select(Flag))} == {FlagStatus.OPEN}
    assert audit_actions(app) == ["claim"]
    # Nothing to claim on an item with no flags.
    assert (
        client.post(f"/moderation/items/answer/{site.a}", data={"action": "claim"}).status_code
        == 409
    )


def test_suspending_the_author_from_the_queue_is_for_admins(app, site):
    flag_as(app, "flag1", "answer", site.a, "harassment")
    url = f"/moderation/items/answer/{site.a}"
    data = {"action": "suspend", "reason": "繰り返しの嫌がらせ", "days": "5"}
    assert client_as(app, "modo").post(url, data=data).status_code == 403
    with app.app_context():
        assert not _user("helper").is_suspended
    assert client_as(app, "boss").post(url, data=data).status_code == 302
    with app.app_context():
        helper = _user("helper")
        assert helper.is_suspended
        assert timedelta(days=4, hours=23) < helper.suspended_until - utcnow() <= timedelta(days=5)
        assert db.session.scalar(select(Flag)).outcome == "suspend"


def test_hide_and_restore_from_the_question_page(app, site):
    url = f"/questions/{site.q}/hide"
    assert client_as(app, "flag1").post(url, data={"hidden": "1", "reason": "x"}).status_code == 403
    assert client_as(app, "modb").post(url, data={"hidden": "1", "reason": "x"}).status_code == 403
    modo = client_as(app, "modo")
    assert modo.post(url, data={"hidden": "1", "reason": ""}).status_code == 302
    assert flashed_categories(modo) == ["error"]
    assert not hidden(app, Question, site.q)
    assert modo.post(url, data={"hidden": "1", "reason": "個人名"}).status_code == 302
    assert hidden(app, Question, site.q)
    assert modo.post(url, data={"hidden": "0", "reason": "修正済み"}).status_code == 302
    assert not hidden(app, Question, site.q)
    assert audit_actions(app) == ["hide", "restore"]


# --- moving questions -------------------------------------------------------------------------


def test_a_moderator_of_both_circles_moves_a_question(app, site):
    with app.app_context():
        db.session.add(
            CircleMembership(
                circle_id=site.sewers, user_id=_user("modo").id, role=CircleRole.MODERATOR
            )
        )
        db.session.commit()
    flag_as(app, "flag1", "question", site.q)
    response = client_as(app, "modo").post(
        f"/questions/{site.q}/move", data={"circle": "sewers", "reason": "下水道の話題"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Question, site.q).circle_id == site.sewers
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "move"))
        assert entry.before == {"circle_id": site.bridges} and entry.after == {
            "circle_id": site.sewers
        }
        assert entry.actor_id == _user("modo").id and entry.reason == "下水道の話題"
        # The question's open flag follows it to the new circle's queue.
        assert db.session.scalar(select(Flag.circle_id)) == site.sewers
    assert ("question", site.q) in _queue_items(client_as(app, "modb"))


@pytest.mark.parametrize(
    ("mover", "target"),
    [("modo", "sewers"), ("modb", "sewers"), ("modb", ""), ("flag1", "")],
    ids=["source-only", "target-only", "target-only-to-square", "member"],
)
def test_moving_needs_both_sides(app, site, mover, target):
    response = client_as(app, mover).post(
        f"/questions/{site.q}/move", data={"circle": target, "reason": "x"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Question, site.q).circle_id == site.bridges
    assert audit_actions(app) == []


def test_moving_to_an_unknown_circle_is_404(app, site):
    response = client_as(app, "boss").post(
        f"/questions/{site.q}/move", data={"circle": "nowhere", "reason": "x"}
    )
    assert response.status_code == 404


def test_flags_on_answers_follow_a_moved_question(app, site):
    with app.app_context():
        db.session.add(
            CircleMembership(
                circle_id=site.sewers, user_id=_user("modo").id, role=CircleRole.MODERATOR
            )
        )
        db.session.commit()
    flag_as(app, "flag1", "answer", site.a)
    flag_as(app, "flag1", "comment", site.c)
    client_as(app, "modo").post(
        f"/questions/{site.q}/move", data={"circle": "sewers", "reason": "移動"}
    )
    modb = client_as(app, "modb")
    assert modb.get(f"/moderation/items/answer/{site.a}").status_code == 200
    assert _queue_items(modb) == {("answer", site.a), ("comment", site.c)}
