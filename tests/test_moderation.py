"""Moderation: flags and auto-hide, hidden content, the review queue, resolving items,
suspensions, circle bans, moving questions, trust levels and the immutable audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import time, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.circles.models import CircleMembership, CircleRole, MembershipStatus
from community.db import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry, Flag, FlagStatus
from community.office_hours import services as oh
from community.office_hours.models import AvailabilityRule, Booking, Mode
from community.questions import services as qa
from community.questions.models import (
    Answer,
    AnswerVote,
    CloseReason,
    Comment,
    Question,
    QuestionVote,
    Revision,
)
from tests import factories, qa_helpers
from tests.conftest import client_as
from tests.factories import user_named as _user

LONG_ANSWER = "うちでは健全度と交通量で点数化して優先順位を決めています。"
ASK = {
    "title": "包括的民間委託の仕様書はどう書けばよいですか",
    "body": qa_helpers.BODY,
    "circle": "",
    "field": "bridge",
    "stage": "3",
}


# --- helpers ----------------------------------------------------------------------------------


def flashed_categories(client) -> list[str]:
    with client.session_transaction() as s:
        return [category for category, _message in s.get("_flashes", [])]


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_actions(app, *where) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEntry.action).where(*where).order_by(AuditEntry.id))
        )


def hidden(app, model, obj_id: int) -> bool:
    with app.app_context():
        return db.session.get(model, obj_id).hidden_at is not None


def new_circle(slug: str, visibility: str, *, moderators=(), members=()) -> int:
    """A circle created by the admin `boss` (its owner); call inside an app context."""
    circle = factories.make_circle("boss", slug, visibility, members=members, moderators=moderators)
    return circle.id


def flag_as(app, username: str, target_type: str, target_id: int, reason="spam", text=""):
    with app.app_context():
        row = mod.flag(_user(username), target_type, target_id, reason, text)
        db.session.commit()
        return row.id


def question_links(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'href="/questions/(\d+)"', html)}


@pytest.fixture
def trust_days(app):
    """TRUST1_DAYS=3 for one test: accounts made in the test are at trust level 0."""
    old = app.config["TRUST1_DAYS"]
    app.config["TRUST1_DAYS"] = 3
    yield
    app.config["TRUST1_DAYS"] = old


@pytest.fixture
def site(app, make_user):
    """boss (admin); `bridges` (open, moderated by modo) with asker, helper and flag1 as
    members; `sewers` (open, moderated by modb); a question by asker in bridges with an
    answer by helper and a comment by outsider. flag2, flag3 and outsider belong nowhere."""
    make_user(username="boss", role=Role.ADMIN)
    for name in ("modo", "modb", "asker", "helper", "flag1", "flag2", "flag3", "outsider"):
        make_user(username=name, fields=["bridge"])
    make_user(username="staff", email="staff@city.example.lg.jp")
    with app.app_context():
        bridges = new_circle(
            "bridges", "open", moderators=["modo"], members=["asker", "helper", "flag1"]
        )
        sewers = new_circle("sewers", "open", moderators=["modb"])
        q = qa_helpers.ask(
            _user("asker").id,
            title="判定区分Ⅲの橋の優先順位の付け方",
            circle="bridges",
            field="bridge",
        )
        a = qa.answer(_user("helper"), q, LONG_ANSWER)
        c = qa.comment(_user("outsider"), q, "橋長は何メートルですか？")
        db.session.commit()
        return SimpleNamespace(bridges=bridges, sewers=sewers, q=q.id, a=a.id, c=c.id)


# --- flags ------------------------------------------------------------------------------------


def test_one_flag_per_member_per_item(app, site):
    client = client_as(app, "flag1")
    data = {"target_type": "answer", "target_id": site.a, "reason": "spam"}
    assert client.post("/flags", data=data).status_code == 302
    assert client.post("/flags", data={**data, "reason": "harassment"}).status_code == 409
    with app.app_context():
        rows = db.session.scalars(select(Flag)).all()
        assert [(f.reporter_id, f.reason.value, f.circle_id) for f in rows] == [
            (_user("flag1").id, "spam", site.bridges)
        ]
    # Another member may flag the same item.
    assert client_as(app, "flag2").post("/flags", data=data).status_code == 302
    assert count(app, Flag) == 2


def test_own_post_cannot_be_flagged(app, site):
    client = client_as(app, "helper")
    response = client.post(
        "/flags", data={"target_type": "answer", "target_id": site.a, "reason": "spam"}
    )
    assert response.status_code == 409
    assert count(app, Flag) == 0


def test_unknown_reason_is_refused(app, site):
    with app.app_context(), pytest.raises(ValidationFailed) as err:
        mod.flag(_user("flag1"), "answer", site.a, "boring")
    assert err.value.status == 422 and "reason" in err.value.fields
    client = client_as(app, "flag1")
    response = client.post(
        "/flags", data={"target_type": "answer", "target_id": site.a, "reason": "boring"}
    )
    # The flag form lives inside the question page: the refusal comes back as a flash message.
    assert response.status_code == 303
    assert flashed_categories(client) == ["error"]
    assert count(app, Flag) == 0


def test_other_needs_a_text(app, site):
    client = client_as(app, "flag1")
    data = {"target_type": "comment", "target_id": site.c, "reason": "other"}
    assert client.post("/flags", data=data).status_code == 303
    assert client.post("/flags", data={**data, "text": "   "}).status_code == 303
    assert count(app, Flag) == 0
    assert client.post("/flags", data={**data, "text": "宣伝の書き込みです"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Flag.text)) == "宣伝の書き込みです"


@pytest.mark.parametrize(
    ("target_type", "target_id"), [("answer", 999_999), ("nonsense", 1), ("", 0)]
)
def test_flagging_something_that_does_not_exist_is_404(app, site, target_type, target_id):
    client = client_as(app, "flag1")
    data = {"target_type": target_type, "target_id": target_id, "reason": "spam"}
    assert client.post("/flags", data=data).status_code == 404
    assert count(app, Flag) == 0


def test_flagging_a_private_circle_post_as_a_non_member_is_404(app, site, make_user):
    make_user(username="insider")
    with app.app_context():
        new_circle("secret", "private", members=["insider"])
        q = qa_helpers.ask(
            _user("insider").id, title="内輪の質問のタイトルです、よろしく", circle="secret"
        )
        db.session.commit()
        qid = q.id
    data = {"target_type": "question", "target_id": qid, "reason": "spam"}
    assert client_as(app, "outsider").post("/flags", data=data).status_code == 404
    assert count(app, Flag) == 0
    assert client_as(app, "boss").post("/flags", data=data).status_code == 302


def test_anonymous_cannot_flag(app, site):
    response = app.test_client().post(
        "/flags", data={"target_type": "answer", "target_id": site.a, "reason": "spam"}
    )
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert count(app, Flag) == 0


# --- auto-hide --------------------------------------------------------------------------------


def test_three_trusted_members_hide_an_answer(app, site):
    flag_as(app, "flag1", "answer", site.a)
    flag_as(app, "flag2", "answer", site.a, "off_topic")
    assert not hidden(app, Answer, site.a)
    assert audit_actions(app) == []
    flag_as(app, "flag3", "answer", site.a)
    with app.app_context():
        answer = db.session.get(Answer, site.a)
        assert answer.hidden_at is not None and answer.hidden_reason == "flagged"
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.actor_id, entry.target_type, entry.target_id) == (
            "auto_hide",
            None,
            "answer",
            site.a,
        )
        assert entry.circle_id == site.bridges
    # The flags stay open for a moderator to decide.
    assert count(app, Flag, Flag.status == FlagStatus.OPEN) == 3


def test_flags_of_brand_new_members_do_not_count(app, site, make_user, trust_days):
    for name in ("new1", "new2", "new3", "new4"):
        make_user(username=name)
    for name in ("new1", "new2", "new3"):
        flag_as(app, name, "answer", site.a)
    assert not hidden(app, Answer, site.a), "trust level 0 flags are recorded but do not hide"
    assert count(app, Flag) == 3
    with app.app_context():
        assert mod.trust_level(_user("new1")) == 0
        # Three days on, the same members are trusted: the next flag reaches the threshold.
        for name in ("new1", "new2", "new4"):
            _user(name).created_at = utcnow() - timedelta(days=4)
        db.session.commit()
        assert mod.trust_level(_user("new1")) == 1
    flag_as(app, "new4", "answer", site.a)
    assert hidden(app, Answer, site.a)


def test_personal_information_flag_by_verified_staff_hides_at_once(app, site):
    with app.app_context():
        assert _user("staff").verified_staff and not _user("flag1").verified_staff
    flag_as(app, "flag1", "comment", site.c, "personal_info")
    assert not hidden(app, Comment, site.c), "one unverified member is not enough"
    flag_as(app, "staff", "comment", site.c, "personal_info")
    assert hidden(app, Comment, site.c)
    assert audit_actions(app) == ["auto_hide"]


def test_other_reasons_by_verified_staff_do_not_hide_at_once(app, site):
    flag_as(app, "staff", "comment", site.c, "harassment")
    assert not hidden(app, Comment, site.c)


# --- hidden content ---------------------------------------------------------------------------


def _published_case_linked_to(question_id: int) -> str:
    case = casebook.save_case(
        _user("boss"),
        None,
        casebook.CaseInput(
            slug="toyama-bridges",
            title="富山の橋梁点検の事例",
            direction="outside",
            status="published",
        ),
    )
    casebook.link_question(_user("asker"), db.session.get(Question, question_id), case)
    return case.slug


def _where_the_question_is_listed(client, qid: int, title: str) -> dict[str, bool]:
    similar = client.get(f"/api/questions/similar?title={quote(title)}").get_json()["questions"]
    return {
        "questions": qid in question_links(client.get("/questions/").get_data(as_text=True)),
        "circle": qid in question_links(client.get("/circles/bridges").get_data(as_text=True)),
        "home": qid in question_links(client.get("/").get_data(as_text=True)),
        "similar": qid in [q["id"] for q in similar],
        "case": qid in question_links(client.get("/cases/toyama-bridges").get_data(as_text=True)),
        "search": qid
        in question_links(client.get("/search?q=" + quote("判定区分")).get_data(as_text=True)),
    }


def test_a_hidden_question_disappears_for_others(app, site):
    title = "判定区分Ⅲの橋の優先順位の付け方"
    with app.app_context():
        _published_case_linked_to(site.q)
        db.session.commit()
    viewers = {"anonymous": app.test_client(), "flag1": client_as(app, "flag1")}
    for name, client in viewers.items():
        assert all(_where_the_question_is_listed(client, site.q, title).values()), name
    with app.app_context():
        mod.set_hidden(_user("modo"), "question", site.q, True, "個人名が書かれている")
        db.session.commit()
    viewers["modb"] = client_as(app, "modb")  # a moderator of another circle is "others"
    for name, client in viewers.items():
        assert not any(_where_the_question_is_listed(client, site.q, title).values()), name
        assert client.get(f"/questions/{site.q}").status_code == 404, name
        assert client.get(f"/questions/{site.q}/history").status_code == 404, name
    for name in ("asker", "modo", "boss"):
        page = client_as(app, name).get(f"/questions/{site.q}")
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert 'class="hidden-banner"' in html and "個人名が書かれている" in html, name


def test_a_hidden_answer_is_not_rendered_for_others(app, site):
    with app.app_context():
        mod.set_hidden(_user("modo"), "answer", site.a, True, "宣伝")
        db.session.commit()
    marker = f'id="answer-{site.a}"'
    for name in (None, "flag1", "modb", "asker"):
        client = client_as(app, name)
        html = client.get(f"/questions/{site.q}").get_data(as_text=True)
        assert marker not in html and "hidden-banner" not in html, name
        assert client.get(f"/answers/{site.a}/history").status_code == 404, name
    for name in ("helper", "modo", "boss"):
        html = client_as(app, name).get(f"/questions/{site.q}").get_data(as_text=True)
        post = html[html.index(marker) :]
        assert 'class="hidden-banner"' in post[: post.index('class="prose"')], name


def test_a_hidden_comment_is_shown_only_to_its_author_and_moderators(app, site):
    with app.app_context():
        mod.set_hidden(_user("modo"), "comment", site.c, True, "宣伝")
        db.session.commit()
    marker = f'<li id="comment-{site.c}"'
    for name in (None, "flag1", "asker"):
        assert marker not in client_as(app, name).get(f"/questions/{site.q}").get_data(as_text=True)
    for name in ("outsider", "modo", "boss"):
        html = client_as(app, name).get(f"/questions/{site.q}").get_data(as_text=True)
        assert f'{marker} class="is-hidden">' in html, name


# --- the queue --------------------------------------------------------------------------------


def _queue_items(client) -> set[tuple[str, int]]:
    response = client.get("/moderation/")
    assert response.status_code == 200
    return {
        (kind, int(i))
        for kind, i in re.findall(
            r'href="/moderation/items/(\w+)/(\d+)"', response.get_data(as_text=True)
        )
    }


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
        link_id = db.session.scalar(select(casebook.CaseLink.id))
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


# --- suspension -------------------------------------------------------------------------------


def _open_hours(adviser: User):
    s = oh.settings_for(adviser)
    s.min_notice_hours = 0
    s.requires_confirmation = False
    for weekday in range(7):
        db.session.add(
            AvailabilityRule(
                adviser_id=adviser.id,
                weekday=weekday,
                start_time=time(9),
                end_time=time(18),
                slot_minutes=60,
                mode=Mode.ONLINE,
            )
        )
    db.session.flush()
    later = utcnow() + timedelta(days=2)
    return next(slot.start for slot in oh.free_slots_for(adviser) if slot.start > later)


def test_only_admins_suspend(app, site):
    with app.app_context():
        helper_id = _user("helper").id
    url = f"/admin/users/{helper_id}/suspend"
    data = {"days": "3", "reason": "スパムの連投"}
    for name in ("modo", "flag1"):
        assert client_as(app, name).post(url, data=data).status_code == 403, name
    assert "/auth/login" in app.test_client().post(url, data=data).headers["Location"]
    with app.app_context():
        assert _user("helper").suspended_until is None
    boss = client_as(app, "boss")
    for bad in (
        {"days": "0", "reason": "x"},
        {"days": "3", "reason": ""},
        {"days": "9999", "reason": "x"},
    ):
        assert boss.post(url, data=bad).status_code == 303
        with app.app_context():
            assert _user("helper").suspended_until is None, bad
    assert boss.post(url, data=data).status_code == 302
    with app.app_context():
        assert _user("helper").is_suspended
        assert _user("helper").suspension_reason == "スパムの連投"
    assert client_as(app, "boss").post("/admin/users/999999/suspend", data=data).status_code == 404


def test_a_suspended_member_reads_but_cannot_post(app, site, make_user):
    make_user(username="adv", role=Role.ADVISER)
    with app.app_context():
        start = _open_hours(_user("adv"))
        case_slug = casebook.save_case(
            _user("boss"),
            None,
            casebook.CaseInput(
                slug="a-case", title="橋梁点検の事例です", direction="outside", status="published"
            ),
        ).slug
        own_q = qa_helpers.ask(_user("helper").id, title="自分の質問のタイトルです、よろしく")
        others_answer = qa.answer(_user("outsider"), db.session.get(Question, site.q), LONG_ANSWER)
        mod.suspend(_user("boss"), _user("helper"), 7, "スパムの連投")
        db.session.commit()
        own_q_id, others_answer_id = own_q.id, others_answer.id

    def written() -> dict:
        return {
            m.__name__: count(app, m)
            for m in (Question, Answer, Comment, QuestionVote, AnswerVote, Booking, Revision)
        } | {"links": count(app, casebook.CaseLink)}

    client = client_as(app, "helper")

    def attempt() -> dict[str, int]:
        """Every kind of posting, as helper; the status code of each."""
        responses = {
            "ask": client.post("/questions/ask", data=ASK),
            "answer": client.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}),
            "comment": client.post(f"/questions/{site.q}/comments", data={"body": "コメントです"}),
            "vote question": client.post(f"/questions/{site.q}/vote", data={"value": "1"}),
            "edit answer": client.post(
                f"/answers/{site.a}/edit", data={"body": LONG_ANSWER + "追記"}
            ),
            "edit question": client.post(
                f"/questions/{own_q_id}/edit", data={**ASK, "title": "自分の質問の新しいタイトル"}
            ),
            "book": client.post(
                f"/office-hours/adv/book?start={quote(start.isoformat())}",
                data={"agenda": "点検計画の相談", "mode": "online"},
            ),
            "link case": client.post(f"/questions/{site.q}/cases", data={"case": case_slug}),
            "join": client.post("/circles/sewers/join", data={}),
            "vote answer": client.post(f"/answers/{others_answer_id}/vote", data={"value": "1"}),
        }
        return {k: r.status_code for k, r in responses.items()}

    before = written()
    refused = attempt()
    assert refused == {k: 403 for k in refused}
    assert written() == before
    with app.app_context():
        assert db.session.get(Question, own_q_id).title == "自分の質問のタイトルです、よろしく"
        assert db.session.get(Answer, site.a).body_md == LONG_ANSWER
    # Reading still works.
    for path in ("/", "/questions/", f"/questions/{site.q}", "/circles/bridges", "/cases/a-case"):
        assert client.get(path).status_code == 200, path
    # Flagging is not posting: the code lets a suspended member flag (and it is recorded).
    response = client.post(
        "/flags", data={"target_type": "comment", "target_id": site.c, "reason": "spam"}
    )
    assert response.status_code == 302 and count(app, Flag) == 1
    # Control: once the suspension is lifted, the very same requests go through.
    with app.app_context():
        mod.lift_suspension(_user("boss"), _user("helper"), "解除")
        db.session.commit()
    assert set(attempt().values()) == {302}


def test_lifting_a_suspension_restores_posting(app, site):
    with app.app_context():
        helper_id = _user("helper").id
    boss = client_as(app, "boss")
    url = f"/admin/users/{helper_id}/suspend"
    assert boss.post(url, data={"days": "7", "reason": "スパムの連投"}).status_code == 302
    helper = client_as(app, "helper")
    assert (
        helper.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 403
    )
    assert client_as(app, "modo").post(url, data={"lift": "1", "reason": "x"}).status_code == 403
    assert boss.post(url, data={"lift": "1", "reason": "反省が見られる"}).status_code == 302
    assert (
        helper.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 302
    )
    # Lifting twice is refused.
    assert boss.post(url, data={"lift": "1", "reason": "again"}).status_code == 409
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "user").order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.actor_id, e.target_id) for e in entries] == [
            ("suspend", _user("boss").id, helper_id),
            ("lift_suspension", _user("boss").id, helper_id),
        ]
        assert entries[0].before == {"suspended_until": None}
        assert entries[0].after["suspended_until"] is not None
        assert entries[1].after == {"suspended_until": None}
        assert entries[0].reason == "スパムの連投" and entries[1].reason == "反省が見られる"


def test_an_expired_suspension_no_longer_blocks(app, site):
    with app.app_context():
        _user("helper").suspended_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client = client_as(app, "helper")
    assert (
        client.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 302
    )


# --- bans -------------------------------------------------------------------------------------


def _membership_id(username: str, circle_id: int) -> int:
    return db.session.scalar(
        select(CircleMembership.id).where(
            CircleMembership.user_id == _user(username).id, CircleMembership.circle_id == circle_id
        )
    )


def test_a_moderator_bans_a_member_who_then_cannot_post_or_rejoin(app, site):
    with app.app_context():
        mid = _membership_id("flag1", site.bridges)
    url = f"/circles/bridges/members/{mid}/remove"
    assert client_as(app, "asker").post(url, data={"ban": "1", "reason": "x"}).status_code == 403
    assert client_as(app, "modb").post(url, data={"ban": "1", "reason": "x"}).status_code == 403
    response = client_as(app, "modo").post(url, data={"ban": "1", "reason": "度重なる宣伝"})
    assert response.status_code == 302
    with app.app_context():
        m = db.session.get(CircleMembership, mid)
        assert (m.status, m.role) == (MembershipStatus.BANNED, CircleRole.MEMBER)
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.target_id, entry.circle_id) == (
            "ban",
            _user("flag1").id,
            site.bridges,
        )
        assert entry.before == {"status": "active", "role": "member"}
    before = {m.__name__: count(app, m) for m in (Question, Answer, Comment, QuestionVote)}
    banned = client_as(app, "flag1")
    ask = banned.post("/questions/ask", data={**ASK, "circle": "bridges"})
    assert ask.status_code == 422 and 'id="circle-error"' in ask.get_data(as_text=True)
    assert (
        banned.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER}).status_code == 403
    )
    assert (
        banned.post(f"/questions/{site.q}/comments", data={"body": "コメントです"}).status_code
        == 403
    )
    assert banned.post(f"/questions/{site.q}/vote", data={"value": "1"}).status_code == 403
    assert banned.post("/circles/bridges/join", data={}).status_code == 403
    assert before == {m.__name__: count(app, m) for m in (Question, Answer, Comment, QuestionVote)}
    with app.app_context():
        assert db.session.get(CircleMembership, mid).status == MembershipStatus.BANNED
    # Elsewhere they post as before.
    assert banned.post("/questions/ask", data=ASK).status_code == 302


def test_removing_without_a_ban_lets_the_member_rejoin(app, site):
    with app.app_context():
        mid = _membership_id("flag1", site.bridges)
    assert (
        client_as(app, "modo")
        .post(f"/circles/bridges/members/{mid}/remove", data={"ban": "0", "reason": "整理"})
        .status_code
        == 302
    )
    assert count(app, CircleMembership, CircleMembership.id == mid) == 0
    assert audit_actions(app) == ["remove_member"]
    assert client_as(app, "flag1").post("/circles/bridges/join", data={}).status_code == 302


def test_an_owner_cannot_be_banned(app, site):
    with app.app_context():
        owner_mid = _membership_id("boss", site.bridges)
        own_mid = _membership_id("modo", site.bridges)
    modo = client_as(app, "modo")
    assert (
        modo.post(
            f"/circles/bridges/members/{owner_mid}/remove", data={"ban": "1", "reason": "x"}
        ).status_code
        == 409
    )
    assert (
        modo.post(
            f"/circles/bridges/members/{own_mid}/remove", data={"ban": "1", "reason": "x"}
        ).status_code
        == 409
    )
    # A membership of another circle is not found through this one.
    with app.app_context():
        db.session.add(CircleMembership(circle_id=site.sewers, user_id=_user("flag2").id))
        db.session.commit()
        other_mid = _membership_id("flag2", site.sewers)
    assert (
        modo.post(
            f"/circles/bridges/members/{other_mid}/remove", data={"ban": "1", "reason": "x"}
        ).status_code
        == 404
    )
    with app.app_context():
        statuses = {m.status for m in db.session.scalars(select(CircleMembership))}
        assert statuses == {MembershipStatus.ACTIVE}
    assert audit_actions(app) == []


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


# --- trust levels -----------------------------------------------------------------------------


def test_a_new_members_link_is_held_for_review(app, site, make_user, trust_days):
    make_user(username="newbie")
    client = client_as(app, "newbie")
    body = "安い点検ならこちら https://spam.example.com/offer をどうぞ。"
    assert client.post(f"/questions/{site.q}/answers", data={"body": body}).status_code == 302
    with app.app_context():
        held = db.session.scalar(select(Answer).where(Answer.body_md == body))
        assert held.hidden_at is not None and held.hidden_reason == "held"
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.actor_id, entry.target_id) == ("hold", None, held.id)
        held_id = held.id
    # Others do not see it; the author does, with a banner; it waits in the queue.
    assert f'id="answer-{held_id}"' not in client_as(app, "flag1").get(
        f"/questions/{site.q}"
    ).get_data(as_text=True)
    own = client.get(f"/questions/{site.q}").get_data(as_text=True)
    assert f'id="answer-{held_id}"' in own and 'class="hidden-banner"' in own
    assert ("answer", held_id) in _queue_items(client_as(app, "modo"))
    assert ("answer", held_id) in _queue_items(client_as(app, "boss"))
    assert ("answer", held_id) not in _queue_items(client_as(app, "modb"))
    # A moderator restores it: it shows and leaves the queue.
    modo = client_as(app, "modo")
    modo.post(
        f"/moderation/items/answer/{held_id}", data={"action": "restore", "reason": "正当な紹介"}
    )
    assert not hidden(app, Answer, held_id)
    assert ("answer", held_id) not in _queue_items(modo)


def test_a_new_members_question_with_a_link_is_held(app, site, make_user, trust_days):
    make_user(username="newbie")
    client = client_as(app, "newbie")
    data = {**ASK, "body": qa_helpers.BODY + " www.spam.example.com"}
    assert client.post("/questions/ask", data=data).status_code == 302
    with app.app_context():
        q = db.session.scalar(select(Question).where(Question.author_id == _user("newbie").id))
        assert q.hidden_reason == "held"
        qid = q.id
    assert ("question", qid) in _queue_items(client_as(app, "boss"))
    assert qid not in question_links(app.test_client().get("/questions/").get_data(as_text=True))


@pytest.mark.parametrize(
    "body",
    [
        "以前の議論 http://localhost/questions/1 を参考にしてください。",
        "リンクのない普通の回答です。交通量で点数化しています。",
    ],
)
def test_links_to_this_site_and_plain_text_are_not_held(app, site, make_user, trust_days, body):
    make_user(username="newbie")
    client = client_as(app, "newbie")
    assert client.post(f"/questions/{site.q}/answers", data={"body": body}).status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.body_md == body))
        assert answer.hidden_at is None and answer.hidden_reason == ""
    assert audit_actions(app) == []


def test_trusted_members_links_are_not_held(app, site, trust_days):
    with app.app_context():
        _user("outsider").created_at = utcnow() - timedelta(days=10)
        db.session.commit()
    body = "参考: https://www.mlit.go.jp/road/sisaku/yobohozen/ を見てください。"
    assert (
        client_as(app, "outsider")
        .post(f"/questions/{site.q}/answers", data={"body": body})
        .status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(Answer).where(Answer.body_md == body)).hidden_at is None


def test_a_lookalike_host_of_the_site_is_held(app, site, make_user, trust_days):
    make_user(username="newbie")
    body = "安い点検はこちら http://localhost.spam.example/offer をどうぞ。"
    client_as(app, "newbie").post(f"/questions/{site.q}/answers", data={"body": body})
    with app.app_context():
        assert (
            db.session.scalar(select(Answer).where(Answer.body_md == body)).hidden_reason == "held"
        )


def test_a_link_edited_in_by_a_new_member_is_held(app, site, make_user, trust_days):
    make_user(username="newbie")
    client = client_as(app, "newbie")
    client.post(f"/questions/{site.q}/answers", data={"body": LONG_ANSWER})
    with app.app_context():
        aid = db.session.scalar(select(Answer.id).where(Answer.author_id == _user("newbie").id))
    response = client.post(
        f"/answers/{aid}/edit", data={"body": LONG_ANSWER + " https://spam.example.com/"}
    )
    assert response.status_code == 302
    assert hidden(app, Answer, aid)


def test_trust_levels(app, site, make_user, trust_days):
    make_user(username="fresh", confirmed=False)
    with app.app_context():
        assert mod.trust_level(_user("fresh")) == 0, "unconfirmed"
        assert mod.trust_level(_user("helper")) == 0, "confirmed minutes ago"
        _user("helper").created_at = utcnow() - timedelta(days=3, minutes=1)
        _user("fresh").created_at = utcnow() - timedelta(days=30)
        assert mod.trust_level(_user("helper")) == 1
        assert mod.trust_level(_user("fresh")) == 0, "old but still unconfirmed"
        helper = _user("helper")
        for i in range(3):
            asker = _user("asker")
            q = qa_helpers.ask(asker.id, title=f"受理される質問その{i}です、よろしく")
            a = qa.answer(helper, q, LONG_ANSWER)
            qa.accept(asker, q, a)
            db.session.flush()
            assert mod.trust_level(helper) == (2 if i == 2 else 1), i
        # An accepted answer of someone else does not count for helper.
        q = qa_helpers.ask(_user("asker").id, title="別の人の回答が受理される質問")
        qa.accept(_user("asker"), q, qa.answer(_user("flag1"), q, LONG_ANSWER))
        _user("flag1").created_at = utcnow() - timedelta(days=4)
        assert mod.trust_level(_user("flag1")) == 1
        db.session.rollback()


# --- audit log --------------------------------------------------------------------------------


def test_role_and_verification_changes_are_audited(app, site):
    with app.app_context():
        target = _user("asker").id
    boss = client_as(app, "boss")
    assert boss.post(f"/admin/users/{target}/role", data={"role": "editor"}).status_code == 302
    assert (
        boss.post(f"/admin/users/{target}/verification", data={"verified": "yes"}).status_code
        == 302
    )
    assert (
        boss.post(f"/admin/users/{target}/verification", data={"verified": "auto"}).status_code
        == 302
    )
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        boss_id = _user("boss").id
        assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in entries] == [
            ("set_role", boss_id, "user", target),
            ("set_verification", boss_id, "user", target),
            ("set_verification", boss_id, "user", target),
        ]
        assert (entries[0].before, entries[0].after) == ({"role": "member"}, {"role": "editor"})
        assert (entries[1].before, entries[1].after) == (
            {"verified_staff": False, "manual": False},
            {"verified_staff": True, "manual": True},
        )
        assert (entries[2].before, entries[2].after) == (
            {"verified_staff": True, "manual": True},
            {"verified_staff": False, "manual": False},
        )
    # A refused change writes nothing.
    assert (
        client_as(app, "modo")
        .post(f"/admin/users/{target}/role", data={"role": "admin"})
        .status_code
        == 403
    )
    assert count(app, AuditEntry) == 3


@pytest.fixture
def audit_log(app, site, make_user):
    """Entries by two admins: boss changes roles, root2 verifies and suspends."""
    make_user(username="root2", role=Role.ADMIN)
    with app.app_context():
        from community.auth.services import set_role, set_verified

        boss, root2 = _user("boss"), _user("root2")
        set_role(boss, _user("asker"), Role.EDITOR)
        set_role(boss, _user("helper"), Role.ADVISER)
        set_verified(root2, _user("flag1"), True)
        mod.suspend(root2, _user("flag2"), 3, '理由, "引用" 付き')
        db.session.commit()


def _audit_rows(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_audit_page_filters_by_action_and_actor(app, audit_log):
    boss = client_as(app, "boss")
    assert _audit_rows(boss.get("/moderation/audit").get_data(as_text=True)) == [
        "suspend",
        "set_verification",
        "set_role",
        "set_role",
    ]
    assert _audit_rows(boss.get("/moderation/audit?action=set_role").get_data(as_text=True)) == [
        "set_role",
        "set_role",
    ]
    assert _audit_rows(boss.get("/moderation/audit?actor=root2").get_data(as_text=True)) == [
        "suspend",
        "set_verification",
    ]
    assert (
        _audit_rows(
            boss.get("/moderation/audit?actor=root2&action=set_role").get_data(as_text=True)
        )
        == []
    )
    assert _audit_rows(boss.get("/moderation/audit?actor=nobody").get_data(as_text=True)) == []
    assert boss.get("/moderation/audit?since=not-a-date&page=x").status_code == 200


def test_audit_csv(app, audit_log):
    response = client_as(app, "boss").get("/moderation/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "id",
        "time_utc",
        "actor",
        "action",
        "target_type",
        "target_id",
        "circle_id",
        "reason",
        "before",
        "after",
    ]
    assert len(rows) - 1 == count(app, AuditEntry) == 4
    assert [(r[2], r[3]) for r in rows[1:]] == [
        ("root2", "suspend"),
        ("root2", "set_verification"),
        ("boss", "set_role"),
        ("boss", "set_role"),
    ]
    assert rows[1][7] == '理由, "引用" 付き', "commas and quotes survive the CSV"
    filtered = client_as(app, "boss").get("/moderation/audit.csv?action=set_role")
    assert len(list(csv.reader(io.StringIO(filtered.data.decode("utf-8-sig"))))) == 3


def test_audit_entries_of_automatic_actions_name_the_system(app, site, audit_log):
    flag_as(app, "flag1", "answer", site.a)
    flag_as(app, "flag3", "answer", site.a)
    flag_as(app, "outsider", "answer", site.a)
    rows = list(
        csv.reader(
            io.StringIO(
                client_as(app, "boss").get("/moderation/audit.csv").data.decode("utf-8-sig")
            )
        )
    )
    assert (rows[1][2], rows[1][3]) == ("system", "auto_hide")


@pytest.mark.parametrize("name", ["modo", "flag1"])
def test_audit_log_is_for_admins_only(app, audit_log, name):
    client = client_as(app, name)
    assert client.get("/moderation/audit").status_code == 403
    assert client.get("/moderation/audit.csv").status_code == 403


def test_audit_log_needs_a_login(app, audit_log):
    for path in ("/moderation/audit", "/moderation/audit.csv", "/moderation/my-flags"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_audit_entries_cannot_be_changed_or_deleted(app, audit_log):
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id))
        entry.reason = "書き換え"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id))
        db.session.delete(entry)
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 4
        assert db.session.scalar(select(AuditEntry).order_by(AuditEntry.id)).reason == ""
