"""Office hours and invitations undo only their own failed part (a savepoint): a race lost on a
unique index or on a booking's version keeps the rest of the request's work, and the member gets
the same message as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.errors import Conflict
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import Booking, BookingStatus
from community.office_hours.slots import TOKYO, Slot
from community.questions import suggest
from community.questions.models import QuestionInvite
from tests import qa_helpers
from tests.conftest import login

# Monday 2030-01-07 09:00 JST; the adviser's hours are on Wednesdays 10:00–17:00 JST.
NOW = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)
WED = date(2030, 1, 9)
AGENDA = "橋梁の長寿命化修繕計画の見直し方について相談したいです。"
SETTINGS = {
    "affiliation": "県道路メンテナンス会議",
    "intro": "",
    "modes": ["online"],
    "meeting_url": "",
    "buffer_minutes": 0,
    "min_notice_hours": 24,
    "max_days_ahead": 30,
    "max_active_per_member": 2,
    "requires_confirmation": False,
    "paused": False,
}
TAKEN = "この時間は既に埋まっています。別の枠を選択してください。"
INVITED = "この方にはすでに依頼しています。"


def at(hour: int) -> datetime:
    return datetime.combine(WED, time(hour), tzinfo=TOKYO).astimezone(UTC)


def user(uid: int) -> User:
    return db.session.get(User, uid)


def committed(app, statement):
    """Read through a fresh session, after the test's session committed."""
    with app.app_context():
        return db.session.scalar(statement)


def renamed(app, uid: int) -> str:
    return committed(app, select(User.display_name).where(User.id == uid))


@pytest.fixture
def people(app, make_user):
    adviser = make_user(username="adv", email="adv@example.com", role=Role.ADVISER)
    member = make_user(username="mem", email="mem@example.com")
    other = make_user(username="oth", email="oth@example.com")
    with app.app_context():
        oh.update_settings(user(adviser.id), SETTINGS)
        oh.add_rule(user(adviser.id), 2, time(10), time(17), 60, "online")
        db.session.commit()
    return adviser.id, member.id, other.id


def stale_slots(monkeypatch, adviser_id: int, hour: int) -> None:
    """The free-slot check misses a concurrent booking: the slot at `hour` still looks free."""
    stale = {adviser_id: [Slot(at(hour), at(hour + 1), "online")]}
    monkeypatch.setattr(oh, "free_slots_for_many", lambda ids, now, **_kw: stale)


def test_a_booking_race_lost_on_the_index_keeps_the_requests_earlier_work(
    app, people, monkeypatch, mailbox
):
    adviser, member, other = people
    with app.app_context():
        oh.book(user(member), user(adviser), at(10), AGENDA, now=NOW)
        db.session.commit()
    mailbox.clear()
    stale_slots(monkeypatch, adviser, 10)
    with app.app_context():
        user(other).display_name = "Renamed in the same request"
        with pytest.raises(oh.SlotTaken) as info:
            oh.book(user(other), user(adviser), at(10), AGENDA, now=NOW)
        assert info.value.status == 409
        db.session.commit()
    assert renamed(app, other) == "Renamed in the same request"
    assert committed(app, select(func.count(Booking.id))) == 1
    assert mailbox.messages == [], "no mail for a booking that was not made"


def test_a_move_onto_a_slot_taken_meanwhile_keeps_the_booking_and_the_earlier_work(
    app, people, monkeypatch
):
    adviser, member, other = people
    with app.app_context():
        mine = oh.book(user(member), user(adviser), at(10), AGENDA, now=NOW)
        oh.book(user(other), user(adviser), at(12), AGENDA, now=NOW)
        db.session.commit()
        bid = mine.id
    stale_slots(monkeypatch, adviser, 12)
    with app.app_context():
        user(member).display_name = "Renamed in the same request"
        b = db.session.get(Booking, bid)
        with pytest.raises(oh.SlotTaken) as info:
            oh.reschedule(user(member), b, at(12), now=NOW)
        assert info.value.status == 409
        db.session.commit()
    assert renamed(app, member) == "Renamed in the same request"
    with app.app_context():
        b = db.session.get(Booking, bid)
        assert (b.starts_at, b.sequence, b.status) == (at(10), 0, BookingStatus.CONFIRMED)


def test_a_change_to_a_booking_changed_elsewhere_keeps_the_earlier_work(app, people, mailbox):
    adviser, member, _other = people
    with app.app_context():
        bid = oh.book(user(member), user(adviser), at(10), AGENDA, now=NOW).id
        db.session.commit()
    mailbox.clear()
    with app.app_context():
        b = db.session.get(Booking, bid)
        user(adviser).display_name = "Renamed in the same request"
        with db.engine.begin() as elsewhere:  # another request's committed change
            elsewhere.execute(
                Booking.__table__.update()
                .where(Booking.id == bid)
                .values(version=Booking.version + 1, adviser_note="別の操作")
            )
        with pytest.raises(oh.BookingChanged):
            oh.cancel(user(adviser), b, "都合が悪くなりました", now=NOW)
        db.session.commit()
    assert renamed(app, adviser) == "Renamed in the same request"
    with app.app_context():
        b = db.session.get(Booking, bid)
        assert (b.status, b.cancel_reason, b.sequence) == (BookingStatus.CONFIRMED, "", 0)
        assert b.adviser_note == "別の操作"
    assert mailbox.messages == [], "the refused change told no one"


def test_the_booking_page_says_the_slot_was_taken(app, client, people, monkeypatch):
    adviser, member, _other = people
    with app.app_context():
        oh.book(user(member), user(adviser), at(10), AGENDA, now=NOW)
        db.session.commit()
    stale_slots(monkeypatch, adviser, 10)
    login(client, "oth")
    response = client.post(
        "/office-hours/adv/book",
        query_string={"start": at(10).isoformat()},
        data={"agenda": AGENDA, "mode": "online", "question_id": ""},
    )
    assert response.status_code == 409
    assert TAKEN in response.get_data(as_text=True)
    assert committed(app, select(func.count(Booking.id))) == 1


def test_inviting_twice_keeps_the_first_invitation_and_the_earlier_work(app, make_user):
    asker = make_user(username="asker")
    first = make_user(username="first")
    second = make_user(username="second")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        db.session.commit()
        qid = q.id
    with app.app_context():
        question = db.session.get(type(q), qid)
        suggest.invite(user(asker.id), question, "first")
        user(asker.id).display_name = "Renamed in the same request"
        with pytest.raises(Conflict):
            suggest.invite(user(asker.id), question, "first")
        suggest.invite(user(asker.id), question, "second")  # the session goes on
        db.session.commit()
    assert renamed(app, asker.id) == "Renamed in the same request"
    with app.app_context():
        invited = db.session.scalars(
            select(QuestionInvite.user_id).order_by(QuestionInvite.user_id)
        ).all()
    assert invited == [first.id, second.id]


def test_the_second_invitation_says_so(app, client, make_user):
    asker = make_user(username="asker")
    make_user(username="first")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()
    login(client, "asker")
    assert client.post(f"/questions/{qid}/invite", data={"username": "first"}).status_code == 302
    again = client.post(
        f"/questions/{qid}/invite", data={"username": "first"}, follow_redirects=True
    )
    assert again.status_code == 200 and INVITED in again.get_data(as_text=True)
    assert committed(app, select(func.count(QuestionInvite.id))) == 1
