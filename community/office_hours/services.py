"""Office-hour rules: booking, moving and cancelling, with the per-adviser concurrency guard.

Also the one import for every other office-hour rule, which lives in the sibling modules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community import signals
from community.auth.models import Role, User
from community.auth.services import ensure_can_post
from community.db import savepoint, utcnow
from community.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.office_hours.advisers import adviser_rows, questions_to_link
from community.office_hours.availability import (
    add_exception,
    add_rule,
    delete_availability,
    free_slots_for,
    free_slots_for_many,
    require_adviser,
    settings_for,
    update_settings,
)
from community.office_hours.common import (
    BookingChanged,
    check_version,
    require_party,
    saving_change,
    touch,
)
from community.office_hours.lifecycle import (
    answer_from_note,
    bookings_for,
    decide,
    get_booking,
    mark,
    rate,
    save_note,
)
from community.office_hours.models import (
    ACTIVE_STATUSES,
    AGENDA_MAX,
    AdviserSettings,
    Booking,
    BookingStatus,
    Mode,
)
from community.office_hours.notices import summary
from community.office_hours.reminders import (
    feed_bookings,
    feed_token,
    send_reminders,
    user_for_feed,
)
from community.questions.models import Question

# Re-exported so that `from community.office_hours import services` stays the one import for
# routes, the CLI, seeds and tests. `book` and `reschedule` stay in this module because they look
# up `free_slots_for_many` here at call time, which is what tests patch to simulate a lost race.
__all__ = [
    "AGENDA_MAX",
    "BookingChanged",
    "SlotTaken",
    "add_exception",
    "add_rule",
    "adviser_rows",
    "answer_from_note",
    "book",
    "bookings_for",
    "cancel",
    "check_version",
    "decide",
    "delete_availability",
    "feed_bookings",
    "feed_token",
    "free_slots_for",
    "free_slots_for_many",
    "get_booking",
    "mark",
    "rate",
    "require_adviser",
    "needs_reconfirmation",
    "questions_to_link",
    "reschedule",
    "save_note",
    "send_reminders",
    "summary",
    "settings_for",
    "update_settings",
    "user_for_feed",
]


class SlotTaken(Conflict):
    code = "slot_taken"


# --- booking ----------------------------------------------------------------------------------


def _lock_adviser(adviser_id: int) -> AdviserSettings | None:
    """Serialise bookings per adviser on PostgreSQL (SQLite writes are serialised anyway)."""
    return db.session.scalar(
        select(AdviserSettings).where(AdviserSettings.user_id == adviser_id).with_for_update()
    )


def book(
    member: User,
    adviser: User,
    starts_at: datetime,
    agenda: str,
    question_id: int | None = None,
    mode: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book one free slot; refuses anything the adviser's rules do not allow."""
    ensure_can_post(member)
    now = now or utcnow()
    if adviser.role != Role.ADVISER or adviser.is_deleted:
        raise NotFound(_("Not found."))
    if member.id == adviser.id:
        raise PermissionDenied(_("You cannot book your own office hours."))
    agenda = (agenda or "").strip()
    if not agenda:
        raise ValidationFailed.for_field("agenda", _("Say what you would like to discuss."))
    if len(agenda) > AGENDA_MAX:
        raise ValidationFailed.for_field("agenda", _("Use at most %(n)d characters.", n=AGENDA_MAX))
    settings = _lock_adviser(adviser.id)
    if settings is None or settings.paused:
        raise InvalidTransition(_("This adviser is not taking bookings at the moment."))
    if question_id:
        question = db.session.get(Question, question_id)
        if question is None or question.author_id != member.id:
            raise ValidationFailed.for_field("question_id", _("Choose one of your own questions."))
    active = db.session.scalar(
        select(db.func.count()).where(
            Booking.adviser_id == adviser.id,
            Booking.member_id == member.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.ends_at > now,
        )
    )
    if active >= settings.max_active_per_member:
        raise InvalidTransition(
            _("You already have %(n)d upcoming bookings with this adviser.", n=active)
        )
    slot = next(
        (s for s in free_slots_for_many([adviser.id], now)[adviser.id] if s.start == starts_at),
        None,
    )
    if slot is None:
        raise SlotTaken(_("That time is no longer free. Please choose another slot."))
    status = BookingStatus.REQUESTED if settings.requires_confirmation else BookingStatus.CONFIRMED
    booking = Booking(
        adviser_id=adviser.id,
        member_id=member.id,
        question_id=question_id or None,
        starts_at=slot.start,
        ends_at=slot.end,
        mode=Mode(mode if mode in settings.modes else slot.mode),
        agenda=agenda,
        status=status,
    )
    try:
        with savepoint(db.session):
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as exc:  # another request took the slot between our check and insert
        raise SlotTaken(_("That time is no longer free. Please choose another slot.")) from exc
    signals.booking_changed.send(booking, actor=member, change="booked")
    return booking


def cancel(user: User, booking: Booking, reason: str, now: datetime | None = None) -> Booking:
    """Either side cancels, with a reason, until the cutoff before the start."""
    require_party(user, booking)
    now = now or utcnow()
    if not booking.is_active:
        raise InvalidTransition(_("This booking is not active."))
    cutoff = booking.starts_at - timedelta(hours=current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"])
    if now > cutoff:
        raise InvalidTransition(
            _("It is too late to cancel online; please contact the other person.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", _("Please give a reason."))
    with saving_change():
        booking.status = BookingStatus.CANCELLED
        booking.cancel_reason = reason[:500]
        booking.cancelled_by_id = user.id
        touch(booking)
    signals.booking_changed.send(booking, actor=user, change="cancelled")
    return booking


def needs_reconfirmation(user: User, booking: Booking, settings: AdviserSettings | None) -> bool:
    """Whether moving `booking` as `user` sends it back to 承認待ち (requested).

    As Cal.com does: a member's move of a confirmed booking with an adviser who confirms each
    request asks the adviser again; an adviser's own move keeps it confirmed.
    """
    return (
        user.id == booking.member_id
        and booking.status == BookingStatus.CONFIRMED
        and settings is not None
        and settings.requires_confirmation
    )


def reschedule(
    user: User, booking: Booking, new_start: datetime, now: datetime | None = None
) -> Booking:
    """Move a booking to another free slot in one step (same booking, same calendar UID).

    Either side may move it; see `needs_reconfirmation` for the status it ends in. The other
    side is told (notices.py)."""
    if user.id not in (booking.member_id, booking.adviser_id):
        raise PermissionDenied(_("Only the member who booked or the adviser can move it."))
    now = now or utcnow()
    if not booking.is_active:
        raise InvalidTransition(_("This booking is not active."))
    cutoff = booking.starts_at - timedelta(hours=current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"])
    if now > cutoff:
        raise InvalidTransition(_("It is too late to move this booking online."))
    settings = _lock_adviser(booking.adviser_id)
    slot = next(
        (
            s
            for s in free_slots_for_many([booking.adviser_id], now, ignore_booking_id=booking.id)[
                booking.adviser_id
            ]
            if s.start == new_start
        ),
        None,
    )
    if slot is None:
        raise SlotTaken(_("That time is no longer free. Please choose another slot."))
    reconfirm = needs_reconfirmation(user, booking, settings)
    try:
        with saving_change():
            if reconfirm:
                booking.status = BookingStatus.REQUESTED
            booking.starts_at, booking.ends_at = slot.start, slot.end
            booking.reminder_sent_at = None
            touch(booking)
    except IntegrityError as exc:  # another request took the slot between our check and write
        raise SlotTaken(_("That time is no longer free. Please choose another slot.")) from exc
    signals.booking_changed.send(booking, actor=user, change="moved")
    return booking
