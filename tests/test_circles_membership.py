"""Circle membership: joining and leaving open, request and private circles, adding members,
withdrawing, the last owner, and roles (who appoints moderators and decides requests)."""

from __future__ import annotations

import re

import pytest

from community.auth.models import Role
from community.circles import services as circle_services
from community.circles.models import (
    CircleMembership,
    CircleRole,
    MembershipStatus,
)
from community.errors import Conflict
from community.extensions import db
from tests import test_circles as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_circles import (
    ANSWER,
    _circle,
    add_membership,
    ask,
    html,
    membership_id,
    membership_of,
    membership_rows,
    new_circle,
)

# Fixtures of test_circles.py, shared by assignment.
boss = base.boss


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
