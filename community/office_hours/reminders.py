"""The reminder run and personal calendar feeds (notices.py says who is told what)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from community.auth.models import User
from community.db import utcnow
from community.extensions import db
from community.office_hours import notices
from community.office_hours.models import AdviserSettings, Booking, BookingStatus, CalendarFeed

# --- reminders --------------------------------------------------------------------------------


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
            notices.notify(booking, "reminder")
            sent += 1
    db.session.flush()
    return sent


# --- calendar feed ----------------------------------------------------------------------------


def feed_token(user: User, rotate: bool = False) -> str:
    """The user's calendar-feed token, made on first use; `rotate` replaces it."""
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
    """Whose calendar feed the token opens, or None."""
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    return db.session.get(User, row.user_id) if row else None


def feed_bookings(user: User) -> list[tuple[Booking, str]]:
    """Every booking of the user's (as member or adviser) with its adviser's meeting link."""
    rows = list(
        db.session.scalars(
            select(Booking)
            .where((Booking.member_id == user.id) | (Booking.adviser_id == user.id))
            .options(joinedload(Booking.adviser), joinedload(Booking.member))
        )
    )
    meeting = {s.user_id: s.meeting_url for s in db.session.scalars(select(AdviserSettings))}
    return [(b, meeting.get(b.adviser_id, "")) for b in rows]
