"""SIGTERM to a production process (deploy/gunicorn.conf.py): it stops accepting, closes its
Socket.IO connections so that clients reconnect elsewhere, and exits well within gunicorn's
graceful timeout instead of waiting the whole timeout for idle sockets. Runs with
TEST_REDIS_URL, like the other multi-process tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio as sio

from tests.conftest import free_port
from tests.test_live_processes import REDIS, RUN, logged_in

ROOT = Path(__file__).resolve().parents[1]
GRACEFUL_TIMEOUT = 30  # gunicorn's default, which deploy/gunicorn.conf.py keeps
pytestmark = pytest.mark.skipif(
    not REDIS, reason="set TEST_REDIS_URL to run the multi-process tests"
)


def start(db_url: str, port: int) -> subprocess.Popen:
    """The README's production command on one port, once /healthz answers."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": REDIS,
        "SECRET_KEY": "graceful-test",
        "KAKEHASHI_ENV": "production",
        "KAKEHASHI_MAIL_TO_LOG": "1",
        "KAKEHASHI_BASE_URL": f"http://127.0.0.1:{port}",
        "KAKEHASHI_RATELIMIT_PREFIX": f"{RUN}-graceful",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
        + ["-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "gunicorn did not start")


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_sigterm_closes_sockets_and_exits(db_url, make_user, transport):
    make_user(username="watcher")
    port = free_port()
    proc = start(db_url, port)
    base = f"http://127.0.0.1:{port}"
    client = sio.Client(reconnection=False)
    closed = threading.Event()
    client.on("disconnect", lambda *reason: closed.set())
    try:
        session = logged_in(base, "watcher")
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        client.connect(base, headers={"Cookie": cookie}, transports=[transport], wait_timeout=10)
        assert client.connected

        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert closed.wait(10), "the socket was not closed after SIGTERM"
        assert time.monotonic() - started < 10
        assert proc.wait(timeout=15) == 0, proc.stderr.read().decode()
        elapsed = time.monotonic() - started
        assert elapsed < GRACEFUL_TIMEOUT / 2, f"exited after {elapsed:.1f} s: sockets held it"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{base}/healthz", timeout=2)  # no new connections
    finally:
        client.disconnect()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
