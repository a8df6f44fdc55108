"""Reading bookings and what follows one: confirm or decline, done or no-show, rating, notes."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community import policy, signals
from community.auth.models import User
from community.db import utcnow
from community.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.office_hours.common import require_party, saving_change, touch
from community.office_hours.models import ACTIVE_STATUSES, Booking, BookingStatus
from community.questions import services as questions


def get_booking(user, booking_id: int) -> Booking:
    """A booking the user is a party to, or NotFound."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not policy.is_signed_in(user):
        raise NotFound(_("Not found."))
    require_party(user, booking)
    return booking


def decide(adviser: User, booking: Booking, confirm: bool) -> Booking:
    """The adviser confirms or declines a requested booking; the member is told."""
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser can confirm or decline."))
    if booking.status != BookingStatus.REQUESTED:
        raise InvalidTransition(_("This booking is not waiting for a decision."))
    with saving_change():
        booking.status = BookingStatus.CONFIRMED if confirm else BookingStatus.DECLINED
        touch(booking)
    change = "confirmed" if confirm else "declined"
    signals.booking_changed.send(booking, actor=adviser, change=change)
    return booking


def mark(
    adviser: User, booking: Booking, status: BookingStatus, now: datetime | None = None
) -> Booking:
    """After the start, the adviser marks the session done or a no-show."""
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser can do that."))
    if status not in (BookingStatus.DONE, BookingStatus.NO_SHOW):
        raise ValidationFailed(_("Unknown choice."))
    if booking.status != BookingStatus.CONFIRMED or (now or utcnow()) < booking.starts_at:
        raise InvalidTransition(_("Only a confirmed session that has started can be marked."))
    with saving_change():
        booking.status = status
        touch(booking)
    return booking


def rate(member: User, booking: Booking, stars: int, comment: str = "") -> Booking:
    """The member rates a done session (1–5): the satisfaction figure of accompanying support."""
    if member.id != booking.member_id:
        raise PermissionDenied(_("Only the member who booked can rate the session."))
    if booking.status != BookingStatus.DONE:
        raise InvalidTransition(_("Sessions can be rated once they are done."))
    if stars not in range(1, 6):
        raise ValidationFailed.for_field("rating", _("Choose from 1 to 5."))
    with saving_change():
        booking.rating = stars
        booking.rating_comment = (comment or "").strip()[:1000]
    return booking


def save_note(adviser: User, booking: Booking, note: str) -> Booking:
    """The adviser's private note on the session (kept for answering from it later)."""
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser keeps notes here."))
    with saving_change():
        booking.adviser_note = (note or "").strip()[:20_000]
    return booking


def answer_from_note(adviser: User, booking: Booking, body: str):
    """Turn the advice into an answer on the linked question (others can learn from it)."""
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser can do that."))
    if booking.question_id is None:
        raise InvalidTransition(_("This booking has no linked question."))
    question = questions.get_visible(adviser, booking.question_id)
    return questions.answer(adviser, question, body)


def bookings_for(user: User, now: datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    """(upcoming, past) bookings where the user is the member or the adviser."""
    now = now or utcnow()
    rows = list(
        db.session.scalars(
            select(Booking)
            .where((Booking.member_id == user.id) | (Booking.adviser_id == user.id))
            .options(joinedload(Booking.adviser), joinedload(Booking.member))
            .order_by(Booking.starts_at)
        )
    )
    upcoming = [b for b in rows if b.ends_at >= now and b.status in ACTIVE_STATUSES]
    past = [b for b in rows if b not in upcoming]
    past.reverse()
    return upcoming, past
