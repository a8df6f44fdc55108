"""Fixtures: a real database (SQLite file, or PostgreSQL via KAKEHASHI_TEST_DB), a real
SMTP sink, and factories. Each test starts with empty tables and the reference data."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, text

from community import create_app
from community.config import TestConfig
from community.extensions import db as _db
from community.reference.loader import load_reference

REFERENCE_TABLES = {
    "regions",
    "prefectures",
    "population_bands",
    "fields",
    "topics",
    "support_menus",
    "municipalities",  # tests that change them restore them (tests/test_municipalities.py)
}


def database_url(tmp_path_factory) -> str:
    target = os.environ.get("KAKEHASHI_TEST_DB", "sqlite")
    if target == "sqlite":
        # A file, not :memory:, so that a live server thread sees the same data.
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if target.startswith(prefix):
            return "postgresql+psycopg://" + target[len(prefix) :]
    return target


# --- browser ---------------------------------------------------------------------------------

CHROMIUM = os.environ.get("KAKEHASHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session: Playwright's sync API cannot be started twice in
    one thread, so every test that drives a browser uses this fixture."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package"
        if os.environ.get("KAKEHASHI_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


# --- mail ------------------------------------------------------------------------------------


class Mailbox:
    """Messages received by the local SMTP sink."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(msg: EmailMessage) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()

    def link(self, address: str, pattern: str = r"https?://\S+") -> str:
        """The first URL in the newest mail to `address` that matches `pattern`."""
        body = self.body(self.last_to(address))
        match = re.search(pattern, body)
        assert match, f"no link matching {pattern!r} in:\n{body}"
        return match.group(0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_sink) -> Mailbox:
    box, _port = smtp_sink
    box.clear()
    return box


# --- app and database ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(db_url, smtp_sink):
    _box, port = smtp_sink
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=db_url, MAIL_URL=f"smtp://127.0.0.1:{port}"
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        load_reference()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def empty_tables() -> None:
    """Delete every row except reference data (TRUNCATE on PostgreSQL, DELETE on SQLite)."""
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Give every test that uses the app an empty database with reference data."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        empty_tables()
        from community.admin.services import ensure_default_domains

        ensure_default_domains(app.config["DEFAULT_VERIFIED_DOMAINS"])
        _db.session.commit()
        from community.auth import lockout

        lockout.reset()  # failed logins of earlier tests must not lock this test's accounts
        # Pages and answers cached by earlier tests: ids and versions start again with the
        # emptied tables, so an earlier test's page could share this one's key.
        if (store := app.extensions.get("fragments")) is not None:
            store.clear()
        # Site settings are read once per process: an earlier test's `seed demo` turned the
        # demo banner on in the rows just emptied.
        app.extensions.pop("site_settings", None)
    yield
    with app.app_context():
        _db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for calling services and querying in the test itself."""
    with app.app_context():
        yield
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_on(app):
    """Turn real CSRF checks on for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


# --- query counting --------------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...` records every SQL statement sent meanwhile."""

    @contextmanager
    def counter():
        with app.app_context():
            engine = _db.engine
        q = QueryCounter()
        event.listen(engine, "before_cursor_execute", q)
        try:
            yield q
        finally:
            event.remove(engine, "before_cursor_execute", q)

    return counter


# --- helpers for requests ---------------------------------------------------------------------


def login(client, identifier: str, password: str = "correct horse battery", remember: bool = False):
    data = {"identifier": identifier, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


def client_as(app, username: str | None):
    """A fresh client, logged in as `username` (anonymous for None)."""
    c = app.test_client()
    if username is not None:
        assert login(c, username).status_code == 302, username
    return c


@pytest.fixture
def limited_app(db_url, app):
    """The app with rate limits on (TestConfig turns them off), counting in memory."""
    from community.extensions import limiter

    limited = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
    )
    yield limited
    # The limiter is one extension object shared by every app in this process.
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def make_user(app):
    """Factory for accounts: confirmed members by default, with a profile."""
    from tests.factories import make_user as factory

    def make(**kwargs):
        with app.app_context():
            user = factory(**kwargs)
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge_all()
            return user

    return make
