"""Registration and email confirmation, with mail read from a real SMTP sink."""

import re

import pytest
from sqlalchemy import func, select

from community.auth.models import User
from community.extensions import db

VALID = {
    "email": "Sato.H@City.Kurobe.LG.JP",
    "username": "sato_h",
    "display_name": "佐藤 葉子",
    "password": "long enough password",
    "password_confirm": "long enough password",
}


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_unconfirmed_account_and_mails_link(client, app, mailbox):
    response = client.post("/auth/register", data=VALID)
    assert response.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sato_h"))
        assert user.email == "sato.h@city.kurobe.lg.jp"
        assert not user.is_confirmed and not user.verified_staff
        assert user.password_hash != VALID["password"] and user.check_password(VALID["password"])
        assert user.profile is not None
    link = mailbox.link("sato.h@city.kurobe.lg.jp", r"http://localhost/auth/confirm/\S+")
    path = link.removeprefix("http://localhost")
    response = client.get(path)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sato_h"))
        assert user.is_confirmed
        assert user.verified_staff, "a confirmed lg.jp address marks verified staff"


def test_confirmation_of_non_lg_address_is_not_verified(client, app, mailbox):
    client.post("/auth/register", data={**VALID, "email": "someone@example.com"})
    client.get(mailbox.link("someone@example.com").removeprefix("http://localhost"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sato_h"))
        assert user.is_confirmed and not user.verified_staff


def test_lookalike_domain_is_not_verified(client, app, mailbox):
    client.post("/auth/register", data={**VALID, "email": "x@notlg.jp"})
    client.get(mailbox.link("x@notlg.jp").removeprefix("http://localhost"))
    with app.app_context():
        assert not db.session.scalar(select(User.verified_staff).where(User.username == "sato_h"))


def test_registered_email_gets_same_page_and_a_notice_not_a_second_account(
    client, app, mailbox, make_user
):
    make_user(username="taken", email="taken@example.com")
    first = client.post(
        "/auth/register", data={**VALID, "email": "new@example.com", "username": "fresh_one"}
    )
    second = client.post(
        "/auth/register", data={**VALID, "email": "TAKEN@example.com", "username": "other_one"}
    )
    assert first.status_code == second.status_code == 200

    # The page must not reveal which of the two addresses already had an account. (CSRF tokens
    # carry a timestamp, so they may differ between the two requests; they reveal nothing.)
    def strip(response, email):
        html = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'name="csrf_token?"? [^>]*>|name="csrf-token" content="[^"]*"', "", html)

    assert strip(first, "new@example.com") == strip(second, "TAKEN@example.com")
    assert user_count(app) == 2
    notice = mailbox.to("taken@example.com")
    assert len(notice) == 1
    body = mailbox.body(notice[0])
    assert "/auth/confirm/" not in body and "/auth/reset" in body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"username": "ab"}, "username"),
        ({"username": "Has Space"}, "username"),
        ({"username": "admin"}, "username"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"password_confirm": "something else entirely"}, "password_confirm"),
        ({"display_name": ""}, "display_name"),
        ({"password": "sato_h is my pass", "password_confirm": "sato_h is my pass"}, "password"),
    ],
)
def test_bad_input_gets_field_message_422_and_writes_nothing(client, app, mailbox, changes, field):
    response = client.post("/auth/register", data={**VALID, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert user_count(app) == 0
    assert mailbox.messages == []


def test_username_taken_is_a_field_error(client, app, make_user):
    make_user(username="sato_h")
    response = client.post("/auth/register", data=VALID)
    assert response.status_code == 422
    assert 'id="username-error"' in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_bad_input_message_in_english_when_chosen(client):
    client.post("/lang", data={"lang": "en"})
    response = client.post(
        "/auth/register", data={**VALID, "password": "x", "password_confirm": "x"}
    )
    assert response.status_code == 422
    assert "Too short: 9 more characters needed (at least 10)." in response.get_data(as_text=True)


def test_bad_input_message_in_japanese_by_default(client):
    response = client.post(
        "/auth/register", data={**VALID, "password": "x", "password_confirm": "x"}
    )
    assert "あと9文字必要です（10文字以上）。" in response.get_data(as_text=True)
    assert "Too short" not in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_invalid_confirmation_link(client, token):
    assert client.get(f"/auth/confirm/{token}").status_code == 400


def test_confirmation_link_expires(client, app, mailbox):
    client.post("/auth/register", data=VALID)
    path = mailbox.link("sato.h@city.kurobe.lg.jp").removeprefix("http://localhost")
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 400
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3 * 86400
    with app.app_context():
        assert not db.session.scalar(
            select(User.email_confirmed_at).where(User.username == "sato_h")
        )


def test_unconfirmed_user_can_read_but_not_post(app, make_user, ctx):
    from community.auth.services import ensure_can_post
    from community.errors import PermissionDenied

    user = make_user(username="fresh", confirmed=False)
    user = db.session.get(User, user.id)
    with pytest.raises(PermissionDenied):
        ensure_can_post(user)
    client = app.test_client()
    from tests.conftest import login

    login(client, "fresh")
    page = client.get("/people/")
    assert page.status_code == 200
    assert 'action="/auth/confirm/resend' in page.get_data(as_text=True)


def test_resend_confirmation(client, make_user, mailbox):
    from tests.conftest import login

    make_user(username="fresh", email="fresh@example.com", confirmed=False)
    login(client, "fresh")
    assert client.post("/auth/confirm/resend").status_code == 302
    assert "/auth/confirm/" in mailbox.link("fresh@example.com")
