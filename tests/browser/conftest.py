"""A live server (real CSRF, real SMTP sink) and headless Debian Chromium via Playwright."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from community import create_app
from community.config import TestConfig
from tests.conftest import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app, db_url, smtp_sink):
    """The app served over HTTP in a thread, with CSRF on, as in production."""
    _box, smtp_port = smtp_sink
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        WTF_CSRF_ENABLED=True,
        MAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        BASE_URL=base,
    )
    server = make_server("127.0.0.1", port, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


def watched_page(browser, live_server, errors: list[str]):
    """A page in a fresh context (its own cookies) whose script errors and CSP violations are
    appended to `errors`; 4xx answers to bad input are expected and not counted."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    return pg


@pytest.fixture
def page(browser, live_server, request):
    errors: list[str] = []
    pg = watched_page(browser, live_server, errors)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    pg.context.close()
    # CSP violations and script errors show up here.
    assert not errors, errors
