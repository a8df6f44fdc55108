"""Adviser settings, weekly rules and date exceptions, and the free slots they leave open."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from community import markdown, policy
from community.auth.models import User
from community.db import utcnow
from community.errors import NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.office_hours.models import (
    ACTIVE_STATUSES,
    AdviserSettings,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    Mode,
)
from community.office_hours.slots import TOKYO, Off, Policy, Slot, Window, free_slots

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
    """PermissionDenied unless the user is an adviser."""
    if not policy.is_adviser(user):
        raise PermissionDenied(_("Only advisers offer office hours."))


def update_settings(adviser: User, data: dict) -> AdviserSettings:
    """Save the adviser's office-hour settings from the form's data, checking each value."""
    require_adviser(adviser)
    s = settings_for(adviser)
    s.affiliation = (data.get("affiliation") or "").strip()[:200]
    intro = (data.get("intro") or "").strip()
    if len(intro) > 4000:
        raise ValidationFailed.for_field("intro", _("Use at most %(n)d characters.", n=4000))
    markdown.store(s, "intro", intro)
    s.regions = sorted(set(data.get("regions") or []))
    modes = [m for m in data.get("modes") or [] if m in {x.value for x in Mode}]
    if not modes:
        raise ValidationFailed.for_field("modes", _("Choose at least one way to meet."))
    s.modes = modes
    url = (data.get("meeting_url") or "").strip()
    if url and not url.startswith("https://"):
        raise ValidationFailed.for_field("meeting_url", _("A meeting link starts with https://."))
    s.meeting_url = url
    for name, low, high in (
        ("buffer_minutes", 0, 120),
        ("min_notice_hours", 0, 720),
        ("max_days_ahead", 1, 180),
        ("max_active_per_member", 1, 10),
    ):
        value = data.get(name)
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed.for_field(
                name, _("Enter a number from %(low)d to %(high)d.", low=low, high=high)
            )
        setattr(s, name, value)
    s.requires_confirmation = bool(data.get("requires_confirmation"))
    s.paused = bool(data.get("paused"))
    db.session.flush()
    return s


def add_rule(
    adviser: User, weekday: int, start, end, slot_minutes: int, mode: str
) -> AvailabilityRule:
    """Add weekly hours: on `weekday` (0 is Monday) from `start` to `end`, in slots."""
    require_adviser(adviser)
    if weekday not in range(7):
        raise ValidationFailed.for_field("weekday", _("Unknown choice."))
    if not (start and end and end > start):
        raise ValidationFailed.for_field("end_time", _("The end must be after the start."))
    if not 15 <= (slot_minutes or 0) <= 120:
        raise ValidationFailed.for_field(
            "slot_minutes", _("Enter a number from %(low)d to %(high)d.", low=15, high=120)
        )
    if mode not in {m.value for m in Mode}:
        raise ValidationFailed.for_field("mode", _("Unknown choice."))
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
    """Change one day: `off` (no slots, or none between `start` and `end`) or `extra` hours."""
    require_adviser(adviser)
    if kind not in ("off", "extra"):
        raise ValidationFailed.for_field("kind", _("Unknown choice."))
    if day is None:
        raise ValidationFailed.for_field("day", _("Enter a date."))
    if (start is None) != (end is None) or (start and end and end <= start):
        raise ValidationFailed.for_field("end_time", _("The end must be after the start."))
    if kind == "extra" and start is None:
        raise ValidationFailed.for_field("start_time", _("Extra hours need a start and an end."))
    if not 15 <= (slot_minutes or 0) <= 120:
        raise ValidationFailed.for_field(
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
    """Delete one of the adviser's own weekly rules or day exceptions (`model` says which)."""
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
    first_day: date | None = None,
    last_day: date | None = None,
) -> dict[int, list[Slot]]:
    """Free slots per adviser, loading rules, exceptions and bookings in four queries in all.

    `ignore_booking_id` leaves one booking out of the busy times: the one being moved.
    `first_day`/`last_day` (Japan dates) show one page of the window; `days` counts from now.
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
        limits = Policy(s.buffer_minutes, s.min_notice_hours, s.max_days_ahead)
        last = (now + timedelta(days=days)).astimezone(TOKYO).date() if days else last_day
        out[aid] = free_slots(
            r,
            x,
            o,
            [(b.starts_at, b.ends_at) for b in busy if b.adviser_id == aid],
            limits,
            now,
            first_day=first_day,
            last_day=last,
        )
    return out


def free_slots_for(
    adviser: User,
    now: datetime | None = None,
    days: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[Slot]:
    """One adviser's free slots: the whole booking window, or the days asked for."""
    return free_slots_for_many(
        [adviser.id], now or utcnow(), days, first_day=first_day, last_day=last_day
    )[adviser.id]
