"""Login, remember me, logout, password reset and changes of password and email."""

import re

import pytest
from sqlalchemy import select

from community.auth.models import User
from community.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD


def test_login_with_username_or_email(client, make_user):
    make_user(username="kenji", email="kenji@example.com")
    assert login(client, "kenji").status_code == 302
    client.post("/auth/logout")
    assert login(client, "KENJI@example.com").status_code == 302
    assert "kenji" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user(username="kenji")
    wrong = login(client, "kenji", "wrong password!")
    unknown = login(client, "nobody", "wrong password!")
    assert wrong.status_code == unknown.status_code == 422

    def message(response):
        return re.search(r'class="form-errors".*?</div>', response.get_data(as_text=True), re.S)[0]

    assert message(wrong) == message(unknown)


def test_login_redirects_only_to_local_next(client, make_user):
    make_user(username="kenji")
    ok = client.post(
        "/auth/login?next=/people/", data={"identifier": "kenji", "password": PASSWORD}
    )
    assert ok.headers["Location"] == "/people/"
    client.post("/auth/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = client.post(
            f"/auth/login?next={evil}", data={"identifier": "kenji", "password": PASSWORD}
        )
        assert r.headers["Location"] == "/", evil


def test_remember_me_sets_a_lasting_cookie(client, make_user):
    make_user(username="kenji")
    response = login(client, "kenji", remember=True)
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    plain = client.application.test_client()
    response = login(plain, "kenji")
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_logout_needs_post(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    client.get("/auth/logout")
    assert client.get("/settings/profile").status_code == 200, "GET only asks for confirmation"
    client.post("/auth/logout")
    assert client.get("/settings/profile").status_code == 302


def test_deleted_user_cannot_log_in(client, app, make_user):
    user = make_user(username="kenji")
    with app.app_context():
        from community.profiles.services import delete_account

        u = db.session.get(User, user.id)
        delete_account(u, u, PASSWORD)
        db.session.commit()
    assert login(client, "kenji").status_code == 422


# --- password reset ---------------------------------------------------------------------------


def _reset_path(mailbox, email):
    return mailbox.link(email, r"http://localhost/auth/reset/\S+").removeprefix("http://localhost")


def test_reset_is_single_use_and_logs_out_other_sessions(client, app, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    other_device = app.test_client()
    login(other_device, "kenji")
    assert other_device.get("/settings/profile").status_code == 200

    response = client.post("/auth/reset", data={"identifier": "kenji@example.com"})
    assert response.status_code == 200
    path = _reset_path(mailbox, "kenji@example.com")
    assert client.get(path).status_code == 200
    new = "a brand new password"
    response = client.post(path, data={"password": new, "password_confirm": new})
    assert response.status_code == 302
    assert login(client, "kenji", new).status_code == 302
    assert other_device.get("/settings/profile").status_code == 302, "old sessions end"
    # The link is spent.
    assert client.get(path).status_code == 400
    assert (
        client.post(
            path, data={"password": "another password!", "password_confirm": "another password!"}
        ).status_code
        == 400
    )


def test_reset_request_does_not_reveal_accounts(client, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    known = client.post("/auth/reset", data={"identifier": "kenji@example.com"})
    unknown = client.post("/auth/reset", data={"identifier": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    # CSRF tokens carry a timestamp and may differ between the two pages; nothing else may.
    tokens = re.compile(r'name="csrf-token" content="[^"]*"|name="csrf_token" [^>]*>')
    assert tokens.sub("", known.get_data(as_text=True)) == tokens.sub(
        "", unknown.get_data(as_text=True)
    )
    # One mail each: a reset link for the account, a notice for the address without one.
    assert [m["To"] for m in mailbox.messages] == ["kenji@example.com", "ghost@example.com"]
    notice = mailbox.body(mailbox.last_to("ghost@example.com"))
    assert "/auth/reset/" not in notice and "http://localhost/auth/register" in notice
    assert "登録されたアカウントはありません" in notice
    # An unknown username has no address to mail.
    client.post("/auth/reset", data={"identifier": "ghost_user"})
    assert len(mailbox.messages) == 2


def test_reset_link_expires(client, app, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    client.post("/auth/reset", data={"identifier": "kenji"})
    path = _reset_path(mailbox, "kenji@example.com")
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 400
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600


def test_reset_with_weak_password_is_422_and_keeps_old(client, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    client.post("/auth/reset", data={"identifier": "kenji"})
    path = _reset_path(mailbox, "kenji@example.com")
    assert (
        client.post(path, data={"password": "short", "password_confirm": "short"}).status_code
        == 422
    )
    assert login(client, "kenji").status_code == 302


# --- changing password and email --------------------------------------------------------------


def test_change_password(client, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    login(client, "kenji")
    bad = client.post(
        "/settings/account/password",
        data={
            "current_password": "not it at all",
            "new_password": "new password 123",
            "new_password_confirm": "new password 123",
        },
    )
    assert bad.status_code == 422
    ok = client.post(
        "/settings/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new password 123",
            "new_password_confirm": "new password 123",
        },
    )
    assert ok.status_code == 302
    assert client.get("/settings/profile").status_code == 200, "this browser stays logged in"
    client.post("/auth/logout")
    assert login(client, "kenji").status_code == 422
    assert login(client, "kenji", "new password 123").status_code == 302
    assert mailbox.to("kenji@example.com")


def test_change_email_takes_effect_only_after_confirmation(client, app, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    login(client, "kenji")
    response = client.post(
        "/settings/account/email", data={"email": "kenji@town.example.lg.jp", "password": PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(User.email).where(User.username == "kenji"))
            == "kenji@example.com"
        )
    path = mailbox.link("kenji@town.example.lg.jp").removeprefix("http://localhost")
    assert client.get(path).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "kenji"))
        assert user.email == "kenji@town.example.lg.jp"
        assert user.verified_staff
    assert mailbox.to("kenji@example.com"), "the old address is told"
    assert client.get(path).status_code == 400, "single use"


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("kenji@example.com", PASSWORD, "email"),
        ("not an email", PASSWORD, "email"),
        ("new@example.com", "wrong password", "password"),
    ],
)
def test_change_email_bad_input(client, make_user, mailbox, email, password, field):
    make_user(username="kenji", email="kenji@example.com")
    login(client, "kenji")
    response = client.post("/settings/account/email", data={"email": email, "password": password})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_change_email_to_taken_address_does_not_reveal(client, app, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    make_user(username="other", email="other@example.com")
    login(client, "kenji")
    response = client.post(
        "/settings/account/email", data={"email": "other@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    body = mailbox.body(mailbox.last_to("other@example.com"))
    assert "/auth/email/" not in body
    with app.app_context():
        assert (
            db.session.scalar(select(User.email).where(User.username == "kenji"))
            == "kenji@example.com"
        )
