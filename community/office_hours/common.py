"""Small helpers the office-hour service modules share: field errors and booking bookkeeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from community.auth.models import User
from community.db import savepoint, utcnow
from community.errors import Conflict, NotFound
from community.extensions import db
from community.office_hours.models import Booking


class BookingChanged(Conflict):
    """Another request changed the booking after this one read it; nothing of this one applies."""

    code = "booking_changed"


def booking_changed() -> BookingChanged:
    """The error for a booking that another request changed first."""
    return BookingChanged(
        _("This booking was changed by another action. Please check it and try again.")
    )


def require_party(user: User, booking: Booking) -> None:
    """Only the member who booked and the adviser see a booking; anyone else finds nothing."""
    if user.id not in (booking.adviser_id, booking.member_id):
        raise NotFound(_("Not found."))


def touch(booking: Booking) -> None:
    """A change the calendars must pick up: the next SEQUENCE and a new update time."""
    booking.sequence += 1
    booking.updated_at = utcnow()


def check_version(booking: Booking, seen: int | None) -> None:
    """Refuse a change sent from a page that showed an older state of the booking (if it says)."""
    if seen is not None and seen != booking.version:
        raise booking_changed()


@contextmanager
def saving_change() -> Iterator[None]:
    """Change a booking in the block; it is written at the block's end, so that losing a race
    is a domain error raised here (BookingChanged).

    The UPDATE carries the version this request read (Booking's version_id_col). If another
    request changed the booking meanwhile, no row matches: on PostgreSQL the UPDATE waits for the
    winner's row lock and then finds the new version; on SQLite it waits for the write lock. The
    block runs in a savepoint: the loser's change is undone whole (no SEQUENCE bumped, no event
    sent after it), the request's earlier work stays, and the request edge decides the rest.
    Other errors of the write (a unique index) undo the change too and go on to the caller.
    """
    try:
        with savepoint(db.session):
            yield
            db.session.flush()
    except StaleDataError as exc:
        raise booking_changed() from exc
