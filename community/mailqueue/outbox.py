"""Writing mail into the outbox, and what happens when the writing transaction commits."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event, func, or_, select

from community.db import utcnow
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail

_QUEUED = "mail_queued"  # session.info flag: this transaction added outbox rows


def enqueue(msg: EmailMessage) -> OutgoingMail:
    """Add one mail to the current transaction's outbox (sent only if the transaction commits)."""
    row = OutgoingMail(
        sender=str(msg["From"]),
        recipient=str(msg["To"]),
        subject=str(msg["Subject"]),
        body=msg.get_content(),
        message_id=str(msg["Message-ID"]),
        status=MailStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.info[_QUEUED] = True
    return row


def queue_depth() -> int:
    """Mail waiting to be sent (queued or being sent), for health checks and metrics."""
    return db.session.scalar(
        select(func.count())
        .select_from(OutgoingMail)
        .where(
            or_(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.status == MailStatus.SENDING)
        )
    )


@event.listens_for(AppSession, "after_commit")
def _delivered_after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed yet
    # Only the app's own sessions: the worker commits on a plain Session, so no recursion.
    if not session.info.pop(_QUEUED, False) or not has_app_context():
        return
    from community.mailqueue import worker

    app = current_app._get_current_object()
    if app.config.get("MAIL_DELIVER_ON_COMMIT"):
        # Tests read the mailbox right after a request or a service call: one pass, now.
        try:
            worker.send_due()
        except Exception:  # the commit has happened; what failed is only the sending
            app.logger.exception("mail pass after commit failed")
    else:
        worker.wake(app)


@event.listens_for(AppSession, "after_rollback")
def _nothing_queued(session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the earlier mail
        session.info.pop(_QUEUED, None)
