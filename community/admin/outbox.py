"""Admin rules for the mail outbox: which mail needs attention, and sending it again."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from community import policy
from community.auth.models import User
from community.db import utcnow
from community.errors import Conflict, NotFound
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail
from community.moderation.audit_log import audit

# Due this long without being sent: no worker is running, or it cannot reach the database.
WAITING_TOO_LONG = timedelta(minutes=15)


def attention_query(now: datetime | None = None):
    """Mail an admin should see: failed, being retried, or due too long ago and not sent."""
    now = now or utcnow()
    late = now - WAITING_TOO_LONG
    return (
        select(OutgoingMail)
        .where(
            or_(
                OutgoingMail.status == MailStatus.FAILED,
                and_(
                    OutgoingMail.status == MailStatus.QUEUED,
                    or_(OutgoingMail.attempts > 0, OutgoingMail.next_attempt_at < late),
                ),
                and_(OutgoingMail.status == MailStatus.SENDING, OutgoingMail.claimed_at < late),
            )
        )
        .order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    )


def retry(actor: User, mail_id: int, now: datetime | None = None) -> OutgoingMail:
    """Queue a failed or waiting mail to be sent at the worker's next pass (audited)."""
    policy.require_admin(actor)
    now = now or utcnow()
    row = db.session.get(OutgoingMail, mail_id)
    if row is None:
        raise NotFound(_("That mail is not in the outbox."))
    before = {"status": row.status.value, "attempts": row.attempts}
    # A failed mail gets its full number of attempts again; a waiting one is only brought
    # forward. Conditional, so that a mail a worker is sending right now is not touched.
    values = {"status": MailStatus.QUEUED, "next_attempt_at": now}
    if row.status == MailStatus.FAILED:
        values["attempts"] = 0
    changed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == row.id,
            OutgoingMail.status.in_([MailStatus.FAILED, MailStatus.QUEUED]),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Conflict(_("This mail has been sent or is being sent; there is nothing to retry."))
    db.session.refresh(row)
    audit(
        actor,
        "retry_mail",
        "mail",
        row.id,
        before=before,
        after={"status": row.status.value, "attempts": row.attempts},
    )
    return row
