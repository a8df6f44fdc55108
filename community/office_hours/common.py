"""Small helpers the office-hour service modules share: field errors and booking bookkeeping."""

from __future__ import annotations

from flask_babel import gettext as _

from community.auth.models import User
from community.db import utcnow
from community.errors import NotFound, ValidationFailed
from community.office_hours.models import Booking


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {name: [message]})


def _require_party(user: User, booking: Booking) -> None:
    if user.id not in (booking.adviser_id, booking.member_id):
        raise NotFound(_("Not found."))


def _touch(booking: Booking) -> None:
    booking.sequence += 1
    booking.updated_at = utcnow()
