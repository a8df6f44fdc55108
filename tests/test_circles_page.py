"""The circle page: tabs, pinned questions, member count and members page, the circles index,
and a fixed number of queries however large a circle grows."""

from __future__ import annotations

import re

import pytest

from community.circles.models import (
    CircleMembership,
    CircleRole,
    MembershipStatus,
)
from community.extensions import db
from community.questions import services as question_services
from community.questions.models import Question
from tests import test_circles as base
from tests.conftest import client_as
from tests.factories import make_people
from tests.test_circles import (
    ANSWER,
    BODY,
    _circle,
    add_membership,
    answer,
    ask,
    html,
    listed_circle_counts,
    new_circle,
    pinned_ids,
    question_ids,
    set_question,
    shown_member_count,
)

# Fixtures of test_circles.py, shared by assignment.
boss = base.boss


# --- 6. the circle page -----------------------------------------------------------------------


@pytest.fixture
def tabs_world(app, boss, make_user):
    make_user(username="ann")
    make_user(username="bob")
    new_circle(app, "boss", "bridges", "open")
    new_circle(app, "boss", "roads", "open")
    add_membership(app, "bridges", "ann")
    add_membership(app, "roads", "ann")
    ids = {
        "old": ask(app, "ann", "bridges", "Oldest question about bridges"),
        "answered": ask(app, "ann", "bridges", "Answered question about bridges"),
        "closed": ask(app, "ann", "bridges", "Closed question about bridges"),
        "new": ask(app, "ann", "bridges", "Newest question about bridges"),
        "elsewhere": ask(app, "ann", "roads", "A question in the roads circle"),
        "square": ask(app, "ann", None, "A question in the open square"),
    }
    answer(app, "bob", ids["answered"])
    from datetime import timedelta

    from community.db import utcnow
    from community.questions.models import CloseReason

    now = utcnow()
    for i, key in enumerate(("old", "answered", "closed", "new")):
        set_question(app, ids[key], created_at=now - timedelta(hours=10 - i))
    set_question(app, ids["closed"], close_reason=CloseReason.OFF_TOPIC)
    set_question(app, ids["old"], score=5)
    set_question(app, ids["answered"], score=2)
    set_question(app, ids["new"], score=-1)
    return ids


def test_latest_tab_lists_the_circles_questions_newest_first(app, tabs_world):
    ids = tabs_world
    expected = [ids["new"], ids["closed"], ids["answered"], ids["old"]]
    c = client_as(app, None)
    assert question_ids(c.get("/circles/bridges")) == expected
    assert question_ids(c.get("/circles/bridges?tab=latest")) == expected
    assert question_ids(c.get("/circles/bridges?tab=bogus")) == expected
    page = html(c.get("/circles/bridges?tab=latest"))
    assert 'href="/circles/bridges?tab=latest" aria-current="page"' in page


def test_unanswered_tab_leaves_out_answered_and_closed_questions(app, tabs_world):
    ids = tabs_world
    response = client_as(app, None).get("/circles/bridges?tab=unanswered")
    assert question_ids(response) == [ids["new"], ids["old"]]
    assert 'href="/circles/bridges?tab=unanswered" aria-current="page"' in html(response)


def test_top_tab_sorts_by_votes(app, tabs_world):
    ids = tabs_world
    response = client_as(app, "ann").get("/circles/bridges?tab=top")
    assert question_ids(response) == [ids["old"], ids["answered"], ids["closed"], ids["new"]]
    assert 'href="/circles/bridges?tab=top" aria-current="page"' in html(response)


def test_circle_with_no_questions(app, boss):
    new_circle(app, "boss", "empty", "open")
    for tab in ("latest", "unanswered", "top"):
        response = client_as(app, None).get(f"/circles/empty?tab={tab}")
        assert response.status_code == 200
        assert question_ids(response) == []


def test_unknown_circle_is_404(app, make_user):
    make_user(username="kenji")
    assert client_as(app, None).get("/circles/nowhere").status_code == 404
    assert client_as(app, "kenji").get("/circles/nowhere/members").status_code == 404


def test_pinned_questions_appear_on_the_circle_page(app, tabs_world):
    ids = tabs_world
    c = client_as(app, None)
    assert pinned_ids(c.get("/circles/bridges")) == []
    set_question(app, ids["old"], pinned=True)
    set_question(app, ids["elsewhere"], pinned=True)  # another circle's pin stays there
    for tab in ("latest", "unanswered", "top"):
        assert pinned_ids(c.get(f"/circles/bridges?tab={tab}")) == [ids["old"]]
    assert pinned_ids(c.get("/circles/roads")) == [ids["elsewhere"]]


def test_moderators_pin_and_unpin(app, tabs_world, make_user):
    ids = tabs_world
    make_user(username="moe")
    add_membership(app, "bridges", "moe", CircleRole.MODERATOR)
    mo = client_as(app, "moe")
    response = mo.post(f"/questions/{ids['answered']}/pin")
    assert response.status_code == 302
    assert pinned_ids(mo.get("/circles/bridges")) == [ids["answered"]]
    assert mo.post(f"/questions/{ids['answered']}/pin").status_code == 302
    assert pinned_ids(mo.get("/circles/bridges")) == []
    # Their powers stop at their circle's edge.
    assert mo.post(f"/questions/{ids['elsewhere']}/pin").status_code == 403
    assert mo.post(f"/questions/{ids['square']}/pin").status_code == 409  # not in a circle
    with app.app_context():
        assert not db.session.get(Question, ids["elsewhere"]).pinned
        assert not db.session.get(Question, ids["square"]).pinned


@pytest.mark.parametrize("actor", ["ann", "bob"])
def test_non_moderators_cannot_pin(app, tabs_world, actor):
    ids = tabs_world
    response = client_as(app, actor).post(f"/questions/{ids['old']}/pin")
    assert response.status_code == 403
    with app.app_context():
        assert not db.session.get(Question, ids["old"]).pinned


def test_member_count_counts_active_members_only(app, tabs_world, make_user):
    make_user(username="waiting")
    make_user(username="moe")
    add_membership(app, "bridges", "moe", CircleRole.MODERATOR)
    add_membership(app, "bridges", "waiting", status=MembershipStatus.PENDING)
    c = client_as(app, None)
    # boss (owner), ann, mo; "waiting" is only a request.
    assert shown_member_count(c.get("/circles/bridges"), "bridges") == 3
    assert listed_circle_counts(c.get("/circles/")) == {"bridges": 3, "roads": 2}
    client_as(app, "bob").post("/circles/bridges/join")
    assert shown_member_count(c.get("/circles/bridges"), "bridges") == 4
    client_as(app, "ann").post("/circles/bridges/leave")
    assert shown_member_count(c.get("/circles/bridges"), "bridges") == 3
    assert listed_circle_counts(c.get("/circles/")) == {"bridges": 3, "roads": 2}


def test_members_page_lists_active_members(app, tabs_world, make_user):
    make_user(username="waiting", display_name="Waiting Person")
    add_membership(app, "bridges", "waiting", status=MembershipStatus.PENDING)
    page = html(client_as(app, None).get("/circles/bridges/members"))
    assert 'href="/people/ann"' in page
    assert 'href="/people/boss"' in page
    assert "Waiting Person" not in page  # requests are for moderators only
    moderator_view = html(client_as(app, "boss").get("/circles/bridges/members"))
    assert "Waiting Person" in moderator_view


def test_circles_index_marks_my_memberships(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges", "open")
    new_circle(app, "boss", "roads", "request")
    new_circle(app, "boss", "tunnels", "open")
    c = client_as(app, "kenji")
    c.post("/circles/bridges/join")
    c.post("/circles/roads/join")
    page = html(c.get("/circles/"))
    cards = dict(
        re.findall(
            r'<li class="card circle-card">\s*<h2><a href="/circles/([^"]+)">(.*?)</li>', page, re.S
        )
    )
    assert set(cards) == {"bridges", "roads", "tunnels"}
    assert 'class="badge verified"' in cards["bridges"]
    assert 'class="badge warn"' in cards["roads"]
    assert "badge verified" not in cards["tunnels"] and "badge warn" not in cards["tunnels"]


# --- query counts -----------------------------------------------------------------------------


def grow_circle(app, slug: str, prefix: str, n_members: int, n_questions: int) -> None:
    """Add n members (a third of them moderators) and n questions with answers and tags."""
    with app.app_context():
        circle = _circle(slug)
        people = make_people(n_members, prefix=prefix)
        for i, person in enumerate(people):
            role = CircleRole.MODERATOR if i % 3 == 0 else CircleRole.MEMBER
            db.session.add(CircleMembership(circle_id=circle.id, user_id=person.id, role=role))
        db.session.flush()
        for i in range(n_questions):
            author = people[i % len(people)]
            q = question_services.ask(
                author,
                {
                    "circle": slug,
                    "title": f"Question number {prefix}{i} about the circle",
                    "body": BODY,
                    "stage": str(i % 3 + 1),
                    "field": "bridge",
                    "topics": ["inspection"],
                    "tags": f"tag{i} shared",
                },
            )
            q.pinned = i % 5 == 0
            if i % 2:
                question_services.answer(people[(i + 1) % len(people)], q, ANSWER)
        db.session.commit()


def measure(count_queries, client, url: str) -> int:
    assert client.get(url).status_code == 200  # warm-up
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count


@pytest.mark.parametrize("viewer", [None, "boss"])
@pytest.mark.parametrize("tab", ["latest", "unanswered", "top"])
def test_circle_page_query_count_does_not_grow(app, boss, count_queries, viewer, tab):
    new_circle(app, "boss", "bridges", "open")
    grow_circle(app, "bridges", "a", 3, 3)
    c = client_as(app, viewer)
    url = f"/circles/bridges?tab={tab}"
    few = measure(count_queries, c, url)
    grow_circle(app, "bridges", "b", 27, 17)  # 30 members, 20 questions: still one page
    assert measure(count_queries, c, url) == few


@pytest.mark.parametrize("viewer", [None, "boss"])
def test_circle_page_query_count_with_30_questions(app, boss, count_queries, viewer):
    new_circle(app, "boss", "bridges", "open")
    grow_circle(app, "bridges", "a", 3, 3)
    c = client_as(app, viewer)
    few = measure(count_queries, c, "/circles/bridges")
    grow_circle(app, "bridges", "b", 27, 27)
    many = measure(count_queries, c, "/circles/bridges")
    assert many == few


def test_circle_page_with_more_than_one_page_of_questions(app, boss):
    new_circle(app, "boss", "bridges", "open")
    grow_circle(app, "bridges", "a", 3, 25)
    c = client_as(app, None)
    first = c.get("/circles/bridges?tab=top")
    assert first.status_code == 200
    assert len(question_ids(first)) == 20
    assert 'href="/circles/bridges?tab=top&amp;page=2"' in html(first)
    second = c.get("/circles/bridges?tab=top&page=2")
    assert len(question_ids(second)) == 5
    assert not set(question_ids(first)) & set(question_ids(second))


@pytest.mark.parametrize("viewer", [None, "boss"])
def test_circle_list_query_count_does_not_grow(app, boss, count_queries, viewer):
    for i in range(3):
        new_circle(app, "boss", f"circle-{i}", ("open", "request", "private")[i % 3])
    grow_circle(app, "circle-0", "a", 3, 3)
    c = client_as(app, viewer)
    few = measure(count_queries, c, "/circles/")
    for i in range(3, 30):
        new_circle(app, "boss", f"circle-{i}", ("open", "request", "private")[i % 3])
    grow_circle(app, "circle-1", "b", 27, 27)
    assert measure(count_queries, c, "/circles/") == few
