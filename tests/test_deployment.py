"""The deployment of deploy/, without containers: nginx with deploy/nginx.conf (ports and paths
rewritten) in front of two app processes started with the production command, the mail worker
process, PostgreSQL and Redis. A browser logs in through nginx and sees an answer posted on the
other process arrive live; a registration's mail goes out through the worker. README
"Production" describes this layout.

Runs on PostgreSQL (KAKEHASHI_TEST_DB) with TEST_REDIS_URL and Debian's nginx; skipped otherwise,
except that KAKEHASHI_REQUIRE_NGINX=1 (CI) turns a missing nginx into a failure."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from community.extensions import db
from tests import qa_helpers
from tests.conftest import free_port
from tests.factories import PASSWORD
from tests.test_live_processes import REDIS, csrf_from, gunicorn, logged_in

ROOT = Path(__file__).resolve().parents[1]
NGINX = os.environ.get("KAKEHASHI_NGINX", "/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx.conf"
pytestmark = pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run the deployment test")


def render_site(site: str, listen: int, upstreams: list[int], logs: Path) -> str:
    """deploy/nginx.conf with this run's ports and paths; each rewritten line must be there."""
    rewrites = [
        (r"listen 80;", f"listen 127.0.0.1:{listen};"),
        (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
        (r"/var/log/nginx/kakehashi\.access\.log", str(logs / "access.log")),
        (r"/var/log/nginx/kakehashi\.error\.log", str(logs / "error.log")),
        (r"/srv/kakehashi/", f"{ROOT}/"),
    ]
    for pattern, replacement in rewrites:
        site, n = re.subn(pattern, replacement, site)
        assert n, f"deploy/nginx.conf no longer has {pattern!r}: update this test and README"
    return site


def main_config(prefix: Path, site: str) -> str:
    """A whole nginx.conf around the site: everything nginx writes stays under `prefix`."""
    # As root (CI), nginx's workers drop to nobody, as Debian's drop to www-data; they only
    # need to read static/. Run as another user, nginx ignores the directive.
    user = ""
    if os.geteuid() == 0:
        readable = all(
            p.stat().st_mode & stat.S_IROTH and p.stat().st_mode & stat.S_IXOTH
            for p in [ROOT / "static", *(ROOT / "static").parents]
        )
        user = "user nobody nogroup;" if readable else "user root;"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp}
{site}
}}
"""


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port} within {timeout} s")


@contextmanager
def nginx(listen: int, upstreams: list[int]) -> Iterator[Path]:
    """nginx in the foreground, unprivileged paths only; yields its directory (logs inside)."""
    prefix = Path(tempfile.mkdtemp(prefix="kakehashi-nginx-"))
    prefix.chmod(0o755)  # the workers (nobody) write their temp files here
    try:
        site = render_site(SITE.read_text(), listen, upstreams, prefix)
        conf = prefix / "nginx.conf"
        conf.write_text(main_config(prefix, site))
        base = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*base, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, f"nginx -t refused the rendered config:\n{check.stderr}"
        proc = subprocess.Popen(base, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(listen, proc, "nginx")
            yield prefix
        finally:
            proc.send_signal(3)  # SIGQUIT: graceful shutdown
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def mail_worker(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`flask --app wsgi mail work`, the production worker process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "work"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert "mail worker started" in line, line
        yield proc
    finally:
        proc.terminate()  # SIGTERM finishes the mail in hand
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Topology:
    base: str  # nginx
    apps: list[str]  # the two app processes, direct
    logs: Path

    def upstream_of(self, path: str, timeout: float = 5) -> str:
        """The app process (base URL) nginx sent the last `GET path` to, from its access log."""
        pattern = re.compile(rf'"GET {re.escape(path)} HTTP/[\d.]+" \d+ .* upstream=(\S+)')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.findall((self.logs / "access.log").read_text())
            if found:
                return f"http://{found[-1]}"
            time.sleep(0.1)
        raise AssertionError(f"no GET {path} in nginx's access log")


@pytest.fixture(scope="module")
def topology(app, db_url, smtp_sink) -> Iterator[Topology]:
    """The deployment, started once for this module (the `app` fixture made the tables)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the deployment runs on PostgreSQL: set KAKEHASHI_TEST_DB=postgresql://…")
    if not os.access(NGINX, os.X_OK):
        reason = f"nginx not found at {NGINX}: install Debian's 'nginx' package"
        if os.environ.get("KAKEHASHI_REQUIRE_NGINX") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    _box, smtp_port = smtp_sink
    listen, ports = free_port(), [free_port(), free_port()]
    base = f"http://127.0.0.1:{listen}"
    # What every process of the deployment gets (the gunicorn helper adds DATABASE_URL,
    # REDIS_URL, SECRET_KEY and KAKEHASHI_ENV=production).
    env = {
        "KAKEHASHI_PROXY_HOPS": "1",
        "KAKEHASHI_BASE_URL": base,
        "MAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "KAKEHASHI_MAIL_TO_LOG": "",
        "KAKEHASHI_RATELIMIT_PREFIX": f"deploy-{os.getpid()}-{time.time_ns()}",
    }
    worker_env = {
        **os.environ,
        **env,
        "DATABASE_URL": db_url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": REDIS,
        "SECRET_KEY": "multi-process-test",
        "KAKEHASHI_ENV": "production",
    }
    with ExitStack() as stack:
        apps = [
            stack.enter_context(gunicorn(db_url, port, production=True, extra_env=env))
            for port in ports
        ]
        stack.enter_context(mail_worker(worker_env))
        logs = stack.enter_context(nginx(listen, ports))
        yield Topology(base=base, apps=apps, logs=logs)


@pytest.fixture
def chromium(browser):
    """The session's Chromium (tests/conftest.py)."""
    return browser


def test_nginx_serves_static_probes_request_ids_and_refuses_big_bodies(topology):
    base = topology.base
    css = requests.get(f"{base}/static/css/app.css", timeout=5)
    assert css.status_code == 200
    assert css.headers["Cache-Control"] == "public, max-age=3600"
    assert "X-Request-ID" not in css.headers  # served by nginx, no process involved
    vendor = requests.get(f"{base}/static/vendor/socket.io-4.8.1.min.js", timeout=5)
    assert "immutable" in vendor.headers["Cache-Control"]

    ready = requests.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok"
    assert ready.json()["redis"] == "ok"

    # The app echoes nginx's $request_id, so a complaint's id finds both log lines.
    page = requests.get(f"{base}/auth/login", timeout=5)
    rid = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid), rid
    time.sleep(0.2)
    assert f"rid={rid} " in (topology.logs / "access.log").read_text()

    started = time.monotonic()
    big = requests.post(f"{base}/auth/login", data=b"x" * (3 * 1024 * 1024), timeout=10)
    assert big.status_code == 413
    assert big.headers["Server"].startswith("nginx")
    assert "X-Request-ID" not in big.headers  # refused before any process saw it
    assert time.monotonic() - started < 5


def test_answer_posted_on_the_other_process_arrives_live_through_nginx(
    topology, chromium, app, make_user
):
    asker = make_user(username="asker")
    make_user(username="helper")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()

    context = chromium.new_context(base_url=topology.base)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/auth/login")
        page.fill("#identifier", "asker")
        page.fill("#password", PASSWORD)
        page.locator("form.form button[type=submit]").click()
        expect(page.locator(".me")).to_be_visible()

        with page.expect_websocket() as opened:
            page.goto(f"/questions/{qid}")
        ws = opened.value
        assert ws.url.startswith(f"ws://127.0.0.1:{topology.base.rsplit(':', 1)[1]}/socket.io/")
        # The page joins the question's room once its socket is up.
        ws.wait_for_event("framesent", lambda frame: "watch_question" in str(frame))
        page.wait_for_timeout(300)

        served_by = topology.upstream_of(f"/questions/{qid}")
        assert served_by in topology.apps
        other = next(a for a in topology.apps if a != served_by)
        helper = logged_in(other, "helper")
        r = helper.post(
            f"{other}/questions/{qid}/answers",
            data={
                "body": "別のプロセスに投稿した回答です。",
                "csrf_token": csrf_from(helper, f"{other}/questions/{qid}"),
            },
            allow_redirects=False,
            timeout=5,
        )
        assert r.status_code == 302, r.text[:300]
        expect(page.locator("#answer-list .post.answer")).to_have_count(1, timeout=5_000)
        expect(page.locator("#answer-list")).to_contain_text("別のプロセスに投稿した回答です。")
    finally:
        context.close()


def test_registration_mail_is_sent_by_the_worker_process(topology, chromium, mailbox):
    context = chromium.new_context(base_url=topology.base)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/auth/register")
        page.fill("#email", "sato.k@city.kita.example.lg.jp")
        page.fill("#username", "sato_k")
        page.fill("#display_name", "佐藤 健")
        page.fill("#password", "a long enough password")
        page.fill("#password_confirm", "a long enough password")
        page.get_by_role("button", name="アカウントを作成").click()
        expect(page.locator("h1")).to_have_text("メールをご確認ください")

        # Neither app process sends mail; the worker polls the outbox every second.
        deadline = time.monotonic() + 10
        while not mailbox.to("sato.k@city.kita.example.lg.jp") and time.monotonic() < deadline:
            time.sleep(0.1)
        link = mailbox.link(
            "sato.k@city.kita.example.lg.jp", rf"{re.escape(topology.base)}/auth/confirm/\S+"
        )
        page.goto(link)
        expect(page.locator(".flash.success")).to_be_visible()
    finally:
        context.close()
