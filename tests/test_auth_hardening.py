"""Accounts that must not reveal who is registered: registration takes as long and mails as
much for a known address as for a new one; races for an address or a username say which was
lost; failed passwords lock an email or username for a while, known or not."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select

from community.auth import services
from community.auth.models import User
from community.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD

VALID = {
    "email": "sato@example.com",
    "username": "sato_h",
    "display_name": "佐藤 葉子",
    "password": "long enough password",
    "password_confirm": "long enough password",
}


def user_count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User).where(*where))


def _strip(html: str, *values: str) -> str:
    for v in values:
        html = html.replace(v, "VALUE")
    return re.sub(r'name="csrf_token?"? [^>]*>|name="csrf-token" content="[^"]*"', "", html)


# --- registration: the same work and the same mail either way -----------------------------------


@pytest.fixture
def real_hashing(app):
    """The production hash (scrypt) for one test: its cost is what timing would reveal."""
    old = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    yield
    app.config["PASSWORD_HASH_METHOD"] = old


def test_registering_a_known_address_does_the_same_work_as_a_new_one(
    app, client, make_user, mailbox, real_hashing, monkeypatch
):
    """The same hashing and the same mail either way (timings: python -m bench.registration)."""
    from community.auth import models

    hashed = []
    real = models.generate_password_hash
    monkeypatch.setattr(
        models, "generate_password_hash", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )
    make_user(username="taken", email="taken@example.com")
    for email in ("new@example.com", "taken@example.com"):
        hashed.clear()
        data = {**VALID, "email": email, "username": f"u_{email[:3]}"}
        assert client.post("/auth/register", data=data).status_code == 200
        assert len(hashed) == 1, email
        assert len(mailbox.to(email)) == 1, email


def test_a_known_address_is_told_to_log_in_or_reset(client, make_user, mailbox):
    make_user(username="taken", email="taken@example.com")
    client.post("/auth/register", data={**VALID, "email": "taken@example.com"})
    body = mailbox.body(mailbox.last_to("taken@example.com"))
    assert "http://localhost/auth/login" in body and "http://localhost/auth/reset" in body


# --- races for the same address or username ---------------------------------------------------


def _register_in_thread(app, data: dict, results: list, start: threading.Barrier | None = None):
    with app.app_context():
        try:
            if start is not None:
                start.wait(timeout=30)
            results.append(services.register(**data))
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            if start is not None:
                start.abort()
            results.append(exc)
            db.session.rollback()


def _form(email: str, username: str) -> dict:
    return {
        "email": email,
        "username": username,
        "display_name": "佐藤",
        "password": VALID["password"],
    }


def test_losing_the_race_for_an_address_looks_like_success_and_mails_its_owner(app, mailbox):
    """The loser's insert waits for the winner's open transaction, then fails on the email."""
    with app.app_context():
        winner = services.register(**_form("same@example.com", "winner"))
        assert winner is not None  # flushed, not committed: the row is locked
        results: list = []
        loser = threading.Thread(
            target=_register_in_thread,
            args=(app, _form("SAME@example.com", "loser"), results),
        )
        loser.start()
        time.sleep(0.5)  # the loser reaches its insert and waits
        db.session.commit()
    loser.join(timeout=30)
    assert results == [None], results
    assert user_count(app) == 1
    mails = [mailbox.body(m) for m in mailbox.to("same@example.com")]
    assert len(mails) == 2  # the winner's confirmation, and the notice for the loser
    assert sum("http://localhost/auth/reset" in body for body in mails) == 1


def test_losing_the_race_for_a_username_says_the_username_is_taken(app):
    with app.app_context():
        services.register(**_form("first@example.com", "same_name"))
        results: list = []
        loser = threading.Thread(
            target=_register_in_thread,
            args=(app, _form("second@example.com", "same_name"), results),
        )
        loser.start()
        time.sleep(0.5)
        db.session.commit()
    loser.join(timeout=30)
    [error] = results
    assert getattr(error, "fields", {}).get("username"), error
    assert user_count(app) == 1


def test_concurrent_registrations_with_one_address(app, mailbox):
    """Started together: one account, every request answered as a success, none as a
    username clash (the usernames all differ)."""
    n = 4
    barrier = threading.Barrier(n)
    responses: list = []

    def post(i: int):
        client = app.test_client()
        barrier.wait(timeout=30)
        data = {**VALID, "email": "race@example.com", "username": f"racer_{i}"}
        responses.append(client.post("/auth/register", data=data))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.status_code for r in responses] == [200] * n
    for r in responses:
        html = r.get_data(as_text=True)
        assert "このユーザー名は既に使われています" not in html
    assert user_count(app, User.email == "race@example.com") == 1
    assert len(mailbox.to("race@example.com")) == n  # one confirmation, the rest notices


# --- per-account lockout ----------------------------------------------------------------------


@pytest.fixture
def lockout(app):
    old = app.config["LOGIN_LOCKOUT"]
    app.config["LOGIN_LOCKOUT"] = "3 per 15 minutes"
    yield
    app.config["LOGIN_LOCKOUT"] = old


def _login_from(app, address: str, identifier: str, password: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, client.post("/auth/login", data={"identifier": identifier, "password": password})


def _logged_in(client) -> bool:
    return client.get("/settings/account").status_code == 200


def test_failures_from_many_addresses_lock_the_account(app, make_user, lockout):
    make_user(username="alice", email="alice@example.com")
    for i in range(3):
        _c, r = _login_from(app, f"10.0.0.{i}", "alice", "wrong password")
        assert r.status_code == 422
    client, locked = _login_from(app, "10.0.1.1", "alice", PASSWORD)
    assert locked.status_code == 429
    html = locked.get_data(as_text=True)
    assert "ログインに続けて失敗" in html
    assert not _logged_in(client), "even the right password is refused while locked"
    # Any spelling of the same identifier is locked; other accounts are not.
    assert _login_from(app, "10.0.1.2", " ALICE ", PASSWORD)[1].status_code == 429
    make_user(username="bob")
    bob, r = _login_from(app, "10.0.1.3", "bob", PASSWORD)
    assert r.status_code == 302 and _logged_in(bob)


def test_unknown_identifiers_are_locked_the_same_way(app, make_user, lockout):
    make_user(username="alice", email="alice@example.com")
    pages = {}
    for who in ("alice@example.com", "ghost@example.com"):
        for i in range(3):
            _login_from(app, f"10.0.2.{i}", who, "wrong password")
        _c, r = _login_from(app, "10.0.3.1", who, "wrong password")
        pages[who] = (r.status_code, _strip(r.get_data(as_text=True), who))
    assert pages["alice@example.com"] == pages["ghost@example.com"]
    assert pages["ghost@example.com"][0] == 429


def test_the_lock_ends_when_the_failures_leave_the_window(app, make_user, lockout):
    app.config["LOGIN_LOCKOUT"] = "2 per 2 seconds"
    make_user(username="alice")
    for _ in range(2):
        _login_from(app, "10.0.4.1", "alice", "wrong password")
    assert _login_from(app, "10.0.4.1", "alice", PASSWORD)[1].status_code == 429
    time.sleep(2.2)
    client, r = _login_from(app, "10.0.4.1", "alice", PASSWORD)
    assert r.status_code == 302 and _logged_in(client)


def test_a_successful_login_clears_the_failures(app, make_user, lockout):
    make_user(username="alice")
    for _round in range(2):
        for _ in range(2):
            _login_from(app, "10.0.5.1", "alice", "wrong password")
        assert _login_from(app, "10.0.5.1", "alice", PASSWORD)[1].status_code == 302


def test_a_password_reset_ends_the_lock(app, make_user, lockout, mailbox):
    make_user(username="alice", email="alice@example.com")
    for i in range(3):
        _login_from(app, f"10.0.6.{i}", "alice", "wrong password")
    assert _login_from(app, "10.0.6.9", "alice", PASSWORD)[1].status_code == 429
    client = app.test_client()
    client.post("/auth/reset", data={"identifier": "alice@example.com"})
    path = mailbox.link("alice@example.com", r"http://localhost/auth/reset/\S+")
    path = path.removeprefix("http://localhost")
    new = "a brand new password"
    assert client.post(path, data={"password": new, "password_confirm": new}).status_code == 302
    for identifier in ("alice", "alice@example.com"):
        other, r = _login_from(app, "10.0.6.10", identifier, new)
        assert r.status_code == 302 and _logged_in(other)


def test_the_lock_message_in_english(app, make_user, lockout):
    make_user(username="alice")
    client = app.test_client()
    client.post("/lang", data={"lang": "en"})
    for _ in range(3):
        login(client, "alice", "wrong password")
    html = login(client, "alice").get_data(as_text=True)
    assert "Too many failed attempts to log in with this email or username" in html
