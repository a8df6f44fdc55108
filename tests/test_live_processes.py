"""Socket.IO across processes: two real gunicorn processes share Redis as the message queue;
an answer posted through process A reaches a browser-like client connected to process B, over
WebSocket and over long polling, and open sockets do not hold a process's pages. Runs when
TEST_REDIS_URL is set (CI sets it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio as sio

from community.extensions import db
from tests import qa_helpers
from tests.conftest import free_port
from tests.factories import PASSWORD

REDIS = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not REDIS, reason="set TEST_REDIS_URL to run the multi-process tests"
)


RUN = f"test-{os.getpid()}-{time.time_ns()}"


@contextmanager
def gunicorn(
    db_url: str,
    port: int,
    threads: int = 50,
    production: bool = False,
    extra_env: dict | None = None,
):
    """gunicorn on one port: with production, the README's command (the gevent worker of
    deploy/gunicorn.conf.py), else the threaded worker of the default threading mode; `extra_env`
    adds to or overrides the environment below."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": REDIS,
        "SECRET_KEY": "multi-process-test",
        "KAKEHASHI_ENV": "production",
        "KAKEHASHI_MAIL_TO_LOG": "1",  # production refuses to start without MAIL_URL otherwise
        "KAKEHASHI_BASE_URL": f"http://127.0.0.1:{port}",
        # Fresh rate-limit counters in the shared Redis for every test: the users of each
        # test have the same ids, and a new account may post three times a minute.
        "KAKEHASHI_RATELIMIT_PREFIX": f"{RUN}-{os.environ.get('PYTEST_CURRENT_TEST', '')}",
        **(extra_env or {}),
    }
    if production:
        workers = ["-c", "deploy/gunicorn.conf.py"]
    else:
        workers = ["-w", "1", "--threads", str(threads)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *workers, "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise AssertionError(
                proc.stderr.read1().decode() if proc.stderr else "gunicorn did not start"
            )
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # open sockets can keep a worker busy; end it
            proc.kill()
            proc.wait(timeout=10)


def logged_in(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    r = s.post(
        f"{base}/auth/login",
        data={"identifier": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:300]
    return s


def csrf_from(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(url).text)[1]


@pytest.fixture
def world(app, make_user):
    asker = make_user(username="asker")
    make_user(username="helper")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()
    return qid


@pytest.mark.parametrize(
    ("production", "transports"),
    [(True, ["websocket"]), (True, ["polling"]), (False, ["websocket"])],
    ids=["gevent-websocket", "gevent-polling", "threads-websocket"],
)
def test_event_from_process_a_reaches_client_on_process_b(db_url, world, production, transports):
    qid = world
    with (
        gunicorn(db_url, free_port(), production=production) as a,
        gunicorn(db_url, free_port(), production=production) as b,
    ):
        asker_b = logged_in(b, "asker")
        client = sio.Client(reconnection=False)
        got = threading.Event()
        received = {}

        @client.on("answer_posted")
        def on_answer(data):
            received.update(data)
            got.set()

        client.connect(
            b,
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in asker_b.cookies.items())},
            transports=transports,
            wait_timeout=10,
        )
        try:
            assert client.call("watch_question", {"question_id": qid}, timeout=10) == {"ok": True}
            helper_a = logged_in(a, "helper")
            token = csrf_from(helper_a, f"{a}/questions/{qid}")
            r = helper_a.post(
                f"{a}/questions/{qid}/answers",
                data={"body": "プロセスをまたいで届く回答です。", "csrf_token": token},
                allow_redirects=False,
            )
            assert r.status_code == 302
            assert got.wait(5), "the answer posted on A never reached the client on B"
            assert received["question_id"] == qid
        finally:
            client.disconnect()


def test_anonymous_socket_is_refused(db_url, world):
    with gunicorn(db_url, free_port()) as a:
        client = sio.Client(reconnection=False)
        with pytest.raises(sio.exceptions.ConnectionError):
            client.connect(a, transports=["polling"], wait_timeout=5)


SOCKETS = 150  # above the 100 threads the old production command had per process


def test_open_sockets_leave_pages_and_delivery_working(db_url, world):
    """With the production command, 150 open WebSockets on one process do not hold its
    pages (in threading mode each held one of 100 threads and `/healthz` timed out), and an
    answer posted on the other process still reaches every one of them."""
    qid = world
    with (
        gunicorn(db_url, free_port(), production=True) as a,
        gunicorn(db_url, free_port(), production=True) as b,
    ):
        asker_b = logged_in(b, "asker")
        cookie = "; ".join(f"{k}={v}" for k, v in asker_b.cookies.items())
        heard = threading.Semaphore(0)
        clients: list[sio.Client] = []

        def connect(_) -> None:
            client = sio.Client(reconnection=False)
            clients.append(client)  # before connecting: the finally below closes it
            client.on("answer_posted", lambda data: heard.release())
            client.connect(b, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
            assert client.call("watch_question", {"question_id": qid}, timeout=10) == {"ok": True}

        try:
            with ThreadPoolExecutor(max_workers=25) as pool:
                list(pool.map(connect, range(SOCKETS)))  # raises what a connection raised

            for path in ("/healthz", "/", f"/questions/{qid}"):
                started = time.monotonic()
                r = asker_b.get(f"{b}{path}", timeout=5)
                assert r.status_code == 200, (path, r.status_code)
                assert time.monotonic() - started < 5, path
            assert all(c.connected for c in clients)

            helper_a = logged_in(a, "helper")
            token = csrf_from(helper_a, f"{a}/questions/{qid}")
            r = helper_a.post(
                f"{a}/questions/{qid}/answers",
                data={"body": "開いたままの多数の接続にも届く回答です。", "csrf_token": token},
                allow_redirects=False,
                timeout=5,
            )
            assert r.status_code == 302
            deadline = time.monotonic() + 10
            for n in range(SOCKETS):
                assert heard.acquire(timeout=max(0, deadline - time.monotonic())), (
                    f"the answer reached {n} of {SOCKETS} sockets on the other process"
                )
        finally:
            for c in clients:
                c.disconnect()
