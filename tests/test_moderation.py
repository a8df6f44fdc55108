"""Moderation: flags and auto-hide, and hidden content; the helpers and fixtures of every
moderation test.

The review queue, resolving items and moving questions are in test_moderation_queue.py,
suspensions, circle bans and trust levels in test_moderation_people.py, the immutable audit log
in test_moderation_audit.py (and test_moderation_review.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.casebook import services as casebook
from community.db import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry, Flag, FlagStatus
from community.questions import services as qa
from community.questions.models import (
    Answer,
    Comment,
    Question,
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


def _queue_items(client) -> set[tuple[str, int]]:
    """(kind, id) of the items in the moderation queue as `client` sees it."""
    response = client.get("/moderation/")
    assert response.status_code == 200
    return {
        (kind, int(i))
        for kind, i in re.findall(
            r'href="/moderation/items/(\w+)/(\d+)"', response.get_data(as_text=True)
        )
    }


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
