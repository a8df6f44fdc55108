"""Changing a booking with the real database: cancelling, moving and deciding, and a race for
one slot."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import (
    Booking,
    BookingStatus,
)
from tests import test_office_hours_services as base
from tests.test_office_hours_services import (
    AGENDA,
    NOW,
    REASON,
    WED,
    at,
    book,
    booking,
    count_bookings,
    free_starts,
    open_hours,
    user,
)

# Fixtures of test_office_hours_services.py, shared by assignment.
adviser = base.adviser
hours = base.hours
member = base.member
other = base.other


# --- cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["member", "adviser"])
def test_either_side_cancels_with_a_reason(app, adviser, member, hours, mailbox, side):
    bid = book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    canceller = member.id if side == "member" else adviser.id
    with app.app_context():
        b = oh.cancel(user(canceller), booking(bid), f"  {REASON}  ", now=NOW)
        db.session.commit()
        assert b.status == BookingStatus.CANCELLED and not b.is_active
        assert b.cancel_reason == REASON and b.cancelled_by_id == canceller
        assert b.sequence == 1
        other_side = adviser if side == "member" else member
        subject = oh.summary("cancelled", b, user(other_side.id), user(canceller))
    # Only the other side hears of it; the canceller saw it happen.
    (mail,) = mailbox.messages
    assert mail["To"] == other_side.email and mail["Subject"] == subject
    assert f"キャンセル理由：{REASON}" in mailbox.body(mail)


def test_cancel_until_the_cutoff_and_not_after(app, adviser, member, hours):
    assert app.config["BOOKING_CANCEL_CUTOFF_HOURS"] == 12
    b1 = book(app, member.id, adviser.id, at(10))
    b2 = book(app, member.id, adviser.id, at(14))
    with app.app_context():
        late = at(10) - timedelta(hours=12) + timedelta(seconds=1)
        with pytest.raises(InvalidTransition):
            oh.cancel(user(member.id), booking(b1), REASON, now=late)
        with pytest.raises(InvalidTransition):
            oh.cancel(user(adviser.id), booking(b1), REASON, now=at(10) + timedelta(minutes=5))
        db.session.rollback()
        assert booking(b1).status == BookingStatus.REQUESTED and booking(b1).sequence == 0
        # Exactly at the cutoff is still allowed.
        oh.cancel(user(member.id), booking(b2), REASON, now=at(14) - timedelta(hours=12))
        db.session.commit()
        assert booking(b2).status == BookingStatus.CANCELLED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_cancel_needs_a_reason(app, adviser, member, hours, reason):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            oh.cancel(user(member.id), booking(bid), reason, now=NOW)
        assert "reason" in info.value.fields
        db.session.rollback()
        assert booking(bid).status == BookingStatus.REQUESTED


def test_a_third_user_cannot_cancel(app, adviser, member, other, hours, mailbox):
    bid = book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    with app.app_context():
        with pytest.raises(NotFound):
            oh.cancel(user(other.id), booking(bid), REASON, now=NOW)
        with pytest.raises(NotFound):
            oh.get_booking(user(other.id), bid)
        db.session.rollback()
        assert booking(bid).status == BookingStatus.REQUESTED
    assert mailbox.messages == []


def test_cancelling_twice_is_refused(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.cancel(user(member.id), booking(bid), REASON, now=NOW)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            oh.cancel(user(adviser.id), booking(bid), REASON, now=NOW)


def test_a_cancelled_slot_is_free_again_and_can_be_rebooked(app, adviser, member, other, hours):
    bid = book(app, member.id, adviser.id, at(10))
    assert not {at(10), at(11)} & set(free_starts(app, adviser.id))
    with app.app_context():
        oh.cancel(user(member.id), booking(bid), REASON, now=NOW)
        db.session.commit()
    assert {at(10), at(11)} <= set(free_starts(app, adviser.id))
    again = book(app, other.id, adviser.id, at(10))
    with app.app_context():
        rows = db.session.execute(
            select(Booking.id, Booking.status).where(Booking.starts_at == at(10))
        ).all()
        assert sorted(rows) == sorted(
            [(bid, BookingStatus.CANCELLED), (again, BookingStatus.REQUESTED)]
        )
    # And the original member can take it back after that one is cancelled too.
    with app.app_context():
        oh.cancel(user(adviser.id), booking(again), REASON, now=NOW)
        db.session.commit()
    book(app, member.id, adviser.id, at(10))
    with app.app_context():
        assert count_bookings() == 3


# --- rescheduling ----------------------------------------------------------------------------


def test_reschedule_moves_the_same_booking(app, adviser, member, other, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        uid = booking(bid).uid
    mailbox.clear()
    with app.app_context():
        b = oh.reschedule(user(member.id), booking(bid), at(15), now=NOW)
        db.session.commit()
        assert (b.id, b.uid, b.sequence) == (bid, uid, 1)
        assert (b.starts_at, b.ends_at) == (at(15), at(16))
        assert b.status == BookingStatus.CONFIRMED
        assert count_bookings() == 1
        subject = oh.summary("moved", b, user(adviser.id), user(member.id))
    assert [m["Subject"] for m in mailbox.to("adv@example.com")] == [subject]
    assert mailbox.to("mem@example.com") == [], "not told of their own move"
    free = set(free_starts(app, adviser.id))
    assert at(10) in free and at(15) not in free
    book(app, other.id, adviser.id, at(10))
    # Moving again bumps the sequence again.
    with app.app_context():
        b = oh.reschedule(user(member.id), booking(bid), at(12, day=WED + timedelta(7)), now=NOW)
        db.session.commit()
        assert (b.uid, b.sequence) == (uid, 2)


def test_reschedule_goes_back_to_requested_when_confirmation_is_required(
    app, adviser, member, hours
):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.decide(user(adviser.id), booking(bid), confirm=True)
        db.session.commit()
        b = oh.reschedule(user(member.id), booking(bid), at(15), now=NOW)
        db.session.commit()
        assert b.status == BookingStatus.REQUESTED and b.sequence == 2


def test_reschedule_refuses_a_taken_slot(app, adviser, member, other, hours, mailbox):
    mine = book(app, member.id, adviser.id, at(10))
    book(app, other.id, adviser.id, at(15))
    mailbox.clear()
    with app.app_context():
        for target in (at(15), at(14), at(16), at(9), at(10, day=WED + timedelta(days=35))):
            with pytest.raises(oh.SlotTaken):
                oh.reschedule(user(member.id), booking(mine), target, now=NOW)
        db.session.rollback()
        b = booking(mine)
        assert (b.starts_at, b.sequence, b.status) == (at(10), 0, BookingStatus.REQUESTED)
    assert mailbox.messages == []


def test_reschedule_only_by_the_parties_and_before_the_cutoff(app, adviser, member, other, hours):
    bid = book(app, member.id, adviser.id, at(10, day=WED + timedelta(days=7)))
    with app.app_context():
        with pytest.raises(PermissionDenied):
            oh.reschedule(user(other.id), booking(bid), at(15), now=NOW)
        late = at(10, day=WED + timedelta(days=7)) - timedelta(hours=11)
        with pytest.raises(InvalidTransition):
            oh.reschedule(user(member.id), booking(bid), at(15, day=WED + timedelta(14)), now=late)
        oh.cancel(user(member.id), booking(bid), REASON, now=NOW)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            oh.reschedule(user(member.id), booking(bid), at(15), now=NOW)


def test_reschedule_far_enough_away_with_buffer_works(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.reschedule(user(member.id), booking(bid), at(12), now=NOW)
        db.session.commit()
        assert booking(bid).starts_at == at(12)


def test_reschedule_to_the_neighbouring_slot(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.reschedule(user(member.id), booking(bid), at(11), now=NOW)
        db.session.commit()
        assert booking(bid).starts_at == at(11)


# --- deciding --------------------------------------------------------------------------------


def test_adviser_confirms_a_request(app, adviser, member, hours, mailbox):
    bid = book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    with app.app_context():
        b = oh.decide(user(adviser.id), booking(bid), confirm=True)
        db.session.commit()
        assert b.status == BookingStatus.CONFIRMED and b.sequence == 1
        subject = oh.summary("confirmed", b, user(member.id), user(adviser.id))
    assert [m["Subject"] for m in mailbox.to("mem@example.com")] == [subject]
    assert mailbox.to("adv@example.com") == []


def test_adviser_declines_a_request(app, adviser, member, hours, mailbox):
    bid = book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    with app.app_context():
        b = oh.decide(user(adviser.id), booking(bid), confirm=False)
        db.session.commit()
        assert b.status == BookingStatus.DECLINED and not b.is_active
        subject = oh.summary("declined", b, user(member.id), user(adviser.id))
    assert [m["Subject"] for m in mailbox.to("mem@example.com")] == [subject]


def test_only_the_adviser_decides(app, adviser, member, other, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        for who in (member.id, other.id):
            with pytest.raises(PermissionDenied):
                oh.decide(user(who), booking(bid), confirm=True)
        db.session.rollback()
        assert booking(bid).status == BookingStatus.REQUESTED


def test_decide_only_while_requested(app, adviser, member, other, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.decide(user(adviser.id), booking(bid), confirm=True)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            oh.decide(user(adviser.id), booking(bid), confirm=False)
        cancelled = oh.book(user(other.id), user(adviser.id), at(15), AGENDA, now=NOW)
        oh.cancel(user(other.id), cancelled, REASON, now=NOW)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            oh.decide(user(adviser.id), cancelled, confirm=True)
        db.session.rollback()
        assert booking(bid).status == BookingStatus.CONFIRMED


def test_a_booking_without_confirmation_needs_no_decision(app, adviser, member):
    open_hours(app, adviser.id, requires_confirmation=False)
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context(), pytest.raises(InvalidTransition):
        oh.decide(user(adviser.id), booking(bid), confirm=True)


# --- a race for one slot (PostgreSQL) --------------------------------------------------------


def test_fifty_members_race_for_one_slot(app, adviser, hours, mailbox):
    from tests.factories import make_people

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs concurrent writers: run with KAKEHASHI_TEST_DB=postgresql://…")
        members = [u.id for u in make_people(50, prefix="racer")]
        db.session.commit()
    n = len(members)
    barrier = threading.Barrier(n, timeout=60)
    results: list = [None] * n

    def attempt(i: int) -> None:
        with app.app_context():
            try:
                # No database work before the barrier: the pool has fewer connections than
                # threads, and a thread holding one while waiting would stall the others.
                barrier.wait()
                b = oh.book(user(members[i]), user(adviser.id), at(10), f"相談 {i}", now=NOW)
                db.session.commit()
                results[i] = ("booked", b.id)
            except oh.SlotTaken:
                db.session.rollback()
                results[i] = ("taken", None)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    errors = [r for r in results if r is None or r[0] == "error"]
    assert errors == []
    outcomes = [r[0] for r in results]
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == n - 1
    with app.app_context():
        rows = db.session.scalars(select(Booking)).all()
        assert len(rows) == 1
        winner = next(r[1] for r in results if r[0] == "booked")
        assert rows[0].id == winner and rows[0].starts_at == at(10) and rows[0].is_active
    assert len(mailbox.to("adv@example.com")) == 1
