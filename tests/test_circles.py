"""Topic circles: creating and editing; the helpers and fixtures of every circle test.

Joining, leaving and roles are in test_circles_membership.py, who reads and posts where in
test_circles_private.py, the circle page in test_circles_page.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.circles import services as circle_services
from community.circles.models import (
    Circle,
    CircleMembership,
    CircleRole,
    CircleVisibility,
    MembershipStatus,
)
from community.errors import PermissionDenied
from community.extensions import db
from community.questions.models import Answer, AnswerVote, Comment, Question, QuestionVote
from tests import factories
from tests.conftest import client_as, login
from tests.factories import user_named as _user

BODY = "This is the body of the question, long enough to pass the checks."
ANSWER = "Here is an answer that is long enough."


# --- helpers ----------------------------------------------------------------------------------


def _circle(slug: str) -> Circle:
    return db.session.scalar(select(Circle).where(Circle.slug == slug))


def new_circle(app, owner: str, slug: str, visibility: str = "open", **extra) -> int:
    """A circle created by the admin `owner` through the service; returns its id."""
    data = {"name_en": f"{slug} circle", "description": f"About {slug}.", "rules": "", **extra}
    with app.app_context():
        circle = factories.make_circle(owner, slug, visibility, **data)
        db.session.commit()
        return circle.id


def add_membership(
    app,
    slug: str,
    username: str,
    role: CircleRole = CircleRole.MEMBER,
    status: MembershipStatus = MembershipStatus.ACTIVE,
) -> int:
    with app.app_context():
        m = CircleMembership(
            circle_id=_circle(slug).id, user_id=_user(username).id, role=role, status=status
        )
        db.session.add(m)
        db.session.commit()
        return m.id


def membership_of(app, slug: str, username: str):
    """(role, status) of the user's membership in the circle, or None."""
    with app.app_context():
        m = db.session.scalar(
            select(CircleMembership).where(
                CircleMembership.circle_id == _circle(slug).id,
                CircleMembership.user_id == _user(username).id,
            )
        )
        return None if m is None else (m.role, m.status)


def membership_id(app, slug: str, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(CircleMembership.id).where(
                CircleMembership.circle_id == _circle(slug).id,
                CircleMembership.user_id == _user(username).id,
            )
        )


def membership_rows(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(CircleMembership)
            .where(CircleMembership.circle_id == _circle(slug).id)
        )


def circle_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Circle))


def ask(app, username: str, circle: str | None, title: str, **extra) -> int:
    """A question by `username` in `circle` (stage 2 unless said otherwise); returns its id."""
    with app.app_context():
        q = factories.ask(username, title, BODY, **{"circle": circle, "stage": "2", **extra})
        db.session.commit()
        return q.id


def answer(app, username: str, question_id: int) -> int:
    with app.app_context():
        a = factories.answer(username, db.session.get(Question, question_id), ANSWER)
        db.session.commit()
        return a.id


def set_question(app, question_id: int, **values) -> None:
    with app.app_context():
        q = db.session.get(Question, question_id)
        for key, value in values.items():
            setattr(q, key, value)
        db.session.commit()


def post_counts(app) -> dict[str, int]:
    """Rows that posting could add."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Question, Answer, Comment, QuestionVote, AnswerVote)
        }


def question_ids(response) -> list[int]:
    """Ids of the questions in a page's question list, in order."""
    html = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'class="qtitle" href="/questions/(\d+)"', html)]


def pinned_ids(response) -> list[int]:
    html = response.get_data(as_text=True)
    block = re.search(r'<div class="card pinned">(.*?)</div>', html, re.S)
    return [] if block is None else [int(n) for n in re.findall(r"/questions/(\d+)", block[1])]


def shown_member_count(response, slug: str) -> int:
    html = response.get_data(as_text=True)
    link = re.search(rf'<a href="/circles/{slug}/members">([^<]*)</a>', html)
    assert link, "no member-count link"
    return int(re.search(r"\d+", link[1])[0])


def listed_circle_counts(response) -> dict[str, int]:
    """{slug: member count} for the cards on /circles/."""
    html = response.get_data(as_text=True)
    cards = re.findall(
        r'<li class="card circle-card">\s*<h2><a href="/circles/([^"]+)">.*?'
        r'<span class="muted">([^<]*)</span>',
        html,
        re.S,
    )
    return {slug: int(re.search(r"\d+", text)[0]) for slug, text in cards}


def html(response) -> str:
    return response.get_data(as_text=True)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def boss(make_user):
    """The administrator who creates circles."""
    return make_user(username="boss", role=Role.ADMIN)


# --- 1. creating and editing ------------------------------------------------------------------


def circle_form(slug="bridges", **overrides):
    data = {
        "slug": slug,
        "name_ja": "橋梁の輪",
        "name_en": "Bridges",
        "description": "Bridge people.",
        "rules": "Be kind.",
        "visibility": "open",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_circle_and_becomes_its_owner(app, client, boss):
    login(client, "boss")
    assert client.get("/circles/new").status_code == 200
    response = client.post("/circles/new", data=circle_form(visibility="request"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/bridges"
    with app.app_context():
        circle = _circle("bridges")
        assert (circle.name_ja, circle.name_en) == ("橋梁の輪", "Bridges")
        assert circle.visibility == CircleVisibility.REQUEST
        assert "<p>Bridge people.</p>" in circle.description_html
    assert membership_of(app, "bridges", "boss") == (CircleRole.OWNER, MembershipStatus.ACTIVE)
    assert client.get("/circles/bridges").status_code == 200


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISER, Role.EDITOR])
def test_non_admins_cannot_create_circles(app, client, make_user, role):
    make_user(username="kenji", role=role)
    login(client, "kenji")
    assert client.get("/circles/new").status_code == 403
    assert client.post("/circles/new", data=circle_form()).status_code == 403
    assert circle_count(app) == 0
    with app.app_context(), pytest.raises(PermissionDenied):
        circle_services.save_circle(_user("kenji"), None, circle_form())
    assert circle_count(app) == 0


def test_anonymous_create_is_sent_to_login(app, client):
    response = client.post("/circles/new", data=circle_form())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert circle_count(app) == 0


@pytest.mark.parametrize(
    "overrides, error_ids",
    [
        ({"slug": ""}, {"slug-error"}),
        ({"slug": "ab"}, {"slug-error"}),  # too short
        ({"slug": "Has Space"}, {"slug-error"}),
        ({"slug": "-bridges"}, {"slug-error"}),
        ({"slug": "bridges-"}, {"slug-error"}),
        ({"slug": "橋梁"}, {"slug-error"}),
        ({"slug": "new"}, {"slug-error"}),  # would shadow /circles/new
        ({"slug": "x" * 61}, {"slug-error"}),
        ({"name_ja": ""}, {"name_ja-error"}),
        ({"name_ja": "   "}, {"name_ja-error"}),
        ({"name_en": ""}, {"name_en-error"}),
        ({"visibility": "secret"}, {"visibility-error"}),
        ({"visibility": ""}, {"visibility-error"}),
        ({"slug": "", "name_ja": ""}, {"slug-error", "name_ja-error"}),
    ],
)
def test_bad_circle_input_is_refused_with_field_errors(app, client, boss, overrides, error_ids):
    login(client, "boss")
    response = client.post("/circles/new", data=circle_form(**overrides))
    assert response.status_code == 422
    body = html(response)
    for error_id in error_ids:
        assert f'id="{error_id}"' in body, error_id
    for other in {"slug-error", "name_ja-error", "name_en-error", "visibility-error"} - error_ids:
        assert f'id="{other}"' not in body, other
    assert circle_count(app) == 0


def test_duplicate_slug_is_refused(app, client, boss):
    login(client, "boss")
    assert client.post("/circles/new", data=circle_form()).status_code == 302
    for slug in ("bridges", "BRIDGES", "  bridges  "):
        response = client.post("/circles/new", data=circle_form(slug=slug, name_en="Other"))
        assert response.status_code == 422, slug
        assert 'id="slug-error"' in html(response)
    assert circle_count(app) == 1


def test_slug_is_stored_lower_case(app, client, boss):
    login(client, "boss")
    assert client.post("/circles/new", data=circle_form(slug="Road-Works")).status_code == 302
    with app.app_context():
        assert _circle("road-works") is not None


def test_owner_edits_the_circle(app, client, boss, make_user):
    make_user(username="olga")
    new_circle(app, "boss", "bridges")
    add_membership(app, "bridges", "olga", CircleRole.OWNER)
    c = client_as(app, "olga")
    form = c.get("/circles/bridges/edit")
    assert form.status_code == 200
    assert 'value="bridges"' in html(form)
    response = c.post(
        "/circles/bridges/edit",
        data=circle_form(slug="bridges-2", name_en="Bridges two", visibility="private"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/bridges-2"
    with app.app_context():
        circle = _circle("bridges-2")
        assert circle.name_en == "Bridges two"
        assert circle.visibility == CircleVisibility.PRIVATE
        assert _circle("bridges") is None
    # Editing does not add or change memberships.
    assert membership_rows(app, "bridges-2") == 2
    assert membership_of(app, "bridges-2", "olga") == (CircleRole.OWNER, MembershipStatus.ACTIVE)


def test_edit_keeps_its_own_slug_and_refuses_another_circles(app, client, boss):
    new_circle(app, "boss", "bridges")
    new_circle(app, "boss", "roads")
    login(client, "boss")
    assert client.post("/circles/bridges/edit", data=circle_form()).status_code == 302
    response = client.post("/circles/bridges/edit", data=circle_form(slug="roads"))
    assert response.status_code == 422
    assert 'id="slug-error"' in html(response)
    with app.app_context():
        assert _circle("bridges") is not None


@pytest.mark.parametrize(
    "role, status",
    [
        (CircleRole.MODERATOR, MembershipStatus.ACTIVE),
        (CircleRole.MEMBER, MembershipStatus.ACTIVE),
        (CircleRole.OWNER, MembershipStatus.PENDING),
        (None, None),
    ],
)
def test_only_owners_edit(app, boss, make_user, role, status):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges")
    if role is not None:
        add_membership(app, "bridges", "kenji", role, status)
    c = client_as(app, "kenji")
    assert c.get("/circles/bridges/edit").status_code == 403
    response = c.post("/circles/bridges/edit", data=circle_form(name_en="Hijacked"))
    assert response.status_code == 403
    with app.app_context():
        assert _circle("bridges").name_en == "bridges circle"


def test_owner_of_another_circle_cannot_edit(app, boss, make_user):
    make_user(username="olga")
    new_circle(app, "boss", "bridges")
    new_circle(app, "boss", "roads")
    add_membership(app, "roads", "olga", CircleRole.OWNER)
    c = client_as(app, "olga")
    assert c.post("/circles/bridges/edit", data=circle_form(name_en="X")).status_code == 403
    with app.app_context():
        assert _circle("bridges").name_en == "bridges circle"


def test_admin_editing_a_circle_does_not_join_it(app, boss, make_user):
    make_user(username="chief", role=Role.ADMIN)
    new_circle(app, "boss", "bridges")
    c = client_as(app, "chief")
    assert c.post("/circles/bridges/edit", data=circle_form(name_en="Fixed")).status_code == 302
    assert membership_of(app, "bridges", "chief") is None


def test_owner_sees_the_edit_link(app, boss, make_user):
    make_user(username="olga")
    new_circle(app, "boss", "bridges")
    add_membership(app, "bridges", "olga", CircleRole.OWNER)
    page = client_as(app, "olga").get("/circles/bridges")
    assert 'href="/circles/bridges/edit"' in html(page)


def test_edit_links_only_for_those_who_may_edit(app, boss, make_user):
    make_user(username="moe")
    new_circle(app, "boss", "bridges")
    add_membership(app, "bridges", "moe", CircleRole.MODERATOR)
    assert 'href="/circles/bridges/edit"' in html(client_as(app, "boss").get("/circles/bridges"))
    assert 'href="/circles/bridges/edit"' not in html(client_as(app, "moe").get("/circles/bridges"))
    index = html(client_as(app, "boss").get("/circles/"))
    assert 'href="/circles/new"' in index
    assert 'href="/circles/new"' not in html(client_as(app, "moe").get("/circles/"))
