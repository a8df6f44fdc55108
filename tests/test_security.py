"""Rate limits, cookie flags, the SECRET_KEY rule, and mail going to the log without MAIL_URL."""

import logging

import pytest

from community import create_app
from community.config import DEV_SECRET, TestConfig


def test_login_is_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post("/auth/login", data={"identifier": "x", "password": "y"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    assert (
        "Retry-After"
        in client.post("/auth/login", data={"identifier": "x", "password": "y"}).headers
    )
    # Reading the login page stays possible.
    assert client.get("/auth/login").status_code == 200


def test_registration_is_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/auth/register", data={}).status_code for _ in range(6)]
    assert statuses[-1] == 429 and 429 not in statuses[:5]


def test_reset_requests_are_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post("/auth/reset", data={"identifier": "a@example.com"}).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:5]


def test_429_page_is_in_users_language(limited_app):
    client = limited_app.test_client()
    for _ in range(11):
        response = client.post("/auth/login", data={"identifier": "x", "password": "y"})
    assert response.status_code == 429
    assert 'lang="ja"' in response.get_data(as_text=True)


def test_session_cookie_flags(client, make_user):
    from tests.conftest import login

    make_user(username="kenji")
    cookie = " ".join(login(client, "kenji", remember=True).headers.getlist("Set-Cookie")).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_https_base_url_makes_cookies_secure(db_url):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=db_url, BASE_URL="https://kakehashi.example.jp"
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_refuses_to_start_without_secret_outside_development(db_url):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=db_url, SECRET_KEY=DEV_SECRET, ENV_NAME="production"
        )


def test_mail_goes_to_log_without_mail_url(db_url, app, caplog):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=db_url, MAIL_URL=None)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        response = client.post(
            "/auth/register",
            data={
                "email": "log@example.com",
                "username": "logged",
                "display_name": "Log",
                "password": "long enough password",
                "password_confirm": "long enough password",
            },
        )
    assert response.status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "To: log@example.com" in logged and "/auth/confirm/" in logged


def test_mail_server_down_does_not_lose_the_registration(db_url, app):
    from sqlalchemy import select

    from community.auth.models import User
    from community.extensions import db
    from tests.conftest import free_port

    broken = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=db_url, MAIL_URL=f"smtp://127.0.0.1:{free_port()}"
    )
    response = broken.test_client().post(
        "/auth/register",
        data={
            "email": "down@example.com",
            "username": "down",
            "display_name": "Down",
            "password": "long enough password",
            "password_confirm": "long enough password",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "down")) is not None


def test_production_config_hashes_with_scrypt(db_url, app):
    from community.auth.models import User
    from community.config import Config

    real = create_app(Config, SQLALCHEMY_DATABASE_URI=db_url, RATELIMIT_ENABLED=False)
    with real.app_context():
        user = User()
        user.set_password("a long enough password")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("a long enough password")
        assert not user.check_password("a long enough passworD")
