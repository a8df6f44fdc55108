"""The edge of production: clients behind a proxy, Redis and the database going away, request
size, health probes, request ids, and the settings production refuses to start without.

Faults are real: tests/faults.py puts a TCP proxy in front of the real Redis (TEST_REDIS_URL)
or PostgreSQL (KAKEHASHI_TEST_DB) and closes it ("refuse") or lets it swallow every byte
("blackhole", a partition)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from urllib.parse import urlsplit

import click
import pytest

from community import create_app
from community.config import TestConfig
from community.extensions import db, limiter
from community.i18n import LANG_COOKIE
from tests.conftest import login
from tests.faults import TcpProxy

REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run the Redis faults")
needs_postgres = pytest.mark.skipif(
    not os.environ.get("KAKEHASHI_TEST_DB", "").startswith("postgres"),
    reason="a database behind a TCP proxy needs PostgreSQL (KAKEHASHI_TEST_DB)",
)
ASK = {
    "title": "包括的民間委託の仕様書はどう書けばよいですか",
    "body": "人口8千人の町で、道路と橋梁の維持管理を包括的民間委託にしたいと考えています。",
    "circle": "",
    "field": "bridge",
    "topics": ["outsourcing"],
    "tags": "",
    "stage": "3",
}


@pytest.fixture
def edge_app(app, db_url):
    """Factory for apps with the rate limits on (memory store unless told otherwise)."""
    made = []

    def make(**overrides):
        config = {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "RATELIMIT_ENABLED": True,
            # Counters of earlier runs in a shared Redis must not count here.
            "RATELIMIT_KEY_PREFIX": f"edge-{uuid.uuid4().hex}",
        }
        if "REDIS_URL" not in overrides:
            config["RATELIMIT_STORAGE_URI"] = "memory://"
        config.update(overrides)
        new = create_app(TestConfig, **config)
        # The limiter is one object per process: an earlier test's outage is not this app's.
        limiter._storage_dead = False
        made.append(new)
        return new

    yield make
    for made_app in made:
        with made_app.app_context():
            db.engine.dispose()
    # The limiter and Socket.IO are process-wide: leave them as the suite's app expects
    # (rate limits off, the in-process Socket.IO queue), not pointing at a closed proxy.
    create_app(TestConfig, SQLALCHEMY_DATABASE_URI=db_url)
    limiter._storage_dead = False
    limiter.enabled = False


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 0


# --- behind a proxy ------------------------------------------------------------------------


def test_members_behind_a_trusted_proxy_each_have_their_own_login_budget(edge_app, make_user):
    app = edge_app(PROXY_HOPS=1)
    for n in range(12):
        make_user(username=f"member{n}")
    statuses = [
        login_from(app, f"member{n}", forwarded_for=f"203.0.113.{n + 1}").status_code
        for n in range(12)
    ]
    assert statuses == [302] * 12
    # One client behind the proxy still has one budget, whatever it puts in the header
    # itself: the proxy appends the address it saw, and only that hop is trusted.
    statuses = [
        login_from(app, "nobody", forwarded_for=f"198.51.100.{n}, 203.0.113.99").status_code
        for n in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_without_a_trusted_proxy_forwarded_for_is_ignored(edge_app, make_user):
    app = edge_app()  # KAKEHASHI_PROXY_HOPS defaults to 0
    assert app.config["PROXY_HOPS"] == 0
    for n in range(11):
        make_user(username=f"member{n}")
    statuses = [
        login_from(app, f"member{n}", forwarded_for=f"203.0.113.{n + 1}").status_code
        for n in range(11)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_logins_for_one_account_are_limited_across_addresses(edge_app, make_user):
    app = edge_app(PROXY_HOPS=1, RATELIMIT_LOGIN_IDENTIFIER="3 per minute", LOGIN_LOCKOUT="50/hour")
    statuses = [
        login_from(app, "target", forwarded_for=f"203.0.113.{n + 1}").status_code for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_registrations_for_one_address_are_limited_across_addresses(edge_app):
    app = edge_app(PROXY_HOPS=1)
    statuses = [
        app.test_client()
        .post(
            "/auth/register",
            data={"email": "target@example.com"},
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
        )
        .status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def login_from(app, identifier: str, forwarded_for: str):
    return app.test_client().post(
        "/auth/login",
        data={"identifier": identifier, "password": "correct horse battery"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the load balancer
    )


# --- Redis gone: the limits fail open ------------------------------------------------------


@needs_redis
@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
def test_redis_outage_fails_open(edge_app, make_user, fault, caplog):
    make_user(username="asker", fields=["bridge"])
    make_user(username="helper")
    with TcpProxy(*target(REDIS)) as proxy:
        app = edge_app(REDIS_URL=proxy.url(REDIS))
        asker, helper = app.test_client(), app.test_client()
        assert login(asker, "asker").status_code == 302  # the limits live in Redis
        ready = asker.get("/readyz").get_json()
        assert {k: ready[k] for k in ("status", "db", "redis")} == {
            "status": "ok",
            "db": "ok",
            "redis": "ok",
        }

        proxy.mode = fault
        with caplog.at_level(logging.WARNING):
            response, took = timed(lambda: login(helper, "helper"))
            assert response.status_code == 302 and took < 4, took
            response, took = timed(lambda: asker.post("/questions/ask", data=ASK))
            assert response.status_code == 302 and took < 4, took
            question = response.headers["Location"]
            answer = {"body": "うちでは健全度と交通量で点数化しています。"}
            response, took = timed(lambda: helper.post(f"{question}/answers", data=answer))
            assert response.status_code == 302 and took < 4, took
            response, took = timed(
                lambda: asker.post(f"{question}/comments", data={"body": "橋長は？"})
            )
            assert response.status_code == 302 and took < 4, took
            for _ in range(20):
                response, took = timed(lambda: asker.get("/api/users/mention?q=he"))
                assert response.status_code == 200 and took < 4, took
            assert [u["username"] for u in response.get_json()["users"]] == ["helper"]

            response, took = timed(lambda: asker.get("/readyz"))
            assert response.status_code == 503 and took < 1.5, took
            body = response.get_json()
            assert body["status"] == "error" and body["db"] == "ok"
            assert body["redis"] in ("error", "timeout")
            assert asker.get("/healthz").status_code == 200
        warnings = " ".join(r.getMessage() for r in caplog.records)
        assert "falling back to in-memory storage" in warnings

        proxy.mode = "pass"
        assert asker.get("/readyz").status_code == 200


# --- database gone: 503, a page that needs no database -----------------------------------


def test_database_gone_answers_503_with_a_static_page(edge_app, caplog, tmp_path):
    from community import failures

    # A real failure to connect on every database: a file in a directory that is not there.
    app = edge_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    failures._tracebacks.clear()
    visitor = app.test_client()
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        first = visitor.get("/questions/")
        second = visitor.get("/", headers={"X-Request-ID": "lb-0123456789"})
    for response in (first, second):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        page = response.get_data(as_text=True)
        assert 'lang="ja"' in page and "ただいまサービスを利用できません" in page
    assert second.headers["X-Request-ID"] == "lb-0123456789"
    # One line per failed request, with its id; the traceback only the first time.
    lines = [r for r in caplog.records if "request_id=" in r.getMessage()]
    assert len(lines) == 2
    assert first.headers["X-Request-ID"] in lines[0].getMessage() and lines[0].exc_info
    assert "request_id=lb-0123456789" in lines[1].getMessage() and not lines[1].exc_info
    assert "sqlalchemy.exc.OperationalError" in lines[1].getMessage()

    english = app.test_client()
    english.set_cookie(LANG_COOKIE, "en")
    page = english.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "The service is temporarily unavailable" in page
    response = visitor.get("/questions/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "503"
    assert visitor.get("/healthz").get_json() == {"status": "ok"}
    response, took = timed(lambda: visitor.get("/readyz"))
    assert response.status_code == 503 and took < 1.5
    # "timeout" when a loaded machine makes even the failing connect miss the probe's budget.
    assert response.get_json()["status"] == "error"
    assert response.get_json()["db"] in ("error", "timeout")


@needs_postgres
def test_postgresql_gone_answers_503_and_recovers(edge_app, make_user, db_url):
    make_user(username="kenji")
    with TcpProxy(*target(db_url)) as proxy:
        app = edge_app(SQLALCHEMY_DATABASE_URI=proxy.url(db_url), RATELIMIT_ENABLED=False)
        member, visitor = app.test_client(), app.test_client()
        assert login(member, "kenji").status_code == 302
        assert member.get("/").status_code == 200

        proxy.mode = "refuse"
        for client in (member, visitor):
            response, took = timed(lambda c=client: c.get("/"))
            assert response.status_code == 503 and took < 6, took
            assert "ただいまサービスを利用できません" in response.get_data(as_text=True)
        response = member.get("/api/users/mention?q=ke")
        assert response.status_code == 503 and "error" in response.get_json()
        assert member.get("/healthz").status_code == 200
        response, took = timed(lambda: member.get("/readyz"))
        assert response.status_code == 503 and took < 1.5, took

        proxy.mode = "blackhole"  # accepts, never answers: the probe still answers in time
        response, took = timed(lambda: visitor.get("/readyz"))
        assert response.status_code == 503 and took < 1.5, took
        assert response.get_json()["db"] in ("error", "timeout")

        proxy.mode = "pass"
        assert member.get("/").status_code == 200
        assert member.get("/readyz").status_code == 200


def test_engine_options_set_timeouts(app):
    from community.config import engine_options

    pg = engine_options(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db",
            "DB_CONNECT_TIMEOUT": 5,
            "DB_STATEMENT_TIMEOUT_MS": 15000,
        }
    )
    # pool_check replaces the ping on every checkout (tests/test_pool_check.py).
    assert not pg["pool_pre_ping"] and pg["connect_args"]["connect_timeout"] == 5
    assert pg["connect_args"]["options"] == "-c statement_timeout=15000"
    assert engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite://"})["connect_args"]["timeout"]
    # Commands (migrations, reindex, cron jobs) may run longer statements than requests.
    with click.Context(click.Command("upgrade")):
        command = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"})
    assert "options" not in command["connect_args"]
    assert command["connect_args"]["connect_timeout"] == 5


def test_an_unexpected_error_answers_500_without_the_database(edge_app, make_user):
    from sqlalchemy import event

    app = edge_app(RATELIMIT_ENABLED=False)

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", view_func=broken)
    app.add_url_rule("/api/broken", "api_broken", view_func=broken)
    make_user(username="kenji")
    member = app.test_client()
    login(member, "kenji")
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = member.get("/broken")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 500
    assert "エラーが発生しました" in response.get_data(as_text=True)
    # Only the user's own row, loaded before the view ran: the page itself reads nothing.
    assert len(statements) <= 1, statements
    response = member.get("/api/broken")
    assert response.status_code == 500 and response.get_json()["error"]["code"] == "500"


@needs_postgres
def test_statement_timeout_applies_on_postgresql(edge_app):
    from sqlalchemy import text

    app = edge_app(DB_STATEMENT_TIMEOUT_MS=1234)
    with app.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) == "1234ms"


# --- request size, request ids, production settings ----------------------------------------


def test_a_form_larger_than_the_limit_gets_a_clear_413(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    response = client.post("/questions/ask", data={**ASK, "body": "橋" * 1_000_000})  # 3 MB
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "送信されたデータが大きすぎます" in page and "2MBまで" in page


def test_request_id_is_the_proxys_or_a_new_one(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123-def"})
    assert given.headers["X-Request-ID"] == "abc-123-def"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"


def test_production_refuses_to_start_without_mail_url(db_url):
    production = {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "ENV_NAME": "production",
        "SECRET_KEY": "a real secret",
        "MAIL_URL": None,
    }
    with pytest.raises(RuntimeError, match="MAIL_URL"):
        create_app(TestConfig, **production)
    assert create_app(TestConfig, **production, MAIL_TO_LOG=True)
    assert create_app(TestConfig, **{**production, "MAIL_URL": "smtp://127.0.0.1:25"})
