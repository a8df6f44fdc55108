"""Free slots from weekly windows, date exceptions, buffers and bookings (pure, no database).

Rules and exceptions are in Japan time (UTC+9, no daylight saving); slots come out in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.office_hours.slots import TOKYO, Off, Policy, Slot, Window, free_slots

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
OPEN = Policy(buffer_minutes=0, min_notice_hours=0, max_days_ahead=30)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def rule(weekday, start, end, minutes=60, mode="online") -> Window:
    return Window(time(*start), time(*end), minutes, mode, weekday=weekday)


def extra(day, start, end, minutes=60, mode="online") -> Window:
    return Window(time(*start), time(*end), minutes, mode, day=day)


def starts(slots: list[Slot]) -> list[datetime]:
    return [s.start for s in slots]


# Sunday 2030-01-06 12:00 JST; the next Monday is 2030-01-07.
SUNDAY_NOON = jst(2030, 1, 6, 12).astimezone(UTC)
MONDAY = date(2030, 1, 7)


# --- cutting windows in Japan time -----------------------------------------------------------


def test_monday_morning_in_japan_is_midnight_utc():
    slots = free_slots([rule(MON, (9, 0), (12, 0))], [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert starts(slots) == [utc(2030, 1, 7, 0), utc(2030, 1, 7, 1), utc(2030, 1, 7, 2)]
    assert [s.end for s in slots] == [utc(2030, 1, 7, 1), utc(2030, 1, 7, 2), utc(2030, 1, 7, 3)]
    assert all(s.start.utcoffset() == timedelta(0) for s in slots), "slots are in UTC"
    assert [s.local_start for s in slots] == [jst(2030, 1, 7, h) for h in (9, 10, 11)]
    assert {s.mode for s in slots} == {"online"}


def test_early_morning_in_japan_is_the_previous_day_in_utc():
    """08:00 JST on Monday is 23:00 UTC on Sunday; the rule still belongs to Monday."""
    slots = free_slots(
        [rule(MON, (8, 0), (9, 0), mode="phone")], [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY
    )
    assert slots == [Slot(utc(2030, 1, 6, 23), utc(2030, 1, 7, 0), "phone")]


def test_a_window_that_does_not_divide_evenly_drops_the_remainder():
    slots = free_slots(
        [rule(MON, (9, 0), (10, 40), minutes=45)], [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY
    )
    assert [s.local_start.time() for s in slots] == [time(9, 0), time(9, 45)]
    assert slots[-1].end == jst(2030, 1, 7, 10, 30)


def test_a_window_shorter_than_one_slot_gives_nothing():
    assert (
        free_slots([rule(MON, (9, 0), (9, 50))], [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY)
        == []
    )


@pytest.mark.parametrize("minutes", [15, 20, 30, 45, 60, 90, 120])
def test_slot_lengths_from_15_to_120_minutes(minutes):
    slots = free_slots(
        [rule(MON, (9, 0), (15, 0), minutes)], [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY
    )
    assert len(slots) == (6 * 60) // minutes
    assert all(s.end - s.start == timedelta(minutes=minutes) for s in slots)
    assert slots[0].local_start == jst(2030, 1, 7, 9)
    assert all(b.start == a.end for a, b in zip(slots, slots[1:], strict=False)), "back to back"
    assert slots[-1].end <= jst(2030, 1, 7, 15)


def test_every_weekday_maps_to_its_own_dates():
    """One rule per weekday (Monday = 0), each with a distinct hour: two weeks of slots."""
    rules = [rule(wd, (9 + wd, 0), (10 + wd, 0)) for wd in range(7)]
    now = jst(2030, 1, 7, 0).astimezone(UTC)  # Monday 00:00 JST
    slots = free_slots(rules, [], [], [], OPEN, now, last_day=date(2030, 1, 20))
    assert len(slots) == 14
    for s in slots:
        local = s.local_start
        assert local.hour == 9 + local.weekday(), local
    assert [s.local_start.date() for s in slots] == [
        date(2030, 1, 7) + timedelta(days=i) for i in range(14)
    ]


def test_month_end_31_january_to_1_february():
    # 2025-01-31 is a Friday, 2025-02-01 a Saturday.
    rules = [rule(FRI, (8, 0), (10, 0)), rule(SAT, (8, 0), (9, 0))]
    now = utc(2025, 1, 30, 0)
    slots = free_slots(rules, [], [], [], OPEN, now, last_day=date(2025, 2, 2))
    assert starts(slots) == [
        utc(2025, 1, 30, 23),  # Friday 31 Jan 08:00 JST
        utc(2025, 1, 31, 0),  # Friday 31 Jan 09:00 JST
        utc(2025, 1, 31, 23),  # Saturday 1 Feb 08:00 JST
    ]
    assert [s.local_start.date() for s in slots] == [
        date(2025, 1, 31),
        date(2025, 1, 31),
        date(2025, 2, 1),
    ]


def test_year_end_31_december_to_1_january():
    # 2025-12-31 is a Wednesday, 2026-01-01 a Thursday.
    # A window cannot run past midnight; 23:00–23:59 holds one 30-minute slot and a bit.
    rules = [rule(WED, (23, 0), (23, 59), minutes=30), rule(THU, (0, 0), (1, 0), minutes=30)]
    now = utc(2025, 12, 30, 0)
    slots = free_slots(rules, [], [], [], OPEN, now, last_day=date(2026, 1, 1))
    assert starts(slots) == [
        utc(2025, 12, 31, 14, 0),  # 31 Dec 23:00 JST
        utc(2025, 12, 31, 15, 0),  # 1 Jan 00:00 JST
        utc(2025, 12, 31, 15, 30),  # 1 Jan 00:30 JST
    ]
    assert [s.local_start.date() for s in slots] == [date(2025, 12, 31)] + [date(2026, 1, 1)] * 2
    assert slots[0].local_start.year == 2025 and slots[1].local_start.year == 2026


def test_leap_day():
    # 2028-02-29 is a Tuesday.
    slots = free_slots(
        [],
        [extra(date(2028, 2, 29), (9, 0), (10, 0))],
        [],
        [],
        OPEN,
        utc(2028, 2, 27),
        last_day=date(2028, 3, 1),
    )
    assert starts(slots) == [utc(2028, 2, 29, 0)]


def test_now_late_in_the_utc_day_is_already_tomorrow_in_japan():
    """At 20:00 UTC on Sunday it is 05:00 JST on Monday: Monday's 09:00 is still ahead."""
    now = utc(2030, 1, 6, 20)
    slots = free_slots([rule(MON, (9, 0), (10, 0))], [], [], [], OPEN, now, last_day=MONDAY)
    assert starts(slots) == [utc(2030, 1, 7, 0)]


# --- exceptions ------------------------------------------------------------------------------


def test_whole_day_off_removes_rule_slots_but_extras_on_that_day_count():
    offs = [Off(MONDAY)]
    rules = [rule(MON, (9, 0), (12, 0))]
    extras = [extra(MONDAY, (14, 0), (16, 0), mode="onsite")]
    slots = free_slots(rules, extras, offs, [], OPEN, SUNDAY_NOON, last_day=date(2030, 1, 14))
    assert [(s.local_start, s.mode) for s in slots] == [
        (jst(2030, 1, 7, 14), "onsite"),
        (jst(2030, 1, 7, 15), "onsite"),
        # The next Monday is not off.
        (jst(2030, 1, 14, 9), "online"),
        (jst(2030, 1, 14, 10), "online"),
        (jst(2030, 1, 14, 11), "online"),
    ]


def test_off_on_another_date_changes_nothing():
    rules = [rule(MON, (9, 0), (11, 0))]
    without = free_slots(rules, [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    with_off = free_slots(
        rules, [], [Off(date(2030, 1, 8))], [], OPEN, SUNDAY_NOON, last_day=MONDAY
    )
    assert with_off == without and len(without) == 2


def test_timed_off_removes_only_overlapping_slots():
    rules = [rule(MON, (9, 0), (13, 0))]
    offs = [Off(MONDAY, time(10, 30), time(11, 0))]  # overlaps only the 10:00 slot
    slots = free_slots(rules, [], offs, [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [9, 11, 12]


def test_timed_off_touching_slot_edges_keeps_them():
    rules = [rule(MON, (9, 0), (12, 0))]
    offs = [Off(MONDAY, time(10, 0), time(11, 0))]  # exactly the 10:00 slot
    slots = free_slots(rules, [], offs, [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [9, 11]


def test_timed_off_also_applies_to_extras():
    extras = [extra(MONDAY, (18, 0), (21, 0))]
    offs = [Off(MONDAY, time(19, 15), time(19, 45))]
    slots = free_slots([], extras, offs, [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [18, 20]


def test_extra_on_a_day_without_rules():
    tuesday = date(2030, 1, 8)
    slots = free_slots(
        [rule(MON, (9, 0), (10, 0))],
        [extra(tuesday, (13, 0), (14, 30), minutes=30)],
        [],
        [],
        OPEN,
        SUNDAY_NOON,
        last_day=tuesday,
    )
    assert [s.local_start for s in slots] == [
        jst(2030, 1, 7, 9),
        jst(2030, 1, 8, 13),
        jst(2030, 1, 8, 13, 30),
        jst(2030, 1, 8, 14),
    ]


def test_overlapping_windows_give_each_start_once():
    rules = [rule(MON, (9, 0), (11, 0)), rule(MON, (10, 0), (12, 0))]
    slots = free_slots(rules, [], [], [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [9, 10, 11]


# --- busy intervals and buffers --------------------------------------------------------------


def test_busy_interval_removes_its_slot():
    busy = [(jst(2030, 1, 7, 10).astimezone(UTC), jst(2030, 1, 7, 11).astimezone(UTC))]
    slots = free_slots(
        [rule(MON, (9, 0), (12, 0))], [], [], busy, OPEN, SUNDAY_NOON, last_day=MONDAY
    )
    assert [s.local_start.hour for s in slots] == [9, 11], "no buffer: neighbours stay"


def test_buffer_removes_neighbours_within_reach():
    busy = [(jst(2030, 1, 7, 11).astimezone(UTC), jst(2030, 1, 7, 12).astimezone(UTC))]
    rules = [rule(MON, (9, 0), (15, 0))]
    policy = Policy(buffer_minutes=15, min_notice_hours=0, max_days_ahead=30)
    slots = free_slots(rules, [], [], busy, policy, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [9, 13, 14]


def test_buffer_exactly_reaching_a_slot_edge_keeps_it():
    # Busy 10:30–11:00 with 30 minutes of buffer blocks 10:00–11:30.
    busy = [(jst(2030, 1, 7, 10, 30), jst(2030, 1, 7, 11, 0))]
    rules = [rule(MON, (9, 0), (13, 0), minutes=30)]
    policy = Policy(buffer_minutes=30, min_notice_hours=0, max_days_ahead=30)
    slots = free_slots(rules, [], [], busy, policy, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.time() for s in slots] == [
        time(9, 0),
        time(9, 30),
        time(11, 30),
        time(12, 0),
        time(12, 30),
    ]


def test_busy_interval_at_another_time_of_a_different_length():
    """A 90-minute busy slot from another rule blocks every 30-minute slot it touches."""
    busy = [(jst(2030, 1, 7, 9, 45), jst(2030, 1, 7, 11, 15))]
    rules = [rule(MON, (9, 0), (12, 0), minutes=30)]
    slots = free_slots(rules, [], [], busy, OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start.time() for s in slots] == [time(9, 0), time(11, 30)]


# --- notice and horizon ----------------------------------------------------------------------


def test_min_notice_hides_slots_that_start_too_soon():
    now = jst(2030, 1, 6, 10, 30).astimezone(UTC)  # Sunday 10:30 JST
    rules = [rule(MON, (9, 0), (13, 0))]
    policy = Policy(buffer_minutes=0, min_notice_hours=24, max_days_ahead=30)
    slots = free_slots(rules, [], [], [], policy, now, last_day=MONDAY)
    # 09:00 and 10:00 are less than 24 h away; 10:30 would be exactly 24 h, 11:00 is more.
    assert [s.local_start.hour for s in slots] == [11, 12]


def test_a_slot_exactly_at_the_notice_limit_is_offered():
    now = jst(2030, 1, 6, 10).astimezone(UTC)
    policy = Policy(buffer_minutes=0, min_notice_hours=24, max_days_ahead=30)
    slots = free_slots([rule(MON, (9, 0), (12, 0))], [], [], [], policy, now, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [10, 11]


def test_a_slot_starting_right_now_is_offered_without_notice():
    now = jst(2030, 1, 7, 10).astimezone(UTC)
    slots = free_slots([rule(MON, (9, 0), (12, 0))], [], [], [], OPEN, now, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [10, 11]


def test_no_slot_in_the_past():
    now = jst(2030, 1, 7, 10, 1).astimezone(UTC)
    slots = free_slots([rule(MON, (9, 0), (12, 0))], [], [], [], OPEN, now, last_day=MONDAY)
    assert [s.local_start.hour for s in slots] == [11]


def test_max_days_ahead_is_the_horizon():
    now = jst(2030, 1, 7, 10, 1).astimezone(UTC)  # Monday 10:01 JST
    policy = Policy(buffer_minutes=0, min_notice_hours=0, max_days_ahead=7)
    slots = free_slots([rule(MON, (9, 0), (12, 0))], [], [], [], policy, now)
    # Today 11:00; next Monday up to 7 days ahead (10:01): 09:00 and 10:00, not 11:00.
    assert [s.local_start for s in slots] == [
        jst(2030, 1, 7, 11),
        jst(2030, 1, 14, 9),
        jst(2030, 1, 14, 10),
    ]


def test_default_horizon_covers_30_days_and_no_more():
    now = jst(2030, 1, 6, 12).astimezone(UTC)
    slots = free_slots([rule(MON, (9, 0), (10, 0))], [], [], [], Policy(), now)
    assert [s.local_start.date() for s in slots] == [
        date(2030, 1, 7),
        date(2030, 1, 14),
        date(2030, 1, 21),
        date(2030, 1, 28),
        date(2030, 2, 4),
    ]


def test_last_day_cuts_earlier_than_the_horizon_but_never_extends_it():
    now = jst(2030, 1, 6, 12).astimezone(UTC)
    rules = [rule(MON, (9, 0), (10, 0))]
    policy = Policy(max_days_ahead=10)
    assert len(free_slots(rules, [], [], [], policy, now, last_day=date(2030, 1, 7))) == 1
    assert len(free_slots(rules, [], [], [], policy, now, last_day=date(2030, 12, 31))) == 2


def test_slots_are_sorted_across_rules_and_extras():
    rules = [rule(MON, (15, 0), (16, 0)), rule(MON, (9, 0), (10, 0))]
    extras = [extra(MONDAY, (12, 0), (13, 0)), extra(date(2030, 1, 6), (20, 0), (21, 0))]
    slots = free_slots(rules, extras, [], [], OPEN, SUNDAY_NOON, last_day=MONDAY)
    assert [s.local_start for s in slots] == [
        jst(2030, 1, 6, 20),
        jst(2030, 1, 7, 9),
        jst(2030, 1, 7, 12),
        jst(2030, 1, 7, 15),
    ]


# --- properties ------------------------------------------------------------------------------

BASE_DAY = date(2029, 12, 24)  # a Monday: the weeks that follow cross a month and a year end
SPAN_DAYS = 42
SHIFTS = [-60, -30, -20, -15, -5, 0, 5, 15, 20, 30, 60]


def _times(step=15):
    return st.integers(0, (24 * 60) // step - 1).map(lambda q: q * step)


def _hm(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


slot_lengths = st.one_of(st.sampled_from([15, 20, 30, 45, 60, 90, 120]), st.integers(15, 120))


@st.composite
def windows(draw, *, extra_day: bool):
    start = draw(_times())
    length = draw(st.integers(3, 96).map(lambda q: q * 5))
    end = min(start + length, 23 * 60 + 59)
    if end <= start:
        end = 23 * 60 + 59
    kwargs = (
        {"day": BASE_DAY + timedelta(days=draw(st.integers(0, SPAN_DAYS)))}
        if extra_day
        else {"weekday": draw(st.integers(0, 6))}
    )
    return Window(
        _hm(start),
        _hm(end),
        draw(slot_lengths),
        draw(st.sampled_from(["online", "onsite", "phone"])),
        **kwargs,
    )


@st.composite
def offs(draw):
    day = BASE_DAY + timedelta(days=draw(st.integers(0, SPAN_DAYS)))
    if draw(st.booleans()):
        return Off(day)
    start = draw(_times(5).filter(lambda m: m < 24 * 60 - 5))
    end = draw(st.integers(start // 5 + 1, (24 * 60 - 1) // 5).map(lambda q: q * 5))
    return Off(day, _hm(start), _hm(min(end, 23 * 60 + 59)))


@st.composite
def busy_intervals(draw):
    lo = datetime.combine(BASE_DAY, time(0), tzinfo=UTC)
    start = lo + timedelta(minutes=5 * draw(st.integers(0, SPAN_DAYS * 24 * 12)))
    return (start, start + timedelta(minutes=draw(st.integers(1, 24).map(lambda q: q * 5))))


def nows():
    lo = datetime.combine(BASE_DAY, time(0), tzinfo=UTC)
    return st.one_of(
        st.integers(0, 14 * 24 * 4).map(lambda q: lo + timedelta(minutes=15 * q)),
        st.integers(0, 14 * 24 * 3600).map(lambda q: lo + timedelta(seconds=q)),
    )


policies = st.builds(
    Policy,
    buffer_minutes=st.one_of(st.sampled_from([0, 5, 15, 30, 60, 120]), st.integers(0, 120)),
    min_notice_hours=st.one_of(st.sampled_from([0, 1, 24, 48]), st.integers(0, 72)),
    max_days_ahead=st.integers(1, 21),
)


def _cuts(rules, extras, offs_):
    """Every (Japan date, window, start, end) cut from the windows, ignoring time limits.

    Independent of free_slots: it scans a wide, fixed range of dates rather than the horizon.
    Whole-day offs remove rule windows, never extras.
    """
    out = []
    day = BASE_DAY - timedelta(days=30)
    while day <= BASE_DAY + timedelta(days=SPAN_DAYS + 40):
        whole_day = any(o.day == day and o.start is None for o in offs_)
        day_windows = [] if whole_day else [r for r in rules if r.weekday == day.weekday()]
        day_windows += [x for x in extras if x.day == day]
        for w in day_windows:
            t = datetime.combine(day, w.start, tzinfo=TOKYO)
            end = datetime.combine(day, w.end, tzinfo=TOKYO)
            step = timedelta(minutes=w.slot_minutes)
            while t + step <= end:
                out.append((day, w, t.astimezone(UTC), (t + step).astimezone(UTC)))
                t += step
        day += timedelta(days=1)
    return out


def _passes(cut, offs_, busy, policy, now) -> bool:
    day, _w, s, e = cut
    buffer = timedelta(minutes=policy.buffer_minutes)
    timed = [
        (datetime.combine(day, o.start, tzinfo=TOKYO), datetime.combine(day, o.end, tzinfo=TOKYO))
        for o in offs_
        if o.day == day and o.start is not None
    ]
    return (
        now + timedelta(hours=policy.min_notice_hours)
        <= s
        <= now + timedelta(days=policy.max_days_ahead)
        and not any(s < oe and os_ < e for os_, oe in timed)
        and not any(s < be + buffer and bs - buffer < e for bs, be in busy)
    )


@settings(max_examples=200, deadline=None)
@given(
    rules=st.lists(windows(extra_day=False), max_size=5),
    extras=st.lists(windows(extra_day=True), max_size=4),
    offs_=st.lists(offs(), max_size=6),
    busy=st.lists(busy_intervals(), max_size=6),
    policy=policies,
    now=nows(),
    data=st.data(),
)
def test_free_slots_properties(rules, extras, offs_, busy, policy, now, data):
    cuts = _cuts(rules, extras, offs_)
    anchors = [c for c in cuts if BASE_DAY <= c[0] <= BASE_DAY + timedelta(days=SPAN_DAYS)]
    if anchors:
        # Put `now` exactly at a notice or horizon boundary of some cut now and then, and put
        # busy time right next to cuts, so that edges are exercised and not just hit by chance.
        anchor = anchors[data.draw(st.integers(0, len(anchors) - 1), label="anchor")][2]
        now = data.draw(
            st.sampled_from(
                [
                    now,
                    anchor - timedelta(hours=policy.min_notice_hours),
                    anchor - timedelta(days=policy.max_days_ahead),
                    anchor - timedelta(hours=policy.min_notice_hours, seconds=-1),
                    anchor - timedelta(days=policy.max_days_ahead, seconds=1),
                ]
            ),
            label="now",
        )
        for i, shift, length in data.draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(anchors) - 1),
                    st.sampled_from(SHIFTS),
                    st.sampled_from([15, 30, 60, 90]),
                ),
                max_size=3,
            ),
            label="busy near cuts",
        ):
            edge = anchors[i][2] if shift <= 0 else anchors[i][3]
            start = edge + timedelta(minutes=shift - (length if shift <= 0 else 0))
            start += timedelta(minutes=policy.buffer_minutes * (-1 if shift <= 0 else 1))
            busy = [*busy, (start, start + timedelta(minutes=length))]

    slots = free_slots(rules, extras, offs_, busy, policy, now)

    # (d) sorted, unique starts, in UTC.
    assert starts(slots) == sorted(set(starts(slots)))
    assert all(s.start.utcoffset() == timedelta(0) for s in slots)

    earliest = now + timedelta(hours=policy.min_notice_hours)
    latest = now + timedelta(days=policy.max_days_ahead)
    buffer = timedelta(minutes=policy.buffer_minutes)
    for slot in slots:
        local_day = slot.local_start.date()
        # (a) + (e): the slot is one cut from a rule window or an extra of its Japan date,
        # inside that window, with its length and mode.
        sources = [
            w
            for d, w, s, e in cuts
            if d == local_day and s == slot.start and e == slot.end and w.mode == slot.mode
        ]
        assert sources, f"{slot} is not cut from any window of {local_day}"
        assert any(slot.end - slot.start == timedelta(minutes=w.slot_minutes) for w in sources)
        assert any(
            datetime.combine(local_day, w.start, tzinfo=TOKYO) <= slot.start
            and slot.end <= datetime.combine(local_day, w.end, tzinfo=TOKYO)
            for w in sources
        )
        if any(o.day == local_day and o.start is None for o in offs_):
            assert all(w.day == local_day for w in sources), "only extras on a day off"
        # (b) no overlap with timed offs or busy ± buffer.
        for o in offs_:
            if o.day == local_day and o.start is not None:
                o_start = datetime.combine(o.day, o.start, tzinfo=TOKYO)
                o_end = datetime.combine(o.day, o.end, tzinfo=TOKYO)
                assert not (slot.start < o_end and o_start < slot.end), (slot, o)
        for b_start, b_end in busy:
            assert not (slot.start < b_end + buffer and b_start - buffer < slot.end), (
                slot,
                b_start,
            )
        # (c) within notice and horizon.
        assert earliest <= slot.start <= latest

    # Completeness: every cut that passes the rules is offered, and nothing else.
    passing = [c for c in cuts if _passes(c, offs_, busy, policy, now)]
    assert set(starts(slots)) == {s for _d, _w, s, _e in passing}
    assert {(s.start, s.end, s.mode) for s in slots} <= {(s, e, w.mode) for _d, w, s, e in passing}


@settings(max_examples=100, deadline=None)
@given(
    rules=st.lists(windows(extra_day=False), min_size=1, max_size=4),
    busy=st.lists(busy_intervals(), min_size=1, max_size=5),
    policy=policies,
    now=nows(),
)
def test_more_busy_time_never_adds_slots(rules, busy, policy, now):
    """Monotonic: booking something can only take slots away."""
    fewer = free_slots(rules, [], [], busy[:-1], policy, now)
    more = free_slots(rules, [], [], busy, policy, now)
    assert set(starts(more)) <= set(starts(fewer))


@settings(max_examples=100, deadline=None)
@given(
    rules=st.lists(windows(extra_day=False), min_size=1, max_size=4),
    policy=policies,
    now=nows(),
    days=st.integers(0, 25),
)
def test_last_day_only_truncates(rules, policy, now, days):
    """Asking for fewer days gives a prefix of the full list."""
    full = free_slots(rules, [], [], [], policy, now)
    last = now.astimezone(TOKYO).date() + timedelta(days=days)
    part = free_slots(rules, [], [], [], policy, now, last_day=last)
    assert part == [s for s in full if s.local_start.date() <= last]
