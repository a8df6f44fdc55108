"""Booking notices (in-app and mail), the reminder run, and personal calendar-feed tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from community import mail
from community.auth.models import User
from community.auth.services import absolute_url
from community.db import utcnow
from community.extensions import db
from community.office_hours.models import Booking, BookingStatus, CalendarFeed
from community.office_hours.slots import TOKYO

# --- mail and reminders -----------------------------------------------------------------------

SUBJECTS = {
    "booked": lambda: _("New office-hour booking"),
    "confirmed": lambda: _("Your office-hour booking is confirmed"),
    "declined": lambda: _("Your office-hour request was declined"),
    "cancelled": lambda: _("An office-hour booking was cancelled"),
    "moved": lambda: _("An office-hour booking was moved"),
    "reminder": lambda: _("Reminder: office hour tomorrow"),
}


def _notify(booking: Booking, event: str) -> None:
    """Mail both sides (the adviser for new requests, the member for decisions)."""
    url = absolute_url("office_hours.booking", booking_id=booking.id)
    adviser = db.session.get(User, booking.adviser_id)
    member = db.session.get(User, booking.member_id)
    recipients = {
        "booked": [adviser, member],
        "confirmed": [member],
        "declined": [member],
        "cancelled": [adviser, member],
        "moved": [adviser, member],
        "reminder": [adviser, member],
    }[event]
    from community.notifications import services as notes
    from community.notifications.models import Kind

    path = url.removeprefix(current_app.config["BASE_URL"])
    notes.notify(
        [p.id for p in recipients if p is not None], Kind.BOOKING, text=SUBJECTS[event](), url=path
    )
    for person in recipients:
        if person is not None and not person.is_deleted:
            mail.queue(
                person.email,
                SUBJECTS[event](),
                "booking",
                event=event,
                booking=booking,
                url=url,
                adviser=adviser,
                member=member,
                start=booking.starts_at.astimezone(TOKYO),
            )


def send_reminders(now: datetime | None = None) -> int:
    """Mail a reminder for sessions starting within 24 hours; each booking only once."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Booking).where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.reminder_sent_at.is_(None),
                Booking.starts_at > now,
                Booking.starts_at <= now + timedelta(hours=24),
            )
        )
    )
    sent = 0
    for booking in due:
        # Claim the booking first: a second cron run at the same moment claims nothing.
        claimed = db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
        ).rowcount
        if claimed:
            _notify(booking, "reminder")
            sent += 1
    db.session.flush()
    return sent


# --- calendar feed ----------------------------------------------------------------------------


def feed_token(user: User, rotate: bool = False) -> str:
    row = db.session.get(CalendarFeed, user.id)
    if row is None:
        row = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))
        db.session.add(row)
    elif rotate:
        row.token = secrets.token_urlsafe(24)
        row.created_at = utcnow()
    db.session.flush()
    return row.token


def user_for_feed(token: str) -> User | None:
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    return db.session.get(User, row.user_id) if row else None
