"""Office-hour services with the real database: settings, availability, booking and refusals;
the helpers and fixtures of the office-hour service tests.

Cancelling, moving, deciding and a race for one slot are in test_office_hours_changes.py,
marking, rating, notes, reminders and calendar feeds in test_office_hours_after.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from community.auth.models import Role, User
from community.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import (
    AdviserSettings,
    Booking,
    BookingStatus,
    Mode,
)
from community.office_hours.slots import TOKYO, Slot
from tests import qa_helpers

# Monday 2030-01-07 09:00 JST. The adviser's hours are on Wednesdays 10:00–17:00 JST.
NOW = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)
WED = date(2030, 1, 9)
AGENDA = "橋梁の長寿命化修繕計画の見直し方について相談したいです。"
REASON = "議会の日程と重なってしまいました。"


def at(hour: int, minute: int = 0, day: date = WED) -> datetime:
    """A Japan wall-clock time as a UTC datetime (how slots and bookings are stored)."""
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO).astimezone(UTC)


SETTINGS = {
    "affiliation": "県道路メンテナンス会議",
    "intro": "点検と修繕計画の相談に乗ります。",
    "modes": ["online", "onsite"],
    "meeting_url": "https://meet.example.jp/adv",
    "buffer_minutes": 15,
    "min_notice_hours": 24,
    "max_days_ahead": 30,
    "max_active_per_member": 2,
    "requires_confirmation": True,
    "paused": False,
}


def user(uid: int) -> User:
    return db.session.get(User, uid)


def booking(bid: int) -> Booking:
    return db.session.get(Booking, bid)


def count_bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def open_hours(app, adviser_id: int, **changes) -> None:
    """Wednesdays 10:00–17:00 JST in 60-minute slots, through the real services."""
    with app.app_context():
        adviser = user(adviser_id)
        oh.update_settings(adviser, {**SETTINGS, **changes})
        oh.add_rule(adviser, 2, time(10), time(17), 60, "online")
        db.session.commit()


def configure(app, adviser_id: int, **changes) -> None:
    """Change settings only (the rule stays)."""
    with app.app_context():
        oh.update_settings(user(adviser_id), {**SETTINGS, **changes})
        db.session.commit()


def book(app, member_id, adviser_id, start, agenda=AGENDA, now=NOW, **kw) -> int:
    with app.app_context():
        b = oh.book(user(member_id), user(adviser_id), start, agenda, now=now, **kw)
        db.session.commit()
        return b.id


def refused(app, exc_type, member_id, adviser_id, start, agenda=AGENDA, now=NOW, **kw):
    """Attempt a booking that must fail; nothing may be written."""
    with app.app_context():
        before = count_bookings()
        with pytest.raises(exc_type) as info:
            oh.book(user(member_id), user(adviser_id), start, agenda, now=now, **kw)
        db.session.rollback()
        assert count_bookings() == before
    return info.value


@pytest.fixture
def adviser(make_user):
    return make_user(
        username="adv", email="adv@example.com", role=Role.ADVISER, display_name="Adviser Aoki"
    )


@pytest.fixture
def member(make_user):
    return make_user(username="mem", email="mem@example.com", display_name="Member Mori")


@pytest.fixture
def other(make_user):
    return make_user(username="oth", email="oth@example.com")


@pytest.fixture
def hours(app, adviser):
    open_hours(app, adviser.id)


def free_starts(app, adviser_id, now=NOW) -> list[datetime]:
    with app.app_context():
        return [s.start for s in oh.free_slots_for(user(adviser_id), now=now)]


# --- settings and availability ---------------------------------------------------------------


def test_settings_rules_and_free_slots(app, adviser, hours):
    with app.app_context():
        s = db.session.get(AdviserSettings, adviser.id)
        assert s.modes == ["online", "onsite"] and s.buffer_minutes == 15
        assert s.requires_confirmation and not s.paused
        assert "<p>" in s.intro_html
        slots = oh.free_slots_for(user(adviser.id), now=NOW)
    # Four Wednesdays within 30 days of Monday 7 January 09:00 JST (6 February 10:00 is 30 days
    # and an hour away), seven one-hour slots each.
    assert len(slots) == 4 * 7
    assert slots[0] == Slot(at(10), at(11), "online")
    assert slots[0].start == datetime(2030, 1, 9, 1, 0, tzinfo=UTC)
    assert {s.local_start.weekday() for s in slots} == {2}
    assert max(s.start for s in slots) <= NOW + timedelta(days=30)


def test_settings_for_creates_defaults_once(app, adviser):
    with app.app_context():
        first = oh.settings_for(user(adviser.id))
        db.session.commit()
        second = oh.settings_for(user(adviser.id))
        assert first is second
        assert (second.buffer_minutes, second.min_notice_hours, second.max_days_ahead) == (
            15,
            24,
            30,
        )
        assert second.requires_confirmation and second.modes == ["online"]
        assert db.session.scalar(select(func.count()).select_from(AdviserSettings)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"modes": []}, "modes"),
        ({"modes": ["fax"]}, "modes"),
        ({"meeting_url": "http://insecure.example.jp"}, "meeting_url"),
        ({"buffer_minutes": 121}, "buffer_minutes"),
        ({"min_notice_hours": -1}, "min_notice_hours"),
        ({"max_days_ahead": 0}, "max_days_ahead"),
        ({"max_active_per_member": 11}, "max_active_per_member"),
        ({"max_active_per_member": "2"}, "max_active_per_member"),
        ({"intro": "x" * 4001}, "intro"),
    ],
)
def test_bad_settings_name_the_field(app, adviser, changes, field):
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            oh.update_settings(user(adviser.id), {**SETTINGS, **changes})
        assert field in info.value.fields


def test_only_advisers_have_settings_and_rules(app, member):
    with app.app_context():
        with pytest.raises(PermissionDenied):
            oh.update_settings(user(member.id), SETTINGS)
        with pytest.raises(PermissionDenied):
            oh.add_rule(user(member.id), 2, time(10), time(12), 60, "online")
        with pytest.raises(PermissionDenied):
            oh.add_exception(user(member.id), WED, "off")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((7, time(10), time(12), 60, "online"), "weekday"),
        ((2, time(12), time(10), 60, "online"), "end_time"),
        ((2, time(10), time(10), 60, "online"), "end_time"),
        ((2, time(10), time(12), 14, "online"), "slot_minutes"),
        ((2, time(10), time(12), 121, "online"), "slot_minutes"),
        ((2, time(10), time(12), 60, "fax"), "mode"),
    ],
)
def test_bad_rules_name_the_field(app, adviser, args, field):
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            oh.add_rule(user(adviser.id), *args)
        assert field in info.value.fields


def test_exceptions_take_and_add_hours(app, adviser, hours):
    next_wed = WED + timedelta(days=7)
    friday = date(2030, 1, 11)
    with app.app_context():
        a = user(adviser.id)
        oh.add_exception(a, WED, "off")  # the whole first Wednesday
        oh.add_exception(a, WED, "extra", time(18), time(19, 30), 30, "phone")
        oh.add_exception(a, next_wed, "off", time(11, 30), time(12, 0))
        oh.add_exception(a, friday, "extra", time(13), time(15), 120, "onsite")
        db.session.commit()
        slots = oh.free_slots_for(a, now=NOW, days=10)
    assert [(s.local_start, s.end - s.start, s.mode) for s in slots] == [
        (at(18).astimezone(TOKYO), timedelta(minutes=30), "phone"),
        (at(18, 30).astimezone(TOKYO), timedelta(minutes=30), "phone"),
        (at(19).astimezone(TOKYO), timedelta(minutes=30), "phone"),
        (at(13, day=friday).astimezone(TOKYO), timedelta(hours=2), "onsite"),
    ] + [
        (at(h, day=next_wed).astimezone(TOKYO), timedelta(hours=1), "online")
        for h in (10, 12, 13, 14, 15, 16)  # 11:00 overlaps the timed off
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "holiday"}, "kind"),
        ({"kind": "extra"}, "start_time"),
        ({"kind": "off", "start": time(10)}, "end_time"),
        ({"kind": "off", "start": time(12), "end": time(10)}, "end_time"),
        ({"kind": "extra", "start": time(10), "end": time(12), "slot_minutes": 5}, "slot_minutes"),
    ],
)
def test_bad_exceptions_name_the_field(app, adviser, kwargs, field):
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            oh.add_exception(user(adviser.id), WED, **kwargs)
        assert field in info.value.fields


# --- booking ---------------------------------------------------------------------------------


def test_booking_that_needs_confirmation_is_requested_and_mails_both(
    app, adviser, member, hours, mailbox
):
    bid = book(app, member.id, adviser.id, at(10), agenda=f"  {AGENDA}  ")
    with app.app_context():
        b = booking(bid)
        assert b.status == BookingStatus.REQUESTED and b.is_active
        assert (b.adviser_id, b.member_id) == (adviser.id, member.id)
        assert (b.starts_at, b.ends_at) == (at(10), at(11))
        assert b.agenda == AGENDA, "the agenda is stripped"
        assert b.mode == Mode.ONLINE and b.sequence == 0 and b.question_id is None
        assert b.uid.endswith("@kakehashi") and b.reminder_sent_at is None
        subjects = {
            "adv@example.com": oh.summary("booked", b, user(adviser.id), user(member.id)),
            "mem@example.com": oh.summary("booked", b, user(member.id), user(member.id)),
        }
    for address, subject in subjects.items():
        (mail,) = mailbox.to(address)
        assert mail["Subject"] == subject
        body = mailbox.body(mail)
        assert AGENDA in body
        assert "2030/01/09（水）10:00–11:00" in body, "the time is shown in Japan time"
        assert f"http://localhost/bookings/{bid}" in body
    assert "Member Mori" in mailbox.body(mailbox.last_to("adv@example.com"))
    assert "Adviser Aoki" in mailbox.body(mailbox.last_to("mem@example.com"))
    assert len(mailbox.messages) == 2


def test_booking_without_confirmation_is_confirmed(app, adviser, member, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    bid = book(app, member.id, adviser.id, at(13), mode="onsite")
    with app.app_context():
        b = booking(bid)
        assert b.status == BookingStatus.CONFIRMED
        assert b.mode == Mode.ONSITE, "a way to meet the adviser offers"
    assert len(mailbox.to("adv@example.com")) == 1 and len(mailbox.to("mem@example.com")) == 1


def test_a_way_to_meet_the_adviser_does_not_offer_falls_back_to_the_slot(
    app, adviser, member, hours
):
    bid = book(app, member.id, adviser.id, at(13), mode="phone")
    with app.app_context():
        assert booking(bid).mode == Mode.ONLINE


def test_booking_a_start_given_in_japan_time_matches_the_slot(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(14).astimezone(TOKYO))
    with app.app_context():
        assert booking(bid).starts_at == at(14)


def test_booking_with_own_question(app, adviser, member, hours):
    with app.app_context():
        qid = qa_helpers.ask(member.id).id
        db.session.commit()
    bid = book(app, member.id, adviser.id, at(10), question_id=qid)
    with app.app_context():
        assert booking(bid).question_id == qid


@pytest.mark.parametrize(
    "start",
    [
        at(9),  # before the window
        at(17),  # the window's end
        at(10, 30),  # not on the slot grid
        at(10, day=date(2030, 1, 10)),  # Thursday: no rule
        at(10) + timedelta(seconds=1),
    ],
)
def test_a_start_outside_availability_is_slot_taken(app, adviser, member, hours, mailbox, start):
    exc = refused(app, oh.SlotTaken, member.id, adviser.id, start)
    assert exc.status == 409 and exc.code == "slot_taken"
    assert mailbox.messages == []


def test_inside_the_notice_period_is_refused(app, adviser, member, hours):
    # 23 hours before the slot: inside the 24-hour notice.
    refused(app, oh.SlotTaken, member.id, adviser.id, at(10), now=at(10) - timedelta(hours=23))
    # Exactly 24 hours before it is fine.
    book(app, member.id, adviser.id, at(10), now=at(10) - timedelta(hours=24))


def test_past_the_booking_window_is_refused(app, adviser, member, hours):
    # max_days_ahead = 30: 6 February 10:00 JST is 30 days and one hour after NOW.
    refused(app, oh.SlotTaken, member.id, adviser.id, at(10, day=WED + timedelta(days=28)))
    refused(app, oh.SlotTaken, member.id, adviser.id, at(10, day=WED + timedelta(days=35)))
    book(app, member.id, adviser.id, at(16, day=WED + timedelta(days=21)))
    # With a longer window the same slot is fine.
    configure(app, adviser.id, max_days_ahead=31)
    book(app, member.id, adviser.id, at(10, day=WED + timedelta(days=28)))


def test_a_slot_in_the_past_is_refused(app, adviser, member, hours):
    configure(app, adviser.id, min_notice_hours=0)
    refused(app, oh.SlotTaken, member.id, adviser.id, at(10), now=at(10, 30))


def test_over_the_cap_is_refused(app, adviser, member, other, hours):
    b1 = book(app, member.id, adviser.id, at(10))
    book(app, member.id, adviser.id, at(13))
    with app.app_context():
        with pytest.raises(InvalidTransition):
            oh.book(user(member.id), user(adviser.id), at(15), AGENDA, now=NOW)
        db.session.rollback()
        assert count_bookings() == 2
    # Another member is not affected by the first member's cap.
    book(app, other.id, adviser.id, at(15))
    # A cancelled booking no longer counts.
    with app.app_context():
        oh.cancel(user(member.id), booking(b1), REASON, now=NOW)
        db.session.commit()
    book(app, member.id, adviser.id, at(16, day=WED + timedelta(days=7)))


def test_past_bookings_do_not_count_towards_the_cap(app, adviser, member, hours):
    configure(app, adviser.id, max_active_per_member=1)
    book(app, member.id, adviser.id, at(10))
    later = at(12)  # the first session has ended
    book(app, member.id, adviser.id, at(10, day=WED + timedelta(days=7)), now=later)


def test_cannot_book_yourself(app, adviser, hours):
    refused(app, PermissionDenied, adviser.id, adviser.id, at(10))


def test_cannot_book_a_paused_adviser(app, adviser, member, hours):
    configure(app, adviser.id, paused=True)
    assert free_starts(app, adviser.id) == []
    refused(app, InvalidTransition, member.id, adviser.id, at(10))


def test_cannot_book_an_adviser_without_settings(app, adviser, member):
    refused(app, InvalidTransition, member.id, adviser.id, at(10))


def test_cannot_book_someone_who_is_not_an_adviser(app, member, other):
    refused(app, NotFound, member.id, other.id, at(10))


def test_cannot_book_a_deleted_adviser(app, adviser, member, hours):
    with app.app_context():
        user(adviser.id).deleted_at = NOW
        db.session.commit()
    refused(app, NotFound, member.id, adviser.id, at(10))


def test_unconfirmed_member_cannot_book(app, adviser, make_user, hours):
    fresh = make_user(username="fresh", confirmed=False)
    refused(app, PermissionDenied, fresh.id, adviser.id, at(10))


@pytest.mark.parametrize("agenda", ["", "   \n ", None, "x" * (oh.AGENDA_MAX + 1)])
def test_empty_or_overlong_agenda_is_refused(app, adviser, member, hours, agenda):
    exc = refused(app, ValidationFailed, member.id, adviser.id, at(10), agenda=agenda)
    assert "agenda" in exc.fields and exc.status == 422


def test_agenda_at_the_limit_is_accepted(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(10), agenda="x" * oh.AGENDA_MAX)
    with app.app_context():
        assert len(booking(bid).agenda) == oh.AGENDA_MAX


def test_someone_elses_question_is_refused(app, adviser, member, other, hours):
    with app.app_context():
        qid = qa_helpers.ask(other.id).id
        db.session.commit()
    for question_id in (qid, qid + 1000):
        exc = refused(app, ValidationFailed, member.id, adviser.id, at(10), question_id=question_id)
        assert "question_id" in exc.fields


def test_booked_slot_and_its_buffer_neighbours_disappear(app, adviser, member, other, hours):
    before = free_starts(app, adviser.id)
    assert {at(10), at(11), at(12)} <= set(before)
    book(app, member.id, adviser.id, at(11))
    after = free_starts(app, adviser.id)
    # 15 minutes of buffer reach into the back-to-back slots before and after.
    assert set(before) - set(after) == {at(10), at(11), at(12)}
    for start in (at(10), at(11), at(12)):
        with app.app_context():
            with pytest.raises(oh.SlotTaken):
                oh.book(user(other.id), user(adviser.id), start, AGENDA, now=NOW)
            db.session.rollback()
    book(app, other.id, adviser.id, at(13))


def test_without_buffer_neighbours_stay_free(app, adviser, member, other):
    open_hours(app, adviser.id, buffer_minutes=0)
    book(app, member.id, adviser.id, at(11))
    free = set(free_starts(app, adviser.id))
    assert at(11) not in free and {at(10), at(12)} <= free
    book(app, other.id, adviser.id, at(12))


def test_declined_and_cancelled_bookings_do_not_block(app, adviser, member, other, hours):
    b1 = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.decide(user(adviser.id), booking(b1), confirm=False)
        db.session.commit()
    assert at(10) in free_starts(app, adviser.id)
    book(app, other.id, adviser.id, at(10))


def test_the_database_refuses_two_active_bookings_of_one_slot(app, adviser, member, other, hours):
    """The partial unique index: a second active row for the same start fails on insert."""
    book(app, member.id, adviser.id, at(10))
    with app.app_context():
        db.session.add(
            Booking(
                adviser_id=adviser.id,
                member_id=other.id,
                starts_at=at(10),
                ends_at=at(11),
                mode=Mode.ONLINE,
                agenda="x",
                status=BookingStatus.CONFIRMED,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # Inactive rows for the same start are fine.
        for status in (BookingStatus.CANCELLED, BookingStatus.DECLINED):
            db.session.add(
                Booking(
                    adviser_id=adviser.id,
                    member_id=other.id,
                    starts_at=at(10),
                    ends_at=at(11),
                    mode=Mode.ONLINE,
                    agenda="x",
                    status=status,
                )
            )
        db.session.commit()
        assert count_bookings() == 3


def test_a_lost_race_caught_by_the_index_is_slot_taken(
    app, adviser, member, other, hours, mailbox, monkeypatch
):
    """When the free-slot check misses a concurrent booking, the index turns it into 409."""
    book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    stale = {adviser.id: [Slot(at(10), at(11), "online")]}
    monkeypatch.setattr(oh, "free_slots_for_many", lambda ids, now, days=None: stale)
    with app.app_context():
        with pytest.raises(oh.SlotTaken):
            oh.book(user(other.id), user(adviser.id), at(10), AGENDA, now=NOW)
        db.session.rollback()
        assert count_bookings() == 1
        assert db.session.scalar(select(Booking.member_id)) == member.id
    assert mailbox.messages == [], "no mail for a booking that was not made"
