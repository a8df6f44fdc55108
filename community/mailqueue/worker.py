"""The mail worker: claims due outbox rows one at a time, sends them, records the outcome.

Exactly once between workers: on PostgreSQL a row is claimed with `SELECT … FOR UPDATE SKIP
LOCKED` and stays locked while it is sent; the outcome is written and committed in that same
transaction, so a second worker skips it and later sees it sent. On SQLite (writers are
serialised) one UPDATE marks the row `sending` before it is sent; a row left `sending` by a
crashed worker is taken again after CLAIM_LEASE. In both cases a crash between the SMTP
server's "250 OK" and the commit re-sends that one mail (with the same Message-ID), never more.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlparse

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from community.db import utcnow
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail

# Wait after the 1st, 2nd, … failed attempt; after MAIL_MAX_ATTEMPTS the mail is failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
CLAIM_LEASE = timedelta(minutes=10)  # SQLite: a `sending` row older than this was abandoned
ERROR_LENGTH = 1000


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


@dataclass
class PassResult:
    sent: int = 0
    retry: int = 0  # attempts that failed and will be made again later
    failed: int = 0


class Transport:
    """One SMTP session for a whole pass, opened at the first mail (or the log without MAIL_URL)."""

    def __init__(self, url: str | None, timeout: float, logger: logging.Logger):
        self.url = url
        self.timeout = timeout
        self.logger = logger
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if not self.url:
            self.logger.info(
                "mail (MAIL_URL unset, not sent)\nTo: %s\nSubject: %s\n\n%s",
                msg["To"],
                msg["Subject"],
                msg.get_content(),
            )
            return
        if self.smtp is None:
            parsed = urlparse(self.url)
            smtp = smtplib.SMTP(
                parsed.hostname or "localhost", parsed.port or 25, timeout=self.timeout
            )
            try:
                if parsed.scheme == "smtp+starttls":
                    smtp.starttls()
                if parsed.username:
                    smtp.login(parsed.username, parsed.password or "")
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(msg)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def to_message(row: OutgoingMail) -> EmailMessage:
    """The mail as queued (headers were made one line when it was queued)."""
    msg = EmailMessage()
    msg["From"] = row.sender
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = row.message_id
    msg.set_content(row.body)
    return msg


def _refusal_code(err: smtplib.SMTPException) -> int | None:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in err.recipients.values()]
        return min(codes) if codes else None
    return getattr(err, "smtp_code", None)


def _attempt(row: OutgoingMail, transport: Transport, now: datetime, max_attempts: int) -> str:
    """Send one claimed row and write its outcome: 'sent', 'retry', 'failed' (+ ':down')."""
    row.attempts += 1
    row.claimed_at = None
    try:
        transport.send(to_message(row))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as err:
        if isinstance(err, smtplib.SMTPConnectError):
            transport.close()
            return _failure(row, err, now, max_attempts, permanent=False) + ":down"
        code = _refusal_code(err)
        # 5xx is the server's final word on this mail; 4xx (e.g. 451) is worth another try.
        return _failure(row, err, now, max_attempts, permanent=bool(code and code >= 500))
    except smtplib.SMTPNotSupportedError as err:
        # e.g. a non-ASCII address and a server without SMTPUTF8: no retry will change that.
        return _failure(row, err, now, max_attempts, permanent=True)
    except (OSError, smtplib.SMTPException) as err:
        # Refused, timed out or disconnected: the server, not this mail. End the pass.
        transport.close()
        return _failure(row, err, now, max_attempts, permanent=False) + ":down"
    except Exception as err:  # noqa: BLE001 - e.g. a mail that cannot be encoded
        # It would fail the same way every pass: mark it failed rather than retry it forever.
        current_app.logger.exception("mail %s could not be sent", row.id)
        transport.close()
        return _failure(row, err, now, max_attempts, permanent=True)
    row.status = MailStatus.SENT
    row.sent_at = utcnow()
    row.last_error = None
    return "sent"


def _failure(row, err, now: datetime, max_attempts: int, permanent: bool) -> str:
    row.last_error = f"{type(err).__name__}: {err}"[:ERROR_LENGTH]
    if permanent or row.attempts >= max_attempts:
        row.status = MailStatus.FAILED
        outcome = "failed"
    else:
        row.status = MailStatus.QUEUED
        row.next_attempt_at = now + retry_delay(row.attempts)
        outcome = "retry"
    current_app.logger.warning(
        "mail %s to %s: attempt %d %s (%s)",
        row.id,
        row.recipient,
        row.attempts,
        outcome,
        row.last_error.splitlines()[0] if row.last_error else "",
    )
    return outcome


def _claim_postgresql(session: Session, now: datetime) -> OutgoingMail | None:
    return session.scalar(
        select(OutgoingMail)
        .where(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def _claim_sqlite(session: Session, now: datetime) -> OutgoingMail | None:
    due = or_(
        and_(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.next_attempt_at <= now),
        and_(
            OutgoingMail.status == MailStatus.SENDING, OutgoingMail.claimed_at < now - CLAIM_LEASE
        ),
    )
    first = (
        select(OutgoingMail.id)
        .where(due)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(1)
        .scalar_subquery()
    )
    claimed = session.scalar(
        update(OutgoingMail)
        .where(OutgoingMail.id == first, due)
        .values(status=MailStatus.SENDING, claimed_at=now)
        .returning(OutgoingMail.id)
    )
    session.commit()  # the claim is visible to other workers before the slow part
    if claimed is None:
        return None
    return session.get(OutgoingMail, claimed, populate_existing=True)


def send_due(now: datetime | None = None, stop: threading.Event | None = None) -> PassResult:
    """One pass: send every mail that is due, one SMTP session for all; stop early on `stop`."""
    config = current_app.config
    now = now or utcnow()
    claim = _claim_postgresql if db.engine.dialect.name == "postgresql" else _claim_sqlite
    transport = Transport(
        config.get("MAIL_URL"), config.get("MAIL_SMTP_TIMEOUT", 10), current_app.logger
    )
    result = PassResult()
    try:
        with Session(db.engine, expire_on_commit=False) as session:
            while stop is None or not stop.is_set():
                row = claim(session, now)
                if row is None:
                    session.rollback()
                    break
                outcome = _attempt(row, transport, now, config.get("MAIL_MAX_ATTEMPTS", 6))
                session.commit()  # PostgreSQL: this also releases the row lock
                kind = outcome.partition(":")[0]
                setattr(result, kind, getattr(result, kind) + 1)
                if outcome.endswith(":down"):
                    break  # the rest waits for the next pass instead of each timing out now
    finally:
        transport.close()
    return result


def run(app: Flask, stop: threading.Event, poll: float | None = None) -> None:
    """Send due mail until `stop` is set (the current mail is finished first)."""
    poll = poll if poll is not None else app.config.get("MAIL_POLL_SECONDS", 1.0)
    wakeup = wakeup_event(app)
    while not stop.is_set():
        try:
            with app.app_context():
                send_due(stop=stop)
        except Exception as err:  # noqa: BLE001 - a database outage must not end the worker
            app.logger.warning("mail worker pass failed: %s: %s", type(err).__name__, err)
        wakeup.wait(poll)
        wakeup.clear()


# --- in-process worker (development) ---------------------------------------------------------

_lock = threading.Lock()


def wakeup_event(app: Flask) -> threading.Event:
    """Set to end a worker's wait before its next pass (new mail, or time to stop)."""
    return app.extensions.setdefault("mail_wakeup", threading.Event())


def ensure_started(app: Flask) -> None:
    """Start the in-process worker once, if this app runs one (MAIL_WORKER=thread)."""
    if app.config.get("MAIL_WORKER") != "thread" or app.testing:
        return
    with _lock:
        if "mail_worker" not in app.extensions:
            stop = threading.Event()
            thread = threading.Thread(target=run, args=(app, stop), name="mail-worker", daemon=True)
            app.extensions["mail_worker"] = (thread, stop)
            thread.start()


def wake(app: Flask) -> None:
    """Have the in-process worker (if any) look at the outbox now rather than at its next poll."""
    ensure_started(app)
    if "mail_worker" in app.extensions:
        wakeup_event(app).set()
