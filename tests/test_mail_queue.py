"""The mail outbox and its worker, against real SMTP servers that refuse, stall or answer 451."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import abort
from sqlalchemy import select

from community import create_app, mail
from community.auth.models import Role, User
from community.config import TestConfig
from community.db import utcnow
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail
from community.mailqueue.worker import RETRY_DELAYS, send_due
from community.moderation.models import AuditEntry
from tests.conftest import free_port, login
from tests.faults import TcpProxy

ROOT = Path(__file__).resolve().parent.parent


class Sink:
    """An SMTP server that answers 451 to `refuse`, 550 to `reject`, and counts its sessions."""

    def __init__(self):
        self.refuse: set[str] = set()
        self.reject: set[str] = set()
        self.delay = 0.0
        self.messages = []
        self.sessions: set = set()
        self._lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.sessions.add(session.peer)  # one client port per connection
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        if address in self.reject:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def sink():
    box = Sink()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def manual(app):
    """Tests here run the worker themselves: no pass after each commit; SMTP timeouts short
    enough to keep a stalled test quick, long enough for a sink answering on a busy machine (at
    0.5 s a well-behaved sink's reply timed out under CI's load; the stalled-server test sets its
    own)."""

    @contextmanager
    def configure(**values):
        saved = {k: app.config.get(k) for k in values}
        app.config.update(values)
        try:
            yield
        finally:
            app.config.update(saved)

    with configure(MAIL_DELIVER_ON_COMMIT=False, MAIL_SMTP_TIMEOUT=5):
        yield configure


def rows() -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def queue_mails(app, *addresses: str) -> None:
    with app.app_context(), app.test_request_context():
        for address in addresses:
            mail.queue(address, f"件名 {address}", "email_taken")
        db.session.commit()


# --- the outbox is part of the transaction ------------------------------------------------------


def test_a_rolled_back_request_queues_nothing_and_a_committed_one_sends(db_url, app, mailbox):
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=db_url, MAIL_URL=app.config["MAIL_URL"])

    @other.post("/_queue/<outcome>")
    def queue_then(outcome):
        mail.queue(
            "kept@example.com" if outcome == "ok" else "lost@example.com", "s", "email_taken"
        )
        if outcome != "ok":
            abort(422)  # the request edge rolls back
        return "queued"

    client = other.test_client()
    assert client.post("/_queue/fail").status_code == 422
    assert client.post("/_queue/ok").status_code == 200
    with app.app_context():
        assert [r.recipient for r in rows()] == ["kept@example.com"]
        assert rows()[0].status == MailStatus.SENT and rows()[0].attempts == 1
    assert len(mailbox.to("kept@example.com")) == 1 and mailbox.to("lost@example.com") == []


def test_a_service_whose_transaction_rolls_back_queues_nothing(app, ctx, mailbox):
    with app.test_request_context():
        mail.queue("gone@example.com", "s", "email_taken")
        db.session.rollback()
        db.session.commit()
    assert rows() == [] and mailbox.messages == []


def test_headers_stay_one_line(app, manual, sink):
    with manual(MAIL_URL=sink.url), app.app_context(), app.test_request_context():
        mail.queue("to@example.com", "Title\r\nBcc: evil@example.com\u2028x", "email_taken")
        db.session.commit()
        assert send_due().sent == 1
    msg = sink.to("to@example.com")[0]
    assert msg["Subject"] == "Title Bcc: evil@example.com x" and msg["Bcc"] is None


# --- SMTP down, stalled, or answering 451 ----------------------------------------------------


REGISTRATION = {
    "email": "slow@example.com",
    "username": "slowsmtp",
    "display_name": "Slow",
    "password": "long enough password",
    "password_confirm": "long enough password",
}


def test_smtp_stalled_the_request_answers_fast_and_the_mail_goes_when_smtp_returns(
    db_url, app, manual, sink
):
    with TcpProxy("127.0.0.1", sink.port) as proxy:
        proxy.mode = "blackhole"  # accepts, then never answers: the worst case for a client
        smtp = f"smtp://127.0.0.1:{proxy.port}"
        prod = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=db_url,
            MAIL_URL=smtp,
            MAIL_DELIVER_ON_COMMIT=False,
            MAIL_SMTP_TIMEOUT=0.5,
        )
        started = time.monotonic()
        response = prod.test_client().post("/auth/register", data=REGISTRATION)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
        with prod.app_context():
            (row,) = rows()
            assert row.status == MailStatus.QUEUED and row.recipient == "slow@example.com"
            result = send_due()  # times out on the silent server
            assert (result.sent, result.retry) == (0, 1)
            db.session.expire_all()
            row = rows()[0]
            assert row.status == MailStatus.QUEUED and row.attempts == 1
            assert "timed out" in row.last_error or "Timeout" in row.last_error
            proxy.mode = "refuse"
            assert send_due(now=utcnow() + timedelta(minutes=2)).retry == 1
            proxy.mode = "pass"
            assert send_due(now=utcnow() + timedelta(minutes=2)).sent == 0  # backing off
            assert send_due(now=utcnow() + timedelta(minutes=10)).sent == 1
            db.session.expire_all()
            assert rows()[0].status == MailStatus.SENT and rows()[0].attempts == 3
    assert "/auth/confirm/" in sink.to("slow@example.com")[0].get_content()


def test_a_451_for_one_recipient_stops_nothing_else_and_is_retried_with_backoff(app, manual, sink):
    sink.refuse = {"busy@example.com"}
    with manual(MAIL_URL=sink.url):
        queue_mails(app, "a@example.com", "busy@example.com", "c@example.com")
        now = utcnow()
        with app.app_context():
            result = send_due(now=now)
            assert (result.sent, result.retry, result.failed) == (2, 1, 0)
            busy = db.session.scalar(
                select(OutgoingMail).where(OutgoingMail.recipient == "busy@example.com")
            )
            assert busy.status == MailStatus.QUEUED and busy.attempts == 1
            assert "451" in busy.last_error
            assert busy.next_attempt_at == now + RETRY_DELAYS[0]
            # Not due yet: nothing is tried.
            assert send_due(now=now + timedelta(seconds=30)).retry == 0
            assert send_due(now=now + timedelta(seconds=61)).retry == 1
            db.session.refresh(busy)
            assert busy.attempts == 2
            assert busy.next_attempt_at == now + timedelta(seconds=61) + RETRY_DELAYS[1]
    assert len(sink.sessions) == 2  # one SMTP session per pass, not one per mail
    assert [len(sink.to(a)) for a in ("a@example.com", "c@example.com")] == [1, 1]
    assert sink.to("busy@example.com") == []


def test_a_5xx_refusal_fails_at_once_and_the_pass_goes_on(app, manual, sink):
    sink.reject = {"gone@example.com"}
    with manual(MAIL_URL=sink.url):
        queue_mails(app, "gone@example.com", "ok@example.com")
        with app.app_context():
            result = send_due()
            assert (result.sent, result.retry, result.failed) == (1, 0, 1)
            failed = rows()[0]
            assert failed.status == MailStatus.FAILED and failed.attempts == 1
            assert "550" in failed.last_error
    assert len(sink.to("ok@example.com")) == 1


def test_after_the_last_attempt_the_mail_is_failed_shown_to_admins_and_retried(
    app, client, manual, sink, make_user
):
    make_user(username="chief", role=Role.ADMIN)
    make_user(username="plain")
    sink.refuse = {"busy@example.com"}
    with manual(MAIL_URL=sink.url, MAIL_MAX_ATTEMPTS=2):
        queue_mails(app, "busy@example.com")
        with app.app_context():
            assert send_due().retry == 1
            assert send_due(now=utcnow() + timedelta(minutes=2)).failed == 1
            (row,) = rows()
            assert row.status == MailStatus.FAILED and row.attempts == 2
            # Failed is final: later passes leave it alone.
            assert send_due(now=utcnow() + timedelta(days=1)).failed == 0

        login(client, "plain")
        assert client.get("/admin/mail").status_code == 403
        assert client.post(f"/admin/mail/{row.id}/retry").status_code == 403
        client.post("/auth/logout")
        login(client, "chief")
    with manual(MAIL_URL=sink.url, WTF_CSRF_ENABLED=True):
        page = client.get("/admin/mail").get_data(as_text=True)
        assert "busy@example.com" in page and "件名 busy@example.com" in page
        assert "451" in page and "配信失敗" in page
        assert client.post(f"/admin/mail/{row.id}/retry").status_code == 400  # no CSRF token
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            f"/admin/mail/{row.id}/retry", data={"csrf_token": token}, follow_redirects=True
        )
        assert "まもなく再送します" in response.get_data(as_text=True)
        with app.app_context():
            (row,) = rows()
            assert row.status == MailStatus.QUEUED and row.attempts == 0
            entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retry_mail"))
            assert entry.target_id == row.id and entry.before["status"] == "failed"
            sink.refuse = set()
            assert send_due().sent == 1
        assert len(sink.to("busy@example.com")) == 1
        # Sent: gone from the page, and a second retry changes nothing.
        assert "busy@example.com" not in client.get("/admin/mail").get_data(as_text=True)
        again = client.post(
            f"/admin/mail/{row.id}/retry", data={"csrf_token": token}, follow_redirects=True
        )
        assert "送信済みか送信中" in again.get_data(as_text=True)
        assert (
            client.post("/admin/mail/999999/retry", data={"csrf_token": token}).status_code == 404
        )
        with app.app_context():
            assert rows()[0].status == MailStatus.SENT


def test_mail_waiting_too_long_shows_on_the_admin_page(app, client, manual, make_user):
    make_user(username="chief", role=Role.ADMIN)
    queue_mails(app, "waiting@example.com", "fresh@example.com")
    with app.app_context():
        old = rows()[0]
        old.next_attempt_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    login(client, "chief")
    page = client.get("/admin/mail?page=1").get_data(as_text=True)
    assert "waiting@example.com" in page and "fresh@example.com" not in page


# --- concurrency ---------------------------------------------------------------------------


def test_two_workers_send_each_mail_exactly_once(app, manual, sink):
    sink.delay = 0.01  # each mail takes a moment, so that the workers overlap
    addresses = [f"r{i}@example.com" for i in range(24)]
    with manual(MAIL_URL=sink.url):
        queue_mails(app, *addresses)
        barrier = threading.Barrier(3)
        results, errors = [], []

        def work():
            try:
                with app.app_context():
                    barrier.wait()
                    results.append(send_due())
            except Exception as err:  # noqa: BLE001 - reported below
                errors.append(err)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == []
    assert sum(r.sent for r in results) == len(addresses)
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(ids) == len(set(ids)) == len(addresses)
    with app.app_context():
        assert {r.status for r in rows()} == {MailStatus.SENT}


# --- reminders and digests enqueue per recipient -------------------------------------------


def test_reminders_with_one_failing_recipient_send_the_rest_and_never_twice(
    app, manual, sink, make_user
):
    from community.office_hours import services as oh
    from tests.test_office_hours_pages import open_hours

    adviser = make_user(username="adv", role=Role.ADVISER, fields=["bridge"], prefecture="16")
    busy = make_user(username="busy", email="busy@example.com")
    fine = make_user(username="fine", email="fine@example.com")
    first = open_hours(app, adviser.id, requires_confirmation=False, buffer_minutes=0)
    with app.app_context():
        a = db.session.get(User, adviser.id)
        free = {slot.start for slot in oh.free_slots_for(a) if slot.start >= first}
        # Two sessions an hour apart, so that one reminder run covers both.
        start = min(s for s in free if s + timedelta(hours=1) in free)
        oh.book(db.session.get(User, busy.id), a, start, "相談")
        oh.book(db.session.get(User, fine.id), a, start + timedelta(hours=1), "相談")
        db.session.commit()
        db.session.execute(OutgoingMail.__table__.delete())  # the booking notices
        db.session.commit()
    run_at = start - timedelta(hours=20)
    sink.refuse = {"busy@example.com"}
    with manual(MAIL_URL=sink.url), app.app_context():
        # A run that crashes before its commit leaves neither claims nor mail.
        assert oh.send_reminders(now=run_at) == 2
        db.session.rollback()
        assert rows() == []
        assert oh.send_reminders(now=run_at) == 2
        db.session.commit()
        assert sorted(r.recipient for r in rows()) == [
            "adv@example.com",
            "adv@example.com",
            "busy@example.com",
            "fine@example.com",
        ]
        result = send_due(now=run_at)
        assert (result.sent, result.retry) == (3, 1)
        assert oh.send_reminders(now=run_at + timedelta(minutes=10)) == 0
        db.session.commit()
        sink.refuse = set()
        assert send_due(now=run_at + timedelta(minutes=5)).sent == 1
        assert send_due(now=run_at + timedelta(hours=3)).sent == 0
    assert len(sink.to("adv@example.com")) == 2
    assert len(sink.to("busy@example.com")) == 1 and len(sink.to("fine@example.com")) == 1


# --- commands, the development worker, and resending ---------------------------------------


def test_send_due_command(app, manual, sink):
    with manual(MAIL_URL=sink.url):
        queue_mails(app, "cli@example.com")
        output = app.test_cli_runner().invoke(args=["mail", "send-due"]).output
    assert "mail sent: 1, to retry: 0, failed: 0" in output
    assert len(sink.to("cli@example.com")) == 1


def test_mail_work_sends_and_stops_on_sigterm(db_url, app, manual, sink):
    queue_mails(app, "worker@example.com")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "MAIL_URL": sink.url,
        "KAKEHASHI_ENV": "test",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "work"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not sink.to("worker@example.com") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(sink.to("worker@example.com")) == 1
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "mail worker stopped" in output
    with app.app_context():
        assert rows()[0].status == MailStatus.SENT


def test_the_development_server_sends_mail_with_its_own_worker(db_url, app, sink, make_user):
    make_user(username="unconf", email="unconf@example.com", confirmed=False)
    dev = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        MAIL_URL=sink.url,
        MAIL_DELIVER_ON_COMMIT=False,
        MAIL_WORKER="thread",
        ENV_NAME="development",
        TESTING=False,
        MAIL_POLL_SECONDS=0.2,
    )
    client = dev.test_client()
    try:
        login(client, "unconf")
        response = client.post("/auth/confirm/resend", follow_redirects=True)
        # Queued, not yet sent: the page says so.
        assert "送信を受け付けました" in response.get_data(as_text=True)
        deadline = time.monotonic() + 10
        while not sink.to("unconf@example.com") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sink.to("unconf@example.com")) == 1
    finally:
        thread, stop = dev.extensions["mail_worker"]
        stop.set()
        dev.extensions["mail_wakeup"].set()
        thread.join(5)
    assert not thread.is_alive()


def test_resend_with_smtp_down_says_queued_and_keeps_the_mail(db_url, app, make_user, manual, sink):
    make_user(username="unconf", email="unconf@example.com", confirmed=False)
    down = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=db_url, MAIL_URL=f"smtp://127.0.0.1:{free_port()}"
    )
    client = down.test_client()
    login(client, "unconf")
    response = client.post("/auth/confirm/resend", follow_redirects=True)
    assert "送信を受け付けました" in response.get_data(as_text=True)
    with app.app_context():
        (row,) = rows()
        assert row.status == MailStatus.QUEUED and row.attempts == 1  # tried once, kept
        assert row.recipient == "unconf@example.com" and "Connection" in row.last_error
