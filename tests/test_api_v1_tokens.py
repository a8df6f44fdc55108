"""Personal access tokens: created and shown once at /settings/tokens, kept hashed, listed,
revoked; Bearer authentication, scopes, suspension, CSRF for cookie writes, rate limits."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from community.db import utcnow
from community.extensions import db
from community.tokens.models import AccessToken
from tests.api_v1_helpers import bearer, make_token
from tests.conftest import client_as
from tests.factories import user_named

ASK = {
    "title": "判定区分Ⅲの橋の補修設計の発注方法",
    "body": "小さな町で初めて補修設計を発注します。仕様書の書き方を教えてください。",
}


def _tokens(app) -> list[AccessToken]:
    with app.app_context():
        rows = list(db.session.scalars(select(AccessToken)))
        db.session.expunge_all()
        return rows


def test_create_shows_the_token_once_and_keeps_only_its_hash(app, make_user):
    make_user(username="hana")
    c = client_as(app, "hana")
    r = c.post("/settings/tokens", data={"name": "県のチャットボット", "scope": "write"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    text = re.search(r"kkh_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}", r.get_data(as_text=True)).group(0)
    (row,) = _tokens(app)
    assert row.name == "県のチャットボット" and row.scope == "write"
    secret = text.split("_", 2)[2]
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.secret_hash and text not in repr(row.__dict__)
    # Listed by name and public key; the secret is never shown again.
    page = c.get("/settings/tokens").get_data(as_text=True)
    assert "県のチャットボット" in page and f"kkh_{row.key}_" in page
    assert secret not in page
    # And it works.
    r = app.test_client().get("/api/v1/questions", headers=bearer(text))
    assert r.status_code == 200


def test_create_needs_a_name_and_a_known_scope(app, make_user):
    make_user(username="hana")
    c = client_as(app, "hana")
    assert c.post("/settings/tokens", data={"name": "", "scope": "read"}).status_code == 422
    assert c.post("/settings/tokens", data={"name": "x", "scope": "admin"}).status_code == 422
    assert _tokens(app) == []
    assert app.test_client().get("/settings/tokens").status_code == 302  # login first


def test_revoke_stops_the_token_and_only_the_owner_may(app, make_user):
    make_user(username="hana")
    make_user(username="ken")
    text = make_token(app, "hana")
    (row,) = _tokens(app)
    assert client_as(app, "ken").post(f"/settings/tokens/{row.id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/questions", headers=bearer(text)).status_code == 200
    c = client_as(app, "hana")
    assert c.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    assert "bot" not in c.get("/settings/tokens").get_data(as_text=True).split("<h2>")[-1]
    r = app.test_client().get("/api/v1/questions", headers=bearer(text))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    body = r.get_json()["error"]
    assert body["code"] == "unauthorized" and body["fields"] == {}
    assert "トークン" in body["message"]  # Japanese by default


def test_unknown_malformed_and_forged_tokens_are_401(app, make_user):
    make_user(username="hana")
    text = make_token(app, "hana")
    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    client = app.test_client()
    for header in (
        "Bearer kkh_000000000000_nothing",
        "Bearer " + forged,
        "Bearer",
        "Basic aGFuYTpwdw==",
        "Bearer not-a-token",
    ):
        r = client.get("/api/v1/questions", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.get_json()["error"]["code"] == "unauthorized"


def test_bearer_request_sets_no_cookie_and_marks_last_use_once_a_minute(app, make_user):
    make_user(username="hana")
    text = make_token(app, "hana", "read")
    client = app.test_client()
    r = client.get("/api/v1/questions", headers=bearer(text))
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers
    (row,) = _tokens(app)
    first = row.last_used_at
    assert first is not None
    client.get("/api/v1/questions", headers=bearer(text))
    assert _tokens(app)[0].last_used_at == first  # not written on every request
    with app.app_context():
        db.session.get(AccessToken, row.id).last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    client.get("/api/v1/questions", headers=bearer(text))
    assert _tokens(app)[0].last_used_at > first


def test_read_token_cannot_write_and_anonymous_gets_401(app, make_user):
    make_user(username="hana")
    read = make_token(app, "hana", "read")
    client = app.test_client()
    r = client.post("/api/v1/questions", json=ASK, headers=bearer(read))
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "insufficient_scope"
    r = client.post("/api/v1/questions", json=ASK)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="kakehashi"'
    write = make_token(app, "hana", "write")
    assert client.post("/api/v1/questions", json=ASK, headers=bearer(write)).status_code == 201


def test_suspended_members_tokens_stop_working(app, make_user):
    make_user(username="hana")
    text = make_token(app, "hana")
    with app.app_context():
        user_named("hana").suspended_until = utcnow() + timedelta(days=3)
        db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/questions", headers=bearer(text)).status_code == 401
    assert client.post("/api/v1/questions", json=ASK, headers=bearer(text)).status_code == 401


def test_cookie_writes_need_the_csrf_token_but_bearer_writes_do_not(app, make_user, csrf_on):
    make_user(username="hana")
    text = make_token(app, "hana")
    c = app.test_client()
    page = c.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = c.post(
        "/auth/login",
        data={"identifier": "hana", "password": "correct horse battery", "csrf_token": csrf},
    )
    assert r.status_code == 302
    r = c.post("/api/v1/questions", json=ASK)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"
    r = c.post("/api/v1/questions", json=ASK, headers={"X-CSRFToken": csrf})
    assert r.status_code == 201, r.get_json()
    # A Bearer request needs no CSRF token (it carries no ambient credential).
    r = app.test_client().post(
        "/api/v1/questions", json={**ASK, "title": ASK["title"] + "（続）"}, headers=bearer(text)
    )
    assert r.status_code == 201
    # The token page's own forms are CSRF-protected.
    assert c.post("/settings/tokens", data={"name": "x", "scope": "read"}).status_code == 400


def test_rate_limit_per_token_with_retry_after(limited_app, make_user):
    make_user(username="hana")
    limited_app.config["RATELIMIT_API"] = "3 per minute"
    first = make_token(limited_app, "hana", name="one")
    second = make_token(limited_app, "hana", name="two")
    client = limited_app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/questions", headers=bearer(first)).status_code == 200
    r = client.get("/api/v1/questions", headers=bearer(first))
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["code"] == "rate_limited"
    # Counted per token: another token of the same member still has its own allowance.
    assert client.get("/api/v1/questions", headers=bearer(second)).status_code == 200


def test_posting_through_the_api_counts_against_the_members_post_limit(limited_app, make_user):
    make_user(username="hana")
    make_user(username="ken")
    limited_app.config["RATELIMIT_POST_NEW"] = "2 per minute"
    limited_app.config["RATELIMIT_POST"] = "2 per minute"
    tokens = [make_token(limited_app, "hana", name=n) for n in ("one", "two", "three")]
    client = limited_app.test_client()
    # One allowance per member, whichever of their tokens they post with.
    statuses = [
        client.post(
            "/api/v1/questions",
            json={**ASK, "title": f"{ASK['title']} {i}"},
            headers=bearer(token),
        ).status_code
        for i, token in enumerate(tokens)
    ]
    assert statuses == [201, 201, 429]
    # Reading is not posting, and another member (same address) has their own allowance.
    assert client.get("/api/v1/questions", headers=bearer(tokens[2])).status_code == 200
    other = make_token(limited_app, "ken")
    assert client.post("/api/v1/questions", json=ASK, headers=bearer(other)).status_code == 201


def test_deleted_members_tokens_stop_working_and_others_stay(app, make_user):
    make_user(username="hana")
    make_user(username="ken")
    gone = make_token(app, "hana")
    kept = make_token(app, "ken")
    with app.app_context():
        user_named("hana").deleted_at = utcnow()
        db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/questions", headers=bearer(gone)).status_code == 401
    assert client.get("/api/v1/questions", headers=bearer(kept)).status_code == 200
