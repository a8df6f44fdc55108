"""After a booking is made: marking, rating and notes after the session, reminders and the
calendar feed."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from community.errors import InvalidTransition, PermissionDenied, ValidationFailed
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import (
    BookingStatus,
)
from community.questions.models import Answer, Question, QuestionStatus
from tests import qa_helpers
from tests import test_office_hours_services as base
from tests.test_office_hours_services import (
    NOW,
    REASON,
    WED,
    at,
    book,
    booking,
    configure,
    open_hours,
    user,
)

# Fixtures of test_office_hours_services.py, shared by assignment.
adviser = base.adviser
member = base.member
other = base.other


# --- after the session: marking, rating, notes -----------------------------------------------


@pytest.fixture
def confirmed(app, adviser, member):
    """A confirmed booking at Wednesday 10:00 JST."""
    open_hours(app, adviser.id, requires_confirmation=False)
    return book(app, member.id, adviser.id, at(10))


@pytest.mark.parametrize("status", [BookingStatus.DONE, BookingStatus.NO_SHOW])
def test_mark_after_the_start(app, adviser, confirmed, status):
    with app.app_context():
        with pytest.raises(InvalidTransition):
            oh.mark(user(adviser.id), booking(confirmed), status, now=at(10) - timedelta(seconds=1))
        b = oh.mark(user(adviser.id), booking(confirmed), status, now=at(10))
        db.session.commit()
        assert b.status == status and b.sequence == 1 and not b.is_active
        with pytest.raises(InvalidTransition):
            oh.mark(user(adviser.id), booking(confirmed), BookingStatus.DONE, now=at(12))


def test_mark_only_confirmed_and_only_by_the_adviser(app, adviser, member, confirmed, other):
    with app.app_context():
        with pytest.raises(PermissionDenied):
            oh.mark(user(member.id), booking(confirmed), BookingStatus.DONE, now=at(12))
        with pytest.raises(ValidationFailed):
            oh.mark(user(adviser.id), booking(confirmed), BookingStatus.CANCELLED, now=at(12))
        assert booking(confirmed).status == BookingStatus.CONFIRMED
    # A request the adviser never confirmed cannot be marked.
    configure(app, adviser.id, requires_confirmation=True)
    requested = book(app, other.id, adviser.id, at(15))
    with app.app_context():
        with pytest.raises(InvalidTransition):
            oh.mark(user(adviser.id), booking(requested), BookingStatus.DONE, now=at(17))
        db.session.rollback()
        assert booking(requested).status == BookingStatus.REQUESTED


def test_rate_a_done_session(app, adviser, member, confirmed):
    with app.app_context():
        with pytest.raises(InvalidTransition):
            oh.rate(user(member.id), booking(confirmed), 5)
        oh.mark(user(adviser.id), booking(confirmed), BookingStatus.DONE, now=at(11))
        db.session.commit()
        for stars in (0, 6, -1):
            with pytest.raises(ValidationFailed) as info:
                oh.rate(user(member.id), booking(confirmed), stars)
            assert "rating" in info.value.fields
        with pytest.raises(PermissionDenied):
            oh.rate(user(adviser.id), booking(confirmed), 5)
        for stars in (1, 5, 4):
            oh.rate(user(member.id), booking(confirmed), stars, "  とても参考になりました  ")
        db.session.commit()
        b = booking(confirmed)
        assert b.rating == 4 and b.rating_comment == "とても参考になりました"


def test_a_no_show_cannot_be_rated(app, adviser, member, confirmed):
    with app.app_context():
        oh.mark(user(adviser.id), booking(confirmed), BookingStatus.NO_SHOW, now=at(11))
        db.session.commit()
        with pytest.raises(InvalidTransition):
            oh.rate(user(member.id), booking(confirmed), 3)
        db.session.rollback()
        assert booking(confirmed).rating is None


def test_notes_are_the_advisers(app, adviser, member, confirmed):
    with app.app_context():
        with pytest.raises(PermissionDenied):
            oh.save_note(user(member.id), booking(confirmed), "note")
        oh.save_note(user(adviser.id), booking(confirmed), "  点検結果の様式を共有する  ")
        db.session.commit()
        assert booking(confirmed).adviser_note == "点検結果の様式を共有する"


def test_answer_from_note_posts_on_the_linked_question(app, adviser, member, other):
    open_hours(app, adviser.id, requires_confirmation=False)
    with app.app_context():
        qid = qa_helpers.ask(member.id).id
        db.session.commit()
    bid = book(app, member.id, adviser.id, at(10), question_id=qid)
    unlinked = book(app, other.id, adviser.id, at(15))
    body = "健全度Ⅲの橋は、交通量と迂回路の有無で優先順位を付けるとよいでしょう。"
    with app.app_context():
        with pytest.raises(PermissionDenied):
            oh.answer_from_note(user(member.id), booking(bid), body)
        with pytest.raises(InvalidTransition):
            oh.answer_from_note(user(adviser.id), booking(unlinked), body)
        post = oh.answer_from_note(user(adviser.id), booking(bid), body)
        db.session.commit()
        answer = db.session.scalar(select(Answer))
        assert answer.id == post.id and answer.question_id == qid
        assert answer.author_id == adviser.id and answer.body_md == body
        q = db.session.get(Question, qid)
        assert q.answer_count == 1 and q.status == QuestionStatus.ANSWERED


# --- reminders -------------------------------------------------------------------------------


def test_reminders_once_for_confirmed_bookings_within_24_hours(
    app, adviser, member, other, make_user, mailbox
):
    open_hours(app, adviser.id)  # requests need confirmation
    third = make_user(username="thi", email="thi@example.com")
    with app.app_context():
        # Evening hours on the Wednesday: 20:00 JST = 11:00 UTC.
        oh.add_exception(user(adviser.id), WED, "extra", time(20), time(21), 60, "online")
        db.session.commit()
    soon = book(app, member.id, adviser.id, at(10))
    later = book(app, other.id, adviser.id, at(20))
    requested = book(app, third.id, adviser.id, at(13))
    with app.app_context():
        oh.decide(user(adviser.id), booking(soon), confirm=True)
        oh.decide(user(adviser.id), booking(later), confirm=True)
        db.session.commit()
    run_at = at(10) - timedelta(hours=20)
    assert at(20) - run_at == timedelta(hours=30)
    mailbox.clear()
    with app.app_context():
        assert oh.send_reminders(now=run_at) == 1
        db.session.commit()
        assert booking(soon).reminder_sent_at == run_at
        assert booking(later).reminder_sent_at is None
        assert booking(requested).reminder_sent_at is None
        subject = oh.summary("reminder", booking(soon), user(member.id), None)
    assert [m["Subject"] for m in mailbox.to("mem@example.com")] == [subject]
    assert [m["Subject"] for m in mailbox.to("adv@example.com")] == [subject]
    assert mailbox.to("oth@example.com") == [] and mailbox.to("thi@example.com") == []
    assert len(mailbox.messages) == 2
    # Running again sends nothing new.
    with app.app_context():
        assert oh.send_reminders(now=run_at + timedelta(minutes=10)) == 0
        db.session.commit()
    assert len(mailbox.messages) == 2
    # Once the later one is within 24 hours, it gets its own reminder, once.
    with app.app_context():
        assert oh.send_reminders(now=at(20) - timedelta(hours=23)) == 1
        assert oh.send_reminders(now=at(20) - timedelta(hours=1)) == 0
        db.session.commit()
    assert len(mailbox.to("oth@example.com")) == 1 and len(mailbox.messages) == 4


def test_no_reminder_after_the_start_or_for_cancelled(app, adviser, member, other, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    started = book(app, member.id, adviser.id, at(10))
    cancelled = book(app, other.id, adviser.id, at(15))
    with app.app_context():
        oh.cancel(user(other.id), booking(cancelled), REASON, now=NOW)
        db.session.commit()
    mailbox.clear()
    with app.app_context():
        assert oh.send_reminders(now=at(10)) == 0
        assert oh.send_reminders(now=at(15) - timedelta(hours=2)) == 0
    assert mailbox.messages == []
    with app.app_context():
        assert booking(started).reminder_sent_at is None


def test_a_moved_booking_is_reminded_again(app, adviser, member, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    bid = book(app, member.id, adviser.id, at(10, day=WED + timedelta(days=7)))
    first_run = at(10, day=WED + timedelta(days=7)) - timedelta(hours=20)
    with app.app_context():
        assert oh.send_reminders(now=first_run) == 1
        db.session.commit()
        moved_to = at(14, day=WED + timedelta(days=14))
        oh.reschedule(user(member.id), booking(bid), moved_to, now=first_run)
        db.session.commit()
        assert booking(bid).reminder_sent_at is None
        assert oh.send_reminders(now=first_run + timedelta(hours=1)) == 0
        assert oh.send_reminders(now=moved_to - timedelta(hours=3)) == 1
        db.session.commit()


# --- calendar feed ---------------------------------------------------------------------------


def test_feed_token_is_stable_and_rotates(app, member, other):
    with app.app_context():
        first = oh.feed_token(user(member.id))
        db.session.commit()
        assert oh.feed_token(user(member.id)) == first
        assert len(first) >= 32
        assert oh.feed_token(user(other.id)) != first
        assert oh.user_for_feed(first).id == member.id
        rotated = oh.feed_token(user(member.id), rotate=True)
        db.session.commit()
        assert rotated != first
        assert oh.feed_token(user(member.id)) == rotated
        assert oh.user_for_feed(first) is None
        assert oh.user_for_feed(rotated).id == member.id
