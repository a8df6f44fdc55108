"""Topic circles: creating and editing, joining and leaving, roles, privacy in every listing,
who may post where, and the circle page (tabs, pinned questions, member count, query count)."""

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
from community.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.questions import services as question_services
from community.questions.models import Answer, AnswerVote, Comment, Question, QuestionVote
from tests import factories
from tests.conftest import client_as, login
from tests.factories import make_people
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


# --- 2. joining and leaving -------------------------------------------------------------------


def test_joining_an_open_circle_makes_an_active_member_at_once(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges", "open")
    c = client_as(app, "kenji")
    response = c.post("/circles/bridges/join")
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/bridges"
    assert membership_of(app, "bridges", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)
    page = html(c.get("/circles/bridges"))
    assert 'action="/circles/bridges/leave"' in page
    assert 'action="/circles/bridges/join"' not in page


def test_joining_twice_makes_no_second_row(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges", "open")
    new_circle(app, "boss", "roads", "request")
    c = client_as(app, "kenji")
    for slug in ("bridges", "roads"):
        assert c.post(f"/circles/{slug}/join").status_code == 302
        assert c.post(f"/circles/{slug}/join").status_code == 302
        assert membership_rows(app, slug) == 2  # the owner and kenji
    with app.app_context(), pytest.raises(Conflict):
        circle_services.join(_user("kenji"), _circle("bridges"))


def test_request_circle_makes_a_pending_request_until_approved(app, boss, make_user):
    make_user(username="kenji")
    make_user(username="moe")
    new_circle(app, "boss", "roads", "request")
    add_membership(app, "roads", "moe", CircleRole.MODERATOR)
    q = ask(app, "moe", "roads", "How do you patch potholes in winter?")
    kenji = client_as(app, "kenji")
    response = kenji.post("/circles/roads/join", data={"message": "I fix roads in Toyama."})
    assert response.status_code == 302
    assert membership_of(app, "roads", "kenji") == (CircleRole.MEMBER, MembershipStatus.PENDING)
    with app.app_context():
        m = db.session.get(CircleMembership, membership_id(app, "roads", "kenji"))
        assert m.message == "I fix roads in Toyama."
        assert not circle_services.can_ask(_user("kenji"), _circle("roads"))
        assert circle_services.member_count(_circle("roads")) == 2
    # Pending: no join form, no leave form, cannot ask or answer yet.
    page = html(kenji.get("/circles/roads"))
    assert 'action="/circles/roads/join"' not in page
    assert 'action="/circles/roads/leave"' not in page
    assert kenji.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 403
    # The moderator sees the request and approves it.
    mo = client_as(app, "moe")
    mid = membership_id(app, "roads", "kenji")
    members_page = html(mo.get("/circles/roads/members"))
    assert f'action="/circles/roads/requests/{mid}"' in members_page
    response = mo.post(f"/circles/roads/requests/{mid}", data={"decision": "approve"})
    assert response.status_code == 302
    assert membership_of(app, "roads", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)
    assert f'action="/circles/roads/requests/{mid}"' not in html(mo.get("/circles/roads/members"))
    assert kenji.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    # Deciding again is a conflict.
    assert (
        mo.post(f"/circles/roads/requests/{mid}", data={"decision": "approve"}).status_code == 409
    )


def test_declining_a_request_deletes_it(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "roads", "request")
    kenji = client_as(app, "kenji")
    kenji.post("/circles/roads/join")
    mid = membership_id(app, "roads", "kenji")
    response = client_as(app, "boss").post(
        f"/circles/roads/requests/{mid}", data={"decision": "decline"}
    )
    assert response.status_code == 302
    assert membership_of(app, "roads", "kenji") is None
    # They may ask again.
    assert kenji.post("/circles/roads/join").status_code == 302
    assert membership_of(app, "roads", "kenji") == (CircleRole.MEMBER, MembershipStatus.PENDING)


def test_request_for_another_circle_is_not_found(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "roads", "request")
    new_circle(app, "boss", "bridges", "request")
    client_as(app, "kenji").post("/circles/roads/join")
    mid = membership_id(app, "roads", "kenji")
    boss_client = client_as(app, "boss")
    response = boss_client.post(f"/circles/bridges/requests/{mid}", data={"decision": "approve"})
    assert response.status_code == 404
    assert membership_of(app, "roads", "kenji") == (CircleRole.MEMBER, MembershipStatus.PENDING)


def test_private_circle_refuses_joining(app, boss, make_user):
    make_user(username="kenji")
    make_user(username="chief", role=Role.ADMIN)
    new_circle(app, "boss", "secret", "private")
    kenji = client_as(app, "kenji")
    assert kenji.get("/circles/secret").status_code == 404
    assert kenji.post("/circles/secret/join").status_code == 404
    # An admin sees the circle, but joining is still by invitation only.
    assert client_as(app, "chief").post("/circles/secret/join").status_code == 403
    assert membership_rows(app, "secret") == 1
    assert client_as(app, None).post("/circles/secret/join").status_code == 302  # to login
    assert membership_rows(app, "secret") == 1


def test_moderators_add_members_to_a_private_circle(app, boss, make_user):
    make_user(username="kenji")
    make_user(username="moe")
    new_circle(app, "boss", "secret", "private")
    add_membership(app, "secret", "moe", CircleRole.MODERATOR)
    kenji = client_as(app, "kenji")
    assert kenji.get("/circles/secret").status_code == 404
    mo = client_as(app, "moe")
    assert 'action="/circles/secret/members/add"' in html(mo.get("/circles/secret/members"))
    response = mo.post("/circles/secret/members/add", data={"username": " Kenji "})
    assert response.status_code == 302
    assert membership_of(app, "secret", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)
    assert kenji.get("/circles/secret").status_code == 200
    # Adding them again is an error on the username field.
    again = mo.post("/circles/secret/members/add", data={"username": "kenji"})
    assert again.status_code == 422
    assert 'id="username-error"' in html(again)
    assert membership_rows(app, "secret") == 3


@pytest.mark.parametrize("username", ["nobody", "", "   "])
def test_adding_an_unknown_username_is_422(app, boss, username):
    new_circle(app, "boss", "secret", "private")
    response = client_as(app, "boss").post(
        "/circles/secret/members/add", data={"username": username}
    )
    assert response.status_code == 422
    assert 'id="username-error"' in html(response)
    assert membership_rows(app, "secret") == 1


def test_adding_a_deleted_account_is_422(app, boss, make_user):
    from community.db import utcnow

    make_user(username="gone")
    with app.app_context():
        _user("gone").deleted_at = utcnow()
        db.session.commit()
    new_circle(app, "boss", "secret", "private")
    response = client_as(app, "boss").post("/circles/secret/members/add", data={"username": "gone"})
    assert response.status_code == 422
    assert membership_rows(app, "secret") == 1


def test_adding_members_approves_a_pending_request(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "roads", "request")
    client_as(app, "kenji").post("/circles/roads/join")
    assert (
        client_as(app, "boss")
        .post("/circles/roads/members/add", data={"username": "kenji"})
        .status_code
        == 302
    )
    assert membership_of(app, "roads", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)
    assert membership_rows(app, "roads") == 2


def test_plain_members_cannot_add_members(app, boss, make_user):
    make_user(username="kenji")
    make_user(username="ann")
    new_circle(app, "boss", "secret", "private")
    add_membership(app, "secret", "ann")
    ann = client_as(app, "ann")
    assert 'action="/circles/secret/members/add"' not in html(ann.get("/circles/secret/members"))
    response = ann.post("/circles/secret/members/add", data={"username": "kenji"})
    assert response.status_code == 403
    assert membership_of(app, "secret", "kenji") is None


def test_members_leave(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "bridges", "kenji")
    kenji = client_as(app, "kenji")
    response = kenji.post("/circles/bridges/leave")
    assert response.status_code == 302
    assert membership_of(app, "bridges", "kenji") is None
    # Leaving again: not a member.
    assert kenji.post("/circles/bridges/leave").status_code == 404


def test_a_pending_request_can_be_withdrawn(app, boss, make_user):
    make_user(username="kenji")
    new_circle(app, "boss", "roads", "request")
    kenji = client_as(app, "kenji")
    kenji.post("/circles/roads/join")
    assert kenji.post("/circles/roads/leave").status_code == 302
    assert membership_of(app, "roads", "kenji") is None


def test_the_last_owner_cannot_leave(app, boss, make_user):
    make_user(username="olga")
    new_circle(app, "boss", "bridges", "open")
    boss_client = client_as(app, "boss")
    response = boss_client.post("/circles/bridges/leave")
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/bridges"
    assert membership_of(app, "bridges", "boss") == (CircleRole.OWNER, MembershipStatus.ACTIVE)
    # A pending "owner" row does not count as a second owner.
    add_membership(app, "bridges", "olga", CircleRole.OWNER, MembershipStatus.PENDING)
    boss_client.post("/circles/bridges/leave")
    assert membership_of(app, "bridges", "boss") == (CircleRole.OWNER, MembershipStatus.ACTIVE)
    # With a second active owner, the first may go.
    with app.app_context():
        db.session.get(
            CircleMembership, membership_id(app, "bridges", "olga")
        ).status = MembershipStatus.ACTIVE
        db.session.commit()
    assert boss_client.post("/circles/bridges/leave").status_code == 302
    assert membership_of(app, "bridges", "boss") is None
    assert client_as(app, "olga").post("/circles/bridges/leave").status_code == 302
    assert membership_of(app, "bridges", "olga") == (CircleRole.OWNER, MembershipStatus.ACTIVE)


@pytest.mark.parametrize("visibility", ["open", "request"])
def test_unconfirmed_users_cannot_join(app, boss, make_user, visibility):
    make_user(username="newbie", confirmed=False)
    new_circle(app, "boss", "bridges", visibility)
    response = client_as(app, "newbie").post("/circles/bridges/join")
    assert response.status_code == 403
    assert membership_of(app, "bridges", "newbie") is None


def test_join_needs_login(app, boss):
    new_circle(app, "boss", "bridges", "open")
    response = client_as(app, None).post("/circles/bridges/join")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert membership_rows(app, "bridges") == 1


def test_join_needs_the_csrf_token(app, boss, make_user, request):
    make_user(username="kenji")
    new_circle(app, "boss", "bridges", "open")
    kenji = client_as(app, "kenji")
    request.getfixturevalue("csrf_on")
    assert kenji.post("/circles/bridges/join").status_code == 400
    assert membership_of(app, "bridges", "kenji") is None
    page = html(kenji.get("/circles/bridges"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = kenji.post("/circles/bridges/join", data={"csrf_token": token[1]})
    assert response.status_code == 302
    assert membership_of(app, "bridges", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)


# --- 3. roles ---------------------------------------------------------------------------------


@pytest.fixture
def roles_world(app, boss, make_user):
    """Circle "bridges" (open): boss (admin, owner), olga (owner), moe (moderator), ann (member).
    Circle "roads": moe2 moderates there only."""
    for name in ("olga", "moe", "ann", "kenji", "moe2", "chief"):
        make_user(username=name, role=Role.ADMIN if name == "chief" else Role.MEMBER)
    new_circle(app, "boss", "bridges", "request")
    new_circle(app, "boss", "roads", "open")
    add_membership(app, "bridges", "olga", CircleRole.OWNER)
    add_membership(app, "bridges", "moe", CircleRole.MODERATOR)
    add_membership(app, "bridges", "ann")
    add_membership(app, "roads", "moe2", CircleRole.MODERATOR)


def set_circle_role(client, slug, mid, role):
    return client.post(f"/circles/{slug}/members/{mid}/role", data={"role": role})


@pytest.mark.parametrize("appointer", ["olga", "boss", "chief"])
def test_owners_and_admins_appoint_moderators(app, roles_world, appointer):
    c = client_as(app, appointer)
    ann = membership_id(app, "bridges", "ann")
    assert f'id="role-{ann}"' in html(c.get("/circles/bridges/members"))
    assert set_circle_role(c, "bridges", ann, "moderator").status_code == 302
    assert membership_of(app, "bridges", "ann") == (CircleRole.MODERATOR, MembershipStatus.ACTIVE)
    assert set_circle_role(c, "bridges", ann, "owner").status_code == 302
    assert membership_of(app, "bridges", "ann")[0] == CircleRole.OWNER
    assert set_circle_role(c, "bridges", ann, "member").status_code == 302
    assert membership_of(app, "bridges", "ann")[0] == CircleRole.MEMBER


@pytest.mark.parametrize("actor", ["moe", "ann", "kenji", "moe2"])
def test_moderators_and_members_cannot_change_roles(app, roles_world, actor):
    c = client_as(app, actor)
    ann = membership_id(app, "bridges", "ann")
    assert f'id="role-{ann}"' not in html(c.get("/circles/bridges/members"))
    for target, role in (("ann", "moderator"), ("ann", "owner"), ("olga", "member")):
        mid = membership_id(app, "bridges", target)
        assert set_circle_role(c, "bridges", mid, role).status_code == 403, (target, role)
    assert membership_of(app, "bridges", "ann")[0] == CircleRole.MEMBER
    assert membership_of(app, "bridges", "olga")[0] == CircleRole.OWNER
    # Promoting oneself is refused too.
    own = membership_id(app, "bridges", actor)
    if own is not None:
        assert set_circle_role(c, "bridges", own, "owner").status_code == 403
        assert membership_of(app, "bridges", actor)[0] != CircleRole.OWNER


def test_role_changes_check_the_circle_and_the_value(app, roles_world):
    olga = client_as(app, "olga")
    mo2 = membership_id(app, "roads", "moe2")
    assert set_circle_role(olga, "bridges", mo2, "member").status_code == 404
    assert membership_of(app, "roads", "moe2")[0] == CircleRole.MODERATOR
    ann = membership_id(app, "bridges", "ann")
    assert set_circle_role(olga, "bridges", ann, "admin").status_code == 400
    assert set_circle_role(olga, "bridges", ann, "").status_code == 400
    assert membership_of(app, "bridges", "ann")[0] == CircleRole.MEMBER
    # A pending request cannot be given a role before it is approved.
    client_as(app, "kenji").post("/circles/bridges/join")
    pending = membership_id(app, "bridges", "kenji")
    assert set_circle_role(olga, "bridges", pending, "moderator").status_code == 409
    assert membership_of(app, "bridges", "kenji") == (CircleRole.MEMBER, MembershipStatus.PENDING)


def test_the_last_owner_cannot_be_demoted(app, boss, make_user):
    make_user(username="olga")
    new_circle(app, "boss", "bridges", "open")
    boss_client = client_as(app, "boss")
    mine = membership_id(app, "bridges", "boss")
    for role in ("moderator", "member"):
        response = set_circle_role(boss_client, "bridges", mine, role)
        assert response.status_code == 302
        assert membership_of(app, "bridges", "boss")[0] == CircleRole.OWNER
    # Once there is a second owner, the first may step down.
    add_membership(app, "bridges", "olga", CircleRole.OWNER)
    assert set_circle_role(boss_client, "bridges", mine, "moderator").status_code == 302
    assert membership_of(app, "bridges", "boss")[0] == CircleRole.MODERATOR
    olga = membership_id(app, "bridges", "olga")
    assert set_circle_role(boss_client, "bridges", olga, "member").status_code == 302
    assert membership_of(app, "bridges", "olga")[0] == CircleRole.OWNER


@pytest.mark.parametrize("decider", ["moe", "olga", "boss", "chief"])
def test_moderators_owners_and_admins_decide_requests(app, roles_world, decider):
    client_as(app, "kenji").post("/circles/bridges/join")
    mid = membership_id(app, "bridges", "kenji")
    c = client_as(app, decider)
    response = c.post(f"/circles/bridges/requests/{mid}", data={"decision": "approve"})
    assert response.status_code == 302
    assert membership_of(app, "bridges", "kenji") == (CircleRole.MEMBER, MembershipStatus.ACTIVE)


@pytest.mark.parametrize("decider", ["ann", "moe2", "kenji"])
def test_others_cannot_decide_requests(app, roles_world, make_user, decider):
    make_user(username="asker")
    client_as(app, "asker").post("/circles/bridges/join")
    mid = membership_id(app, "bridges", "asker")
    c = client_as(app, decider)
    assert f'/circles/bridges/requests/{mid}"' not in html(c.get("/circles/bridges/members"))
    for decision in ("approve", "decline"):
        response = c.post(f"/circles/bridges/requests/{mid}", data={"decision": decision})
        assert response.status_code == 403, decision
        assert membership_of(app, "bridges", "asker") == (
            CircleRole.MEMBER,
            MembershipStatus.PENDING,
        )


def test_a_former_moderator_loses_the_powers(app, roles_world):
    mo = client_as(app, "moe")
    set_circle_role(
        client_as(app, "olga"), "bridges", membership_id(app, "bridges", "moe"), "member"
    )
    client_as(app, "kenji").post("/circles/bridges/join")
    mid = membership_id(app, "bridges", "kenji")
    assert (
        mo.post(f"/circles/bridges/requests/{mid}", data={"decision": "approve"}).status_code == 403
    )


# --- 4. private circles are invisible to non-members ------------------------------------------

SECRET_TITLE = "Zebracorn bearing replacement costs"


@pytest.fixture
def secret(app, boss, make_user):
    """A private circle "secret" with one unanswered question in the bridge field, plus an open
    circle and a question in the open square (same field) to show the lists do work."""
    make_user(username="insider", fields=["bridge"])
    make_user(username="outsider", fields=["bridge"])
    make_user(username="chief", role=Role.ADMIN)
    new_circle(app, "boss", "secret", "private")
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "secret", "insider")
    add_membership(app, "bridges", "outsider")
    add_membership(app, "bridges", "insider")
    ids = {
        "secret": ask(app, "insider", "secret", SECRET_TITLE, field="bridge"),
        "square": ask(app, "insider", None, "Zebracorn paint for steel railings", field="bridge"),
        "bridges": ask(app, "insider", "bridges", "Zebracorn deck joints in the snow"),
    }
    ids["secret_answer"] = answer(app, "boss", ids["secret"])
    # The answered secret question would be left out of "unanswered" lists; keep one
    # unanswered secret question for the home page's field list.
    ids["secret_open"] = ask(
        app, "insider", "secret", "Zebracorn cable inspection intervals", field="bridge"
    )
    return ids


SECRET_MARKS = (SECRET_TITLE, "Zebracorn cable inspection intervals", "/circles/secret")


def assert_no_secret(response, ids):
    assert response.status_code == 200
    body = html(response)
    for mark in SECRET_MARKS:
        assert mark not in body, mark
    for key in ("secret", "secret_open"):
        assert f'href="/questions/{ids[key]}"' not in body
    return body


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_circle_is_hidden_from_circle_pages(app, secret, viewer):
    c = client_as(app, viewer)
    listing = assert_no_secret(c.get("/circles/"), secret)
    assert 'href="/circles/bridges"' in listing
    for url in ("/circles/secret", "/circles/secret?tab=top", "/circles/secret/members"):
        assert c.get(url).status_code == 404, url
    # Pages that need a login send visitors to it, and give members of other circles a 404.
    assert c.get("/circles/secret/edit").status_code == (404 if viewer else 302)


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_questions_are_hidden_from_question_lists(app, secret, viewer):
    c = client_as(app, viewer)
    body = assert_no_secret(c.get("/questions/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body
    assert f'href="/questions/{secret["bridges"]}"' in body
    assert 'value="secret"' not in body  # not in the circle filter either
    for query in (
        "?circle=secret",
        "?circle=secret&status=unanswered",
        "?sort=votes",
        "?sort=newest&field=bridge",
        "?stage=2",
        "?status=answered",
        "?status=open",
        "?page=2",
    ):
        assert_no_secret(c.get(f"/questions/{query}"), secret)


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_question_pages_are_404(app, secret, viewer):
    c = client_as(app, viewer)
    q, a = secret["secret"], secret["secret_answer"]
    for url in (f"/questions/{q}", f"/questions/{q}/history", f"/answers/{a}/history"):
        assert c.get(url).status_code == 404, url
    with app.app_context():
        assert db.session.get(Question, q).view_count == 0


@pytest.mark.parametrize("viewer", ["insider", "boss", "chief"])
def test_members_and_admins_see_private_questions(app, secret, viewer):
    c = client_as(app, viewer)
    page = c.get(f"/questions/{secret['secret']}")
    assert page.status_code == 200
    assert SECRET_TITLE in html(page)
    assert c.get("/circles/secret").status_code == 200
    assert c.get("/circles/secret/members").status_code == 200
    listed = html(c.get("/questions/"))
    assert f'href="/questions/{secret["secret"]}"' in listed
    filtered = c.get("/questions/?circle=secret")
    assert set(question_ids(filtered)) == {secret["secret"], secret["secret_open"]}
    assert 'href="/circles/secret"' in html(c.get("/circles/"))


@pytest.mark.parametrize(
    "viewer, visible", [(None, False), ("outsider", False), ("insider", True), ("chief", True)]
)
def test_similar_questions_api_respects_privacy(app, secret, viewer, visible):
    c = client_as(app, viewer)
    response = c.get("/api/questions/similar", query_string={"title": "zebracorn bearing costs"})
    assert response.status_code == 200
    found = {item["id"] for item in response.get_json()["questions"]}
    assert secret["square"] in found  # the search works
    assert (secret["secret"] in found) is visible
    assert (secret["secret_open"] in found) is visible


def test_home_page_hides_private_questions_from_anonymous_visitors(app, secret):
    body = assert_no_secret(client_as(app, None).get("/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body


def test_home_page_hides_private_questions_from_non_members_in_the_field(app, secret):
    # outsider works on bridges, as does the unanswered secret question.
    body = assert_no_secret(client_as(app, "outsider").get("/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body  # "unanswered in my fields"
    assert f'href="/questions/{secret["bridges"]}"' in body  # "new in my circles"


def test_home_page_shows_private_questions_to_members(app, secret):
    body = html(client_as(app, "insider").get("/"))
    assert f'href="/questions/{secret["secret_open"]}"' in body


def test_ask_form_offers_only_my_circles(app, secret):
    outsider = html(client_as(app, "outsider").get("/questions/ask?circle=secret"))
    assert 'value="secret"' not in outsider
    assert 'value="bridges"' in outsider
    assert "secret circle" not in outsider and "secretの輪" not in outsider
    insider = html(client_as(app, "insider").get("/questions/ask"))
    assert 'value="secret"' in insider


def ask_form(circle, title="Zebracorn question asked through the form"):
    return {"title": title, "body": BODY, "circle": circle, "stage": "2"}


@pytest.mark.parametrize("viewer", ["outsider", "chief"])
def test_non_members_cannot_ask_in_a_private_circle(app, secret, viewer):
    before = post_counts(app)
    response = client_as(app, viewer).post("/questions/ask", data=ask_form("secret"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    expected = NotFound if viewer == "outsider" else ValidationFailed
    with app.app_context(), pytest.raises(expected) as exc:
        question_services.ask(_user(viewer), ask_form("secret"))
    if expected is ValidationFailed:
        assert set(exc.value.fields) == {"circle"}
    assert post_counts(app) == before


def test_members_ask_in_their_private_circle(app, secret):
    response = client_as(app, "insider").post("/questions/ask", data=ask_form("secret"))
    assert response.status_code == 302
    with app.app_context():
        q = db.session.scalar(select(Question).order_by(Question.id.desc()))
        assert q.circle.slug == "secret"
        assert response.headers["Location"] == f"/questions/{q.id}"


def posting_requests(ids):
    q, a = ids["secret"], ids["secret_answer"]
    return [
        (f"/questions/{q}/answers", {"body": ANSWER}),
        (f"/questions/{q}/comments", {"body": "A comment here."}),
        (f"/questions/{q}/comments", {"body": "A comment here.", "answer_id": str(a)}),
        (f"/questions/{q}/vote", {"value": "1"}),
        (f"/answers/{a}/vote", {"value": "1"}),
        (f"/questions/{q}/follow", {}),
        (f"/questions/{q}/pin", {}),
        (f"/questions/{q}/close", {"reason": "off_topic"}),
        (f"/questions/{q}/edit", {"title": "Changed title here", "body": BODY}),
    ]


def test_non_members_cannot_post_on_private_questions(app, secret):
    outsider = client_as(app, "outsider")
    before = post_counts(app)
    for url, data in posting_requests(secret):
        assert outsider.post(url, data=data).status_code == 404, url
    assert post_counts(app) == before
    with app.app_context():
        q = db.session.get(Question, secret["secret"])
        assert (q.title, q.score, q.pinned, q.close_reason) == (SECRET_TITLE, 0, False, None)


def test_comment_on_a_visible_question_cannot_target_a_private_answer(app, secret):
    outsider = client_as(app, "outsider")
    before = post_counts(app)
    response = outsider.post(
        f"/questions/{secret['bridges']}/comments",
        data={"body": "Sneaky comment.", "answer_id": str(secret["secret_answer"])},
    )
    assert response.status_code == 404
    assert post_counts(app) == before


def test_members_post_on_private_questions(app, secret, make_user):
    make_user(username="ally")
    add_membership(app, "secret", "ally")
    ally = client_as(app, "ally")
    q, a = secret["secret"], secret["secret_answer"]
    assert ally.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert ally.post(f"/questions/{q}/comments", data={"body": "Thanks!"}).status_code == 302
    assert ally.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    assert ally.post(f"/answers/{a}/vote", data={"value": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Question, q).score == 1
        assert db.session.get(Answer, a).score == 1
        assert db.session.get(Question, q).answer_count == 2


def test_leaving_a_private_circle_takes_away_access(app, secret):
    insider = client_as(app, "insider")
    q = secret["secret"]
    assert insider.get(f"/questions/{q}").status_code == 200
    response = insider.post("/circles/secret/leave")
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/"
    assert membership_of(app, "secret", "insider") is None
    assert insider.get("/circles/secret").status_code == 404
    assert insider.get(f"/questions/{q}").status_code == 404
    assert insider.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 404
    assert_no_secret(insider.get("/questions/"), secret)
    assert_no_secret(insider.get("/circles/"), secret)
    assert_no_secret(insider.get("/"), secret)
    found = insider.get("/api/questions/similar?title=zebracorn+bearing").get_json()
    assert q not in {item["id"] for item in found["questions"]}
    assert 'value="secret"' not in html(insider.get("/questions/ask"))


def test_a_pending_row_in_a_private_circle_gives_no_access(app, secret, make_user):
    make_user(username="waiting")
    add_membership(app, "secret", "waiting", status=MembershipStatus.PENDING)
    c = client_as(app, "waiting")
    assert c.get("/circles/secret").status_code == 404
    assert c.get(f"/questions/{secret['secret']}").status_code == 404
    assert_no_secret(c.get("/questions/"), secret)
    assert_no_secret(c.get("/circles/"), secret)


def test_a_private_circle_made_public_shows_up(app, secret):
    with app.app_context():
        _circle("secret").visibility = CircleVisibility.REQUEST
        db.session.commit()
    c = client_as(app, "outsider")
    assert c.get("/circles/secret").status_code == 200
    assert f'href="/questions/{secret["secret"]}"' in html(c.get("/questions/"))


# --- 5. who may post in request and open circles ----------------------------------------------


@pytest.fixture
def request_world(app, boss, make_user):
    make_user(username="insider")
    make_user(username="outsider")
    make_user(username="newbie", confirmed=False)
    new_circle(app, "boss", "roads", "request")
    add_membership(app, "roads", "insider")
    q = ask(app, "insider", "roads", "Winter pothole patching materials")
    a = answer(app, "boss", q)
    return {"q": q, "a": a}


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_request_circle_content_is_readable_by_everyone(app, request_world, viewer):
    c = client_as(app, viewer)
    q = request_world["q"]
    assert c.get("/circles/roads").status_code == 200
    assert q in question_ids(c.get("/circles/roads"))
    assert c.get("/circles/roads/members").status_code == 200
    assert c.get(f"/questions/{q}").status_code == 200
    assert q in question_ids(c.get("/questions/"))
    assert q in question_ids(c.get("/questions/?circle=roads"))
    found = c.get("/api/questions/similar?title=pothole+patching").get_json()["questions"]
    assert q in {item["id"] for item in found}


@pytest.mark.parametrize("viewer", ["outsider", "newbie"])
def test_only_members_post_in_request_circles(app, request_world, viewer):
    c = client_as(app, viewer)
    q, a = request_world["q"], request_world["a"]
    before = post_counts(app)
    assert c.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 403
    assert c.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 403
    assert (
        c.post(f"/questions/{q}/comments", data={"body": "Hello.", "answer_id": str(a)}).status_code
        == 403
    )
    assert c.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 403
    assert c.post(f"/answers/{a}/vote", data={"value": "-1"}).status_code == 403
    response = c.post("/questions/ask", data=ask_form("roads"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    with app.app_context():
        assert db.session.get(Question, q).score == 0
        assert db.session.get(Answer, a).score == 0


def test_the_answer_form_is_only_offered_to_those_who_may_answer(app, request_world):
    q = request_world["q"]
    outsider = html(client_as(app, "outsider").get(f"/questions/{q}"))
    insider = html(client_as(app, "insider").get(f"/questions/{q}"))
    action = f'action="/questions/{q}/answers"'
    assert action in insider
    assert action not in outsider


def test_members_post_in_request_circles(app, request_world, make_user):
    make_user(username="ally")
    add_membership(app, "roads", "ally")
    c = client_as(app, "ally")
    q, a = request_world["q"], request_world["a"]
    assert c.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert c.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 302
    assert c.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    assert c.post(f"/answers/{a}/vote", data={"value": "1"}).status_code == 302
    assert c.post("/questions/ask", data=ask_form("roads")).status_code == 302
    counts = post_counts(app)
    assert counts["answers"] == 2 and counts["comments"] == 1 and counts["questions"] == 2


def test_open_circles_take_answers_from_anyone_but_questions_from_members(app, boss, make_user):
    make_user(username="insider")
    make_user(username="outsider")
    make_user(username="newbie", confirmed=False)
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "bridges", "insider")
    q = ask(app, "insider", "bridges", "Expansion joint noise complaints")
    outsider = client_as(app, "outsider")
    assert outsider.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert outsider.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 302
    assert outsider.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    before = post_counts(app)
    assert before["answers"] == 1 and before["comments"] == 1 and before["question_votes"] == 1
    # Asking in the circle needs membership.
    response = outsider.post("/questions/ask", data=ask_form("bridges"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    with app.app_context(), pytest.raises(ValidationFailed) as exc:
        question_services.ask(_user("outsider"), ask_form("bridges"))
    assert set(exc.value.fields) == {"circle"}
    # Unconfirmed accounts post nowhere.
    newbie = client_as(app, "newbie")
    assert newbie.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 403
    assert post_counts(app) == before
    # After joining, asking works.
    outsider.post("/circles/bridges/join")
    assert outsider.post("/questions/ask", data=ask_form("bridges")).status_code == 302
    assert post_counts(app)["questions"] == 2


def test_asking_in_an_unknown_circle_is_refused(app, make_user):
    make_user(username="kenji")
    response = client_as(app, "kenji").post("/questions/ask", data=ask_form("nowhere"))
    assert response.status_code == 422
    assert post_counts(app)["questions"] == 0


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
