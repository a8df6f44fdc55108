"""Moderating people: suspensions, circle bans and trust levels."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.casebook.models import CaseLink
from community.circles.models import CircleMembership, CircleRole, MembershipStatus
from community.db import utcnow
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry, Flag
from community.office_hours.models import Booking
from community.questions import services as qa
from community.questions.models import (
    Answer,
    AnswerVote,
    Comment,
    Question,
    QuestionVote,
    Revision,
)
from tests import qa_helpers
from tests import test_moderation as base
from tests.conftest import client_as
from tests.factories import open_every_day
from tests.factories import user_named as _user
from tests.test_moderation import (
    ASK,
    LONG_ANSWER,
    _queue_items,
    audit_actions,
    count,
    hidden,
    question_links,
)

# Fixtures of test_moderation.py, shared by assignment.
site = base.site
trust_days = base.trust_days


# --- suspension -------------------------------------------------------------------------------


def _open_hours(adviser: User):
    return open_every_day(adviser, requires_confirmation=False)


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
        } | {"links": count(app, CaseLink)}

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
