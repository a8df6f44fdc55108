"""Office-hour rules: settings, free slots, booking, confirming, cancelling, rating, reminders."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from community import mail, markdown
from community.auth.models import Role, User
from community.auth.services import absolute_url, ensure_can_post
from community.db import utcnow
from community.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.office_hours.models import (
    ACTIVE_STATUSES,
    AdviserSettings,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    CalendarFeed,
    Mode,
)
from community.office_hours.slots import TOKYO, Off, Policy, Slot, Window, free_slots

AGENDA_MAX = 2000


class SlotTaken(Conflict):
    code = "slot_taken"


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {name: [message]})


# --- advisers ---------------------------------------------------------------------------------


def settings_for(adviser: User) -> AdviserSettings:
    """The adviser's settings row, created with defaults on first use."""
    row = db.session.get(AdviserSettings, adviser.id)
    if row is None:
        row = AdviserSettings(user_id=adviser.id, modes=[Mode.ONLINE.value])
        db.session.add(row)
        db.session.flush()
    return row


def require_adviser(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.ADVISER:
        raise PermissionDenied(_("Only advisers offer office hours."))


def update_settings(adviser: User, data: dict) -> AdviserSettings:
    require_adviser(adviser)
    s = settings_for(adviser)
    s.affiliation = (data.get("affiliation") or "").strip()[:200]
    intro = (data.get("intro") or "").strip()
    if len(intro) > 4000:
        raise _field("intro", _("Use at most %(n)d characters.", n=4000))
    s.intro_md, s.intro_html = intro, markdown.render(intro)
    s.regions = sorted(set(data.get("regions") or []))
    modes = [m for m in data.get("modes") or [] if m in {x.value for x in Mode}]
    if not modes:
        raise _field("modes", _("Choose at least one way to meet."))
    s.modes = modes
    url = (data.get("meeting_url") or "").strip()
    if url and not url.startswith("https://"):
        raise _field("meeting_url", _("A meeting link starts with https://."))
    s.meeting_url = url
    for name, low, high in (
        ("buffer_minutes", 0, 120),
        ("min_notice_hours", 0, 720),
        ("max_days_ahead", 1, 180),
        ("max_active_per_member", 1, 10),
    ):
        value = data.get(name)
        if not isinstance(value, int) or not low <= value <= high:
            raise _field(name, _("Enter a number from %(low)d to %(high)d.", low=low, high=high))
        setattr(s, name, value)
    s.requires_confirmation = bool(data.get("requires_confirmation"))
    s.paused = bool(data.get("paused"))
    db.session.flush()
    return s


def add_rule(
    adviser: User, weekday: int, start, end, slot_minutes: int, mode: str
) -> AvailabilityRule:
    require_adviser(adviser)
    if weekday not in range(7):
        raise _field("weekday", _("Unknown choice."))
    if not (start and end and end > start):
        raise _field("end_time", _("The end must be after the start."))
    if not 15 <= (slot_minutes or 0) <= 120:
        raise _field(
            "slot_minutes", _("Enter a number from %(low)d to %(high)d.", low=15, high=120)
        )
    if mode not in {m.value for m in Mode}:
        raise _field("mode", _("Unknown choice."))
    rule = AvailabilityRule(
        adviser_id=adviser.id,
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        mode=Mode(mode),
    )
    db.session.add(rule)
    db.session.flush()
    return rule


def add_exception(
    adviser: User,
    day: date,
    kind: str,
    start=None,
    end=None,
    slot_minutes: int = 60,
    mode: str = "online",
) -> AvailabilityException:
    require_adviser(adviser)
    if kind not in ("off", "extra"):
        raise _field("kind", _("Unknown choice."))
    if day is None:
        raise _field("day", _("Enter a date."))
    if (start is None) != (end is None) or (start and end and end <= start):
        raise _field("end_time", _("The end must be after the start."))
    if kind == "extra" and start is None:
        raise _field("start_time", _("Extra hours need a start and an end."))
    if not 15 <= (slot_minutes or 0) <= 120:
        raise _field(
            "slot_minutes", _("Enter a number from %(low)d to %(high)d.", low=15, high=120)
        )
    row = AvailabilityException(
        adviser_id=adviser.id,
        day=day,
        kind=kind,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        mode=Mode(mode if mode in {m.value for m in Mode} else "online"),
    )
    db.session.add(row)
    db.session.flush()
    return row


def delete_availability(adviser: User, model, row_id: int) -> None:
    require_adviser(adviser)
    row = db.session.get(model, row_id)
    if row is None or row.adviser_id != adviser.id:
        raise NotFound(_("Not found."))
    db.session.delete(row)
    db.session.flush()


# --- slots ------------------------------------------------------------------------------------


def _windows(rules, exceptions):
    rule_windows = [
        Window(r.start_time, r.end_time, r.slot_minutes, r.mode.value, weekday=r.weekday)
        for r in rules
    ]
    extras = [
        Window(x.start_time, x.end_time, x.slot_minutes, x.mode.value, day=x.day)
        for x in exceptions
        if x.kind == "extra"
    ]
    offs = [Off(x.day, x.start_time, x.end_time) for x in exceptions if x.kind == "off"]
    return rule_windows, extras, offs


def free_slots_for_many(
    adviser_ids: list[int],
    now: datetime,
    days: int | None = None,
    ignore_booking_id: int | None = None,
) -> dict[int, list[Slot]]:
    """Free slots per adviser, loading rules, exceptions and bookings in four queries in all.

    `ignore_booking_id` leaves one booking out of the busy times: the one being moved.
    """
    if not adviser_ids:
        return {}
    settings = {
        s.user_id: s
        for s in db.session.scalars(
            select(AdviserSettings).where(AdviserSettings.user_id.in_(adviser_ids))
        )
    }
    rules = list(
        db.session.scalars(
            select(AvailabilityRule).where(AvailabilityRule.adviser_id.in_(adviser_ids))
        )
    )
    exceptions = list(
        db.session.scalars(
            select(AvailabilityException).where(AvailabilityException.adviser_id.in_(adviser_ids))
        )
    )
    busy = db.session.execute(
        select(Booking.adviser_id, Booking.starts_at, Booking.ends_at).where(
            Booking.adviser_id.in_(adviser_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.ends_at > now - timedelta(days=1),
            Booking.id != (ignore_booking_id or -1),
        )
    ).all()
    out = {}
    for aid in adviser_ids:
        s = settings.get(aid)
        if s is None or s.paused:
            out[aid] = []
            continue
        r, x, o = _windows(
            [v for v in rules if v.adviser_id == aid],
            [v for v in exceptions if v.adviser_id == aid],
        )
        policy = Policy(s.buffer_minutes, s.min_notice_hours, s.max_days_ahead)
        last = (now + timedelta(days=days)).astimezone(TOKYO).date() if days else None
        out[aid] = free_slots(
            r,
            x,
            o,
            [(b.starts_at, b.ends_at) for b in busy if b.adviser_id == aid],
            policy,
            now,
            last_day=last,
        )
    return out


def free_slots_for(
    adviser: User, now: datetime | None = None, days: int | None = None
) -> list[Slot]:
    return free_slots_for_many([adviser.id], now or utcnow(), days)[adviser.id]


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
        raise _field("agenda", _("Say what you would like to discuss."))
    if len(agenda) > AGENDA_MAX:
        raise _field("agenda", _("Use at most %(n)d characters.", n=AGENDA_MAX))
    settings = _lock_adviser(adviser.id)
    if settings is None or settings.paused:
        raise InvalidTransition(_("This adviser is not taking bookings at the moment."))
    if question_id:
        from community.questions.models import Question

        question = db.session.get(Question, question_id)
        if question is None or question.author_id != member.id:
            raise _field("question_id", _("Choose one of your own questions."))
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
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another request took the slot between our check and insert
        db.session.rollback()
        raise SlotTaken(_("That time is no longer free. Please choose another slot.")) from exc
    _notify(booking, "booked")
    return booking


def _require_party(user: User, booking: Booking) -> None:
    if user.id not in (booking.adviser_id, booking.member_id):
        raise NotFound(_("Not found."))


def get_booking(user, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not getattr(user, "is_authenticated", False):
        raise NotFound(_("Not found."))
    _require_party(user, booking)
    return booking


def _touch(booking: Booking) -> None:
    booking.sequence += 1
    booking.updated_at = utcnow()


def decide(adviser: User, booking: Booking, confirm: bool) -> Booking:
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser can confirm or decline."))
    if booking.status != BookingStatus.REQUESTED:
        raise InvalidTransition(_("This booking is not waiting for a decision."))
    booking.status = BookingStatus.CONFIRMED if confirm else BookingStatus.DECLINED
    _touch(booking)
    db.session.flush()
    _notify(booking, "confirmed" if confirm else "declined")
    return booking


def cancel(user: User, booking: Booking, reason: str, now: datetime | None = None) -> Booking:
    """Either side cancels, with a reason, until the cutoff before the start."""
    _require_party(user, booking)
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
        raise _field("reason", _("Please give a reason."))
    booking.status = BookingStatus.CANCELLED
    booking.cancel_reason = reason[:500]
    booking.cancelled_by_id = user.id
    _touch(booking)
    db.session.flush()
    _notify(booking, "cancelled")
    return booking


def reschedule(
    member: User, booking: Booking, new_start: datetime, now: datetime | None = None
) -> Booking:
    """Move a booking to another free slot in one step (same booking, same calendar UID)."""
    if member.id != booking.member_id:
        raise PermissionDenied(_("Only the member who booked can move it."))
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
    booking.starts_at, booking.ends_at = slot.start, slot.end
    booking.status = (
        BookingStatus.REQUESTED
        if settings and settings.requires_confirmation
        else BookingStatus.CONFIRMED
    )
    booking.reminder_sent_at = None
    _touch(booking)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise SlotTaken(_("That time is no longer free. Please choose another slot.")) from exc
    _notify(booking, "moved")
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
    booking.status = status
    _touch(booking)
    db.session.flush()
    return booking


def rate(member: User, booking: Booking, stars: int, comment: str = "") -> Booking:
    """The member rates a done session (1–5): the satisfaction figure of accompanying support."""
    if member.id != booking.member_id:
        raise PermissionDenied(_("Only the member who booked can rate the session."))
    if booking.status != BookingStatus.DONE:
        raise InvalidTransition(_("Sessions can be rated once they are done."))
    if stars not in range(1, 6):
        raise _field("rating", _("Choose from 1 to 5."))
    booking.rating = stars
    booking.rating_comment = (comment or "").strip()[:1000]
    db.session.flush()
    return booking


def save_note(adviser: User, booking: Booking, note: str) -> Booking:
    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser keeps notes here."))
    booking.adviser_note = (note or "").strip()[:20_000]
    db.session.flush()
    return booking


def answer_from_note(adviser: User, booking: Booking, body: str):
    """Turn the advice into an answer on the linked question (others can learn from it)."""
    from community.questions import services as questions

    if adviser.id != booking.adviser_id:
        raise PermissionDenied(_("Only the adviser can do that."))
    if booking.question_id is None:
        raise InvalidTransition(_("This booking has no linked question."))
    question = questions.get_visible(adviser, booking.question_id)
    return questions.answer(adviser, question, body)


def bookings_for(user: User, now: datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    """(upcoming, past) bookings where the user is the member or the adviser."""
    from sqlalchemy.orm import joinedload

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
