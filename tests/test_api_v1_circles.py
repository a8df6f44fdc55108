"""/api/v1/circles: the same visibility as the circle pages (a private circle is 404 to a
non-member in both), joining and leaving through the web's services (a request circle's join
becomes pending), token scopes on writes, and statements that do not grow with the data."""

from __future__ import annotations

import pytest

from community.auth.models import Role
from community.circles.models import CircleMembership, MembershipStatus
from community.extensions import db
from tests import factories
from tests.api_v1_helpers import bearer, make_token
from tests.conftest import client_as
from tests.factories import user_named


@pytest.fixture
def world(app, make_user):
    """A private circle "secret" (insider a member, mod its moderator), an open circle
    "bridges" and a circle by request "tunnels"; outsider belongs to none."""
    make_user(username="boss", role=Role.ADMIN)
    for name in ("insider", "outsider", "mod"):
        make_user(username=name)
    with app.app_context():
        factories.make_circle("boss", "secret", "private", members=["insider"], moderators=["mod"])
        factories.make_circle("boss", "bridges", "open", description="橋の点検の輪です。")
        factories.make_circle("boss", "tunnels", "request")
        db.session.commit()


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["slug"] for item in response.get_json()["items"]]


def _status(app, username: str, slug: str):
    with app.app_context():
        m = db.session.scalar(
            db.select(CircleMembership)
            .join(CircleMembership.circle)
            .where(CircleMembership.user_id == user_named(username).id)
            .where(CircleMembership.circle.has(slug=slug))
        )
        return None if m is None else m.status


@pytest.mark.parametrize("viewer", [None, "outsider", "insider"])
def test_private_circle_parity_between_web_and_api(app, world, viewer):
    """Whatever /circles/ and /circles/<slug> show or hide from a viewer, the API does too."""
    web = client_as(app, viewer)
    api = app.test_client()
    headers = bearer(make_token(app, viewer, "read")) if viewer else {}
    member = viewer == "insider"
    web_status = web.get("/circles/secret").status_code
    api_response = api.get("/api/v1/circles/secret", headers=headers)
    assert (web_status, api_response.status_code) == ((200, 200) if member else (404, 404))
    if not member:
        assert api_response.get_json()["error"]["code"] == "not_found"
    listed = _slugs(api.get("/api/v1/circles", headers=headers))
    on_web = 'href="/circles/secret"' in web.get("/circles/").get_data(as_text=True)
    assert ("secret" in listed) == on_web == member
    assert {"bridges", "tunnels"} <= set(listed)
    assert api.get("/api/v1/circles/nowhere", headers=headers).status_code == 404
    # Joining or leaving a circle one cannot see: 404 as an unknown circle, nothing written.
    if viewer and not member:
        write = bearer(make_token(app, viewer, "write", name="w"))
        for action in ("join", "leave"):
            r = api.post(f"/api/v1/circles/secret/{action}", headers=write)
            assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
        assert _status(app, viewer, "secret") is None


def test_show_has_counts_and_the_callers_standing(app, world):
    api = app.test_client()
    r = api.get("/api/v1/circles/secret", headers=bearer(make_token(app, "mod", "read")))
    data = r.get_json()
    assert data["visibility"] == "private" and data["member_count"] == 3  # boss, insider, mod
    assert data["membership"] == {
        "status": "active",
        "role": "moderator",
        "member": True,
        "moderator": True,
    }
    assert data["url"].endswith("/circles/secret")
    r = api.get("/api/v1/circles/secret", headers=bearer(make_token(app, "insider", "read")))
    assert r.get_json()["membership"]["moderator"] is False
    # A visitor: no membership; the description comes as Markdown and sanitised HTML.
    data = api.get("/api/v1/circles/bridges").get_json()
    assert data["membership"] == {"status": None, "role": None, "member": False, "moderator": False}
    assert data["description_md"] == "橋の点検の輪です。"
    assert data["description_html"].startswith("<p>")
    # Weak ETag: the same copy is not sent twice.
    etag = api.get("/api/v1/circles/bridges").headers["ETag"]
    assert etag.startswith('W/"')
    assert api.get("/api/v1/circles/bridges", headers={"If-None-Match": etag}).status_code == 304
    listed = api.get("/api/v1/circles")
    again = api.get("/api/v1/circles", headers={"If-None-Match": listed.headers["ETag"]})
    assert again.status_code == 304


def test_join_and_leave_with_a_write_token(app, world):
    api = app.test_client()
    headers = bearer(make_token(app, "outsider", "write"))
    # An open circle: a member at once, as with the page's button.
    r = api.post("/api/v1/circles/bridges/join", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "circle": "bridges",
        "membership": {"status": "active", "role": "member", "member": True, "moderator": False},
    }
    assert _status(app, "outsider", "bridges") == MembershipStatus.ACTIVE
    shown = api.get("/api/v1/circles/bridges", headers=headers).get_json()
    assert shown["member_count"] == 2 and shown["membership"]["member"] is True
    # Twice: 409 in the one shape, nothing changes.
    r = api.post("/api/v1/circles/bridges/join", headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"
    # A circle by request: the request is pending, with its message for the moderators.
    r = api.post(
        "/api/v1/circles/tunnels/join", json={"message": "町の土木課の者です。"}, headers=headers
    )
    assert r.status_code == 200
    assert r.get_json()["membership"]["status"] == "pending"
    assert r.get_json()["membership"]["member"] is False
    with app.app_context():
        m = db.session.scalar(
            db.select(CircleMembership).where(
                CircleMembership.user_id == user_named("outsider").id,
                CircleMembership.status == MembershipStatus.PENDING,
            )
        )
        assert m.message == "町の土木課の者です。"
    # Leaving: the membership (and the pending request) goes.
    for slug in ("bridges", "tunnels"):
        r = api.post(f"/api/v1/circles/{slug}/leave", headers=headers)
        assert r.status_code == 200
        assert r.get_json()["membership"]["status"] is None
        assert _status(app, "outsider", slug) is None
    # Not in it: 404, as the page.
    r = api.post("/api/v1/circles/bridges/leave", headers=headers)
    assert r.status_code == 404


def test_private_join_refused_and_last_owner_cannot_leave(app, world):
    api = app.test_client()
    # boss (an admin) sees every circle but owns them all: its only owner cannot leave.
    boss = bearer(make_token(app, "boss", "write"))
    r = api.post("/api/v1/circles/bridges/leave", headers=boss)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_failed"
    assert _status(app, "boss", "bridges") == MembershipStatus.ACTIVE
    # A member leaves a private circle: from then on it is hidden from them.
    insider = bearer(make_token(app, "insider", "write"))
    assert api.post("/api/v1/circles/secret/leave", headers=insider).status_code == 200
    assert api.get("/api/v1/circles/secret", headers=insider).status_code == 404
    assert api.post("/api/v1/circles/secret/join", headers=insider).status_code == 404


def test_admin_cannot_join_a_private_circle_by_itself(app, make_user):
    make_user(username="boss", role=Role.ADMIN)
    make_user(username="chief", role=Role.ADMIN)
    with app.app_context():
        factories.make_circle("boss", "secret", "private")
        db.session.commit()
    r = app.test_client().post(
        "/api/v1/circles/secret/join", headers=bearer(make_token(app, "chief", "write"))
    )
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert _status(app, "chief", "secret") is None


def test_writes_need_a_token_with_the_write_scope(app, world):
    api = app.test_client()
    read = bearer(make_token(app, "outsider", "read"))
    for action in ("join", "leave"):
        r = api.post(f"/api/v1/circles/bridges/{action}", headers=read)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "insufficient_scope"
        r = api.post(f"/api/v1/circles/bridges/{action}")
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        # Even for a circle that does not exist: who you are is checked first.
        assert api.post(f"/api/v1/circles/nowhere/{action}").status_code == 401
    assert _status(app, "outsider", "bridges") is None


def test_bad_join_body_is_a_422_in_japanese(app, world):
    api = app.test_client()
    headers = bearer(make_token(app, "outsider", "write"))
    r = api.post("/api/v1/circles/tunnels/join", json={"message": "x" * 501}, headers=headers)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed" and "message" in error["fields"]
    assert error["message"] == "入力内容をご確認ください"
    assert "500" in error["fields"]["message"][0]
    r = api.post("/api/v1/circles/tunnels/join", json={"mesage": "typo"}, headers=headers)
    assert r.status_code == 422 and "mesage" in r.get_json()["error"]["fields"]
    assert _status(app, "outsider", "tunnels") is None


def test_list_statements_do_not_grow_with_the_data(app, world, make_user, count_queries):
    """The list loads in a fixed number of statements, whatever the number of circles."""
    token = make_token(app, "insider", "read")

    def statements():
        api = app.test_client()
        with count_queries() as q:
            assert api.get("/api/v1/circles", headers=bearer(token)).status_code == 200
        return q.count

    statements()  # the token's first use is written once
    small = statements()
    with app.app_context():
        for i in range(8):
            factories.make_circle("boss", f"extra-{i}", "open", members=["insider"])
            factories.make_circle("boss", f"hidden-{i}", "private")
        db.session.commit()
    large = statements()
    assert large == small
    # The caller (token), the circles with counts, the caller's memberships.
    assert small <= 5, small
