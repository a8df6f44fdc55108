"""Free slots from weekly rules, date exceptions, buffers and existing bookings.

Pure functions over plain values, so that property-based tests can check them directly.
Rules and exceptions are in Japan time (no daylight saving); slots come out in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Window:
    """Hours on a weekday (rule) or on one date (extra), cut into slots."""

    start: time
    end: time
    slot_minutes: int
    mode: str = "online"
    weekday: int | None = None  # rules
    day: date | None = None  # extras


@dataclass(frozen=True)
class Off:
    day: date
    start: time | None = None  # None: the whole day
    end: time | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    mode: str

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(TOKYO)


@dataclass(frozen=True)
class Policy:
    buffer_minutes: int = 0
    min_notice_hours: int = 0
    max_days_ahead: int = 30


def _cut(day: date, w: Window) -> Iterable[Slot]:
    start = datetime.combine(day, w.start, tzinfo=TOKYO)
    end = datetime.combine(day, w.end, tzinfo=TOKYO)
    step = timedelta(minutes=w.slot_minutes)
    t = start
    while t + step <= end:
        yield Slot(t.astimezone(UTC), (t + step).astimezone(UTC), w.mode)
        t += step


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def free_slots(
    rules: list[Window],
    extras: list[Window],
    offs: list[Off],
    busy: list[tuple[datetime, datetime]],
    policy: Policy,
    now: datetime,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[Slot]:
    """Every bookable slot from `first_day` to `last_day` (Japan dates), earliest first."""
    earliest = now + timedelta(hours=policy.min_notice_hours)
    latest = now + timedelta(days=policy.max_days_ahead)
    day = first_day or now.astimezone(TOKYO).date()
    end_day = min(last_day or latest.astimezone(TOKYO).date(), latest.astimezone(TOKYO).date())
    buffer = timedelta(minutes=policy.buffer_minutes)
    blocked = [(s - buffer, e + buffer) for s, e in busy]
    out: dict[datetime, Slot] = {}
    while day <= end_day:
        day_offs = [o for o in offs if o.day == day]
        whole_day_off = any(o.start is None for o in day_offs)
        windows = [] if whole_day_off else [r for r in rules if r.weekday == day.weekday()]
        windows += [x for x in extras if x.day == day]
        off_ranges = [
            (
                datetime.combine(day, o.start, tzinfo=TOKYO),
                datetime.combine(day, o.end, tzinfo=TOKYO),
            )
            for o in day_offs
            if o.start is not None and o.end is not None
        ]
        for w in windows:
            for slot in _cut(day, w):
                if slot.start < earliest or slot.start > latest or slot.start in out:
                    continue
                if any(_overlaps(slot.start, slot.end, s, e) for s, e in off_ranges):
                    continue
                if any(_overlaps(slot.start, slot.end, s, e) for s, e in blocked):
                    continue
                out[slot.start] = slot
        day += timedelta(days=1)
    return sorted(out.values(), key=lambda s: s.start)
