"""What people actually type: full-width input from a Japanese IME, and password messages that
say what is wrong instead of repeating the hint."""

import re

import pytest
from sqlalchemy import select

from community.auth.models import User
from community.auth.services import register
from community.auth.validation import narrow, password_problem
from community.errors import ValidationFailed
from community.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD

FULL_WIDTH_EMAIL = "ｓａｓａｋｉ＠ｅｘａｍｐｌｅ．ｌｇ．ｊｐ"
VALID = {
    "email": FULL_WIDTH_EMAIL,
    "username": "ｓａｓａｋｉ＿ｄ",
    "display_name": "佐々木 大輔",
    "password": "long enough password",
    "password_confirm": "long enough password",
}


def error_of(html: str, field: str) -> str:
    match = re.search(rf'<div id="{field}-error">(.*?)</div>', html, re.S)
    assert match, f"no error shown for {field}"
    return re.sub(r"<[^>]+>", "", match[1]).strip()


def test_full_width_email_and_username_are_converted_on_registration(client, app, mailbox):
    response = client.post("/auth/register", data=VALID)
    assert response.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.username) == ("sasaki@example.lg.jp", "sasaki_d")
    assert mailbox.link("sasaki@example.lg.jp")


def test_the_service_converts_too(app):
    with app.app_context():
        user = register(
            email="　ｓａｔｏ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｌｇ．ｊｐ　",
            username="ＳＡＴＯ",
            display_name="佐藤",
            password="long enough password",
        )
        assert (user.email, user.username) == ("sato@city.example.lg.jp", "sato")


def test_full_width_password_is_not_converted(app, client, mailbox):
    """A password typed in full width is a different password: converting it would let
    someone in with a password that was never set."""
    full = "ｌｏｎｇ　ｅｎｏｕｇｈ　ｐａｓｓ"
    client.post("/auth/register", data={**VALID, "password": full, "password_confirm": full})
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.check_password(full)
        assert not user.check_password(narrow(full))


def test_login_and_reset_accept_full_width_identifiers(client, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    assert login(client, "ｋｅｎｊｉ＠ｅｘａｍｐｌｅ．ｃｏｍ").status_code == 302
    client.post("/auth/logout")
    assert login(client, "ｋｅｎｊｉ").status_code == 302
    client.post("/auth/logout")
    # The password is compared as typed: its full-width form is not the same password.
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != " " else "　" for c in PASSWORD)
    assert login(client, "kenji", full_width).status_code == 422
    client.post("/auth/reset", data={"identifier": "ｋｅｎｊｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"})
    assert mailbox.link("kenji@example.com", r"http://localhost/auth/reset/\S+")


def test_a_full_width_address_without_an_account_is_told_at_its_ascii_form(client, mailbox):
    client.post("/auth/reset", data={"identifier": "ｇｈｏｓｔ＠ｅｘａｍｐｌｅ．ｃｏｍ"})
    assert mailbox.link("ghost@example.com", r"http://localhost/auth/register")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", "あと5文字必要です（10文字以上）。"),
        ("x" * 201, "長すぎます（201文字）。200文字以内にしてください。"),
        ("password123!", "よく使われていて推測されやすいパスワードです。"),
        ("1234567890", "単純な並び"),
        ("aaaaaaaaaaaa", "同じ文字の繰り返し"),
        ("31415926535", "数字と記号だけ"),
        ("my sasaki_d pass", "ユーザー名またはメールアドレスの一部（sasaki_d）"),
        ("sasaki is my password", "ユーザー名またはメールアドレスの一部（sasaki）"),
    ],
)
def test_password_errors_say_what_is_wrong_and_differ_from_the_hint(
    client, app, password, expected
):
    response = client.post(
        "/auth/register", data={**VALID, "password": password, "password_confirm": password}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = error_of(html, "password")
    assert expected in error
    hint = re.search(r'<p class="hint" id="password-hint">(.*?)</p>', html)[1]
    assert hint not in error
    # The hint stays linked to the field together with the error.
    assert 'aria-describedby="password-error password-hint"' in html
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_a_good_password_passes():
    assert password_problem("kakehashi-demo") is None
    assert password_problem("correct horse battery", ["kenji"]) is None


def test_the_service_gives_the_same_specific_message(app):
    with app.app_context(), pytest.raises(ValidationFailed) as err:
        register(email="a@example.com", username="abc", display_name="A", password="qwertyuiop")
    assert "qwerty" in err.value.fields["password"][0]


def test_reset_form_uses_the_specific_message(client, make_user, mailbox):
    make_user(username="kenji", email="kenji@example.com")
    client.post("/auth/reset", data={"identifier": "kenji"})
    path = mailbox.link("kenji@example.com", r"http://localhost/auth/reset/\S+")
    response = client.post(
        path.removeprefix("http://localhost"),
        data={"password": "kenji-1234567", "password_confirm": "kenji-1234567"},
    )
    assert response.status_code == 422
    assert "（kenji）" in error_of(response.get_data(as_text=True), "password")
