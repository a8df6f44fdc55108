"""The pooled PostgreSQL connection's check on checkout (community/pool_check.py): no round trip
for a connection just used, and no error for a reader when the server closed the pool's
connections between two requests. Real PostgreSQL behind the TCP proxy of tests/faults.py."""

from __future__ import annotations

import pytest

from community import pool_check
from community.extensions import db
from tests.conftest import login
from tests.faults import TcpProxy
from tests.test_edge import edge_app, needs_postgres, target  # noqa: F401 - edge_app: a fixture

pytestmark = needs_postgres


@pytest.fixture
def counted_pings(monkeypatch):
    """The pings the pool sends (the dialect's own ping, counted and then run)."""
    pings = []

    def install(app):
        with app.app_context():
            dialect = db.engine.dialect
        original = dialect.do_ping

        def counting(dbapi_connection):
            pings.append(dbapi_connection)
            return original(dbapi_connection)

        monkeypatch.setattr(dialect, "do_ping", counting)
        return pings

    return install


def test_a_connection_just_used_is_not_pinged(edge_app, make_user, counted_pings):  # noqa: F811
    make_user(username="kenji")
    app = edge_app(RATELIMIT_ENABLED=False)
    pings = counted_pings(app)
    member = app.test_client()
    assert login(member, "kenji").status_code == 302
    for _ in range(5):
        assert member.get("/").status_code == 200
    assert pings == []


def test_a_connection_idle_for_long_is_pinged(
    edge_app,  # noqa: F811
    make_user,
    counted_pings,
    monkeypatch,
):
    app = edge_app(RATELIMIT_ENABLED=False)
    pings = counted_pings(app)
    visitor = app.test_client()
    assert visitor.get("/questions/").status_code == 200
    monkeypatch.setattr(pool_check, "IDLE_SECONDS", 0.0)
    assert visitor.get("/questions/").status_code == 200
    assert len(pings) == 1


def test_connections_the_server_closed_are_replaced_before_a_reader_sees_them(
    edge_app,  # noqa: F811
    make_user,
    db_url,
):
    make_user(username="kenji")
    with TcpProxy(*target(db_url)) as proxy:
        app = edge_app(SQLALCHEMY_DATABASE_URI=proxy.url(db_url), RATELIMIT_ENABLED=False)
        member, visitor = app.test_client(), app.test_client()
        assert login(member, "kenji").status_code == 302
        assert member.get("/").status_code == 200
        assert visitor.get("/questions/").status_code == 200

        # A restart as the pool sees it: every open connection closed, new ones accepted.
        proxy.mode = "refuse"
        proxy.mode = "pass"

        assert member.get("/").status_code == 200
        assert visitor.get("/questions/").status_code == 200
        assert member.get("/readyz").status_code == 200
