"""State changes that race: a booking moved while it is cancelled or confirmed, an answer accepted
from two tabs, votes sent twice or in parallel. Each race runs real requests on their own
connections, in threads that meet at a barrier just before their first write, so that every
request has read the old state before any of them changes it: the worst interleaving, every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from community.auth.models import Role, User
from community.extensions import db
from community.notifications.models import Kind, Notification
from community.office_hours import services as oh
from community.office_hours.models import Booking, BookingStatus
from community.questions import services as qa
from community.questions.models import Answer, AnswerVote, Question, QuestionStatus
from tests import qa_helpers
from tests.conftest import login
from tests.test_office_hours_pages import open_hours

CHANGED = "この予約は他の操作で変更されました"
ACCEPT_CHANGED = "解決した回答が他の操作で変更されました"


@contextmanager
def meet_before(app, sql_start: str, parties: int) -> Iterator[None]:
    """Hold each thread's first statement that starts with `sql_start` until `parties` threads
    have reached theirs. No lock is held while waiting: on SQLite the driver begins its write
    transaction inside execute, after this hook."""
    barrier = threading.Barrier(parties, timeout=20)
    seen = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany):
        if not getattr(seen, "met", False) and statement.lstrip().startswith(sql_start):
            seen.met = True
            barrier.wait()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def together(*calls: Callable[[], object]) -> list:
    """Run the calls in threads at once; their results (or the exceptions they raised)."""
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def posting(client, url: str, data: dict) -> Callable[[], tuple[int, str]]:
    def post() -> tuple[int, str]:
        response = client.post(url, data=data, follow_redirects=True)
        return response.status_code, response.get_data(as_text=True)

    return post


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


# --- bookings ---------------------------------------------------------------------------------


@pytest.fixture
def adviser(make_user):
    return make_user(username="adv", email="adv@example.com", role=Role.ADVISER)


@pytest.fixture
def member(make_user):
    return make_user(username="mem", email="mem@example.com")


def confirmed_booking(app, adviser_id: int, member_id: int, requires_confirmation: bool):
    """Open hours every day, book a slot two days ahead, confirm it if needed.

    Returns (booking id, a free slot two hours later to move it to)."""
    start = open_hours(app, adviser_id, requires_confirmation=requires_confirmation)
    with app.app_context():
        adviser = db.session.get(User, adviser_id)
        target = next(
            s.start for s in oh.free_slots_for(adviser) if s.start >= start + timedelta(hours=2)
        )
        b = oh.book(db.session.get(User, member_id), adviser, start, "点検計画の相談")
        if requires_confirmation:
            oh.decide(adviser, b, confirm=True)
        db.session.commit()
        assert b.status == BookingStatus.CONFIRMED
        return b.id, target


def booking_state(app, bid: int) -> Booking:
    with app.app_context():
        b = db.session.get(Booking, bid)
        db.session.expunge(b)
        return b


@pytest.mark.parametrize("requires_confirmation", [True, False], ids=["confirm", "instant"])
def test_reschedule_racing_cancel_applies_exactly_one(
    app, adviser, member, mailbox, requires_confirmation
):
    bid, new_start = confirmed_booking(app, adviser.id, member.id, requires_confirmation)
    before = booking_state(app, bid)
    mem, adv = signed_in(app, "mem"), signed_in(app, "adv")
    mailbox.clear()
    with meet_before(app, "UPDATE bookings", 2):
        moved, cancelled = together(
            posting(mem, f"/bookings/{bid}/reschedule", {"start": new_start.isoformat()}),
            posting(adv, f"/bookings/{bid}/cancel", {"reason": "出張が入りました"}),
        )
    codes = sorted([moved[0], cancelled[0]])
    assert codes == [200, 409], (moved[0], cancelled[0])
    loser = moved if moved[0] == 409 else cancelled
    assert CHANGED in loser[1]
    after = booking_state(app, bid)
    # One change, applied whole: never a requested booking with a cancel reason.
    assert after.sequence == before.sequence + 1
    assert after.version == before.version + 1
    if cancelled[0] == 200:
        assert after.status == BookingStatus.CANCELLED
        assert after.starts_at == before.starts_at and after.cancel_reason == "出張が入りました"
    else:
        expected = BookingStatus.REQUESTED if requires_confirmation else BookingStatus.CONFIRMED
        assert after.status == expected
        assert after.starts_at == new_start and after.cancel_reason == ""
        assert after.cancelled_by_id is None
    # Only the winner's notice went out, once, to the side that did not act.
    told, not_told = (
        ("mem@example.com", "adv@example.com")
        if cancelled[0] == 200
        else ("adv@example.com", "mem@example.com")
    )
    assert len(mailbox.to(told)) == 1
    assert mailbox.to(not_told) == []


def test_confirm_racing_reschedule_applies_exactly_one(app, adviser, member, mailbox):
    bid, new_start = confirmed_booking(app, adviser.id, member.id, requires_confirmation=True)
    # Back to a request waiting for the adviser: the member moves it once first.
    with app.app_context():
        oh.reschedule(db.session.get(User, member.id), db.session.get(Booking, bid), new_start)
        db.session.commit()
        slots = [s.start for s in oh.free_slots_for(db.session.get(User, adviser.id))]
        again = next(s for s in slots if s >= new_start + timedelta(hours=2))
    before = booking_state(app, bid)
    assert before.status == BookingStatus.REQUESTED
    mem, adv = signed_in(app, "mem"), signed_in(app, "adv")
    with meet_before(app, "UPDATE bookings", 2):
        moved, confirmed = together(
            posting(mem, f"/bookings/{bid}/reschedule", {"start": again.isoformat()}),
            posting(adv, f"/bookings/{bid}/decide", {"decision": "confirm"}),
        )
    assert sorted([moved[0], confirmed[0]]) == [200, 409]
    after = booking_state(app, bid)
    assert after.sequence == before.sequence + 1
    if confirmed[0] == 200:
        # The adviser confirmed the time they saw, not one chosen meanwhile.
        assert after.status == BookingStatus.CONFIRMED and after.starts_at == before.starts_at
    else:
        assert after.status == BookingStatus.REQUESTED and after.starts_at == again


def test_a_booking_changed_since_it_was_read_is_refused_by_the_service(app, adviser, member):
    """Without threads: the loser's flush finds a newer version, rolls back, raises."""
    bid, new_start = confirmed_booking(app, adviser.id, member.id, requires_confirmation=False)

    def changed_elsewhere() -> None:
        with db.engine.begin() as other:  # another request's committed change
            other.execute(
                Booking.__table__.update()
                .where(Booking.id == bid)
                .values(version=Booking.version + 1, adviser_note="別の操作")
            )

    with app.app_context():
        adviser_user = db.session.get(User, adviser.id)
        b = db.session.get(Booking, bid)
        changed_elsewhere()
        with pytest.raises(oh.BookingChanged) as info:
            oh.cancel(adviser_user, b, "都合が悪くなりました")
        assert info.value.status == 409
        assert CHANGED in info.value.message
        db.session.rollback()  # what the request edge does with a 409
        member_user = db.session.get(User, member.id)
        b = db.session.get(Booking, bid)
        changed_elsewhere()
        with pytest.raises(oh.BookingChanged):
            oh.reschedule(member_user, b, new_start)
    after = booking_state(app, bid)
    assert after.status == BookingStatus.CONFIRMED and after.cancel_reason == ""
    assert after.starts_at != new_start and after.sequence == 0


def test_a_page_showing_an_older_booking_cannot_change_it(app, adviser, member):
    """The adviser's page still shows 10:00 when the member moves the request; confirming from
    it is refused, confirming from the reloaded page works."""
    bid, new_start = confirmed_booking(app, adviser.id, member.id, requires_confirmation=True)
    with app.app_context():
        oh.reschedule(db.session.get(User, member.id), db.session.get(Booking, bid), new_start)
        db.session.commit()
    adv = signed_in(app, "adv")
    page = adv.get(f"/bookings/{bid}").get_data(as_text=True)
    shown = booking_state(app, bid).version
    assert f'name="version" value="{shown}"' in page
    with app.app_context():
        slots = [s.start for s in oh.free_slots_for(db.session.get(User, adviser.id))]
        later = next(s for s in slots if s >= new_start + timedelta(hours=2))
        oh.reschedule(db.session.get(User, member.id), db.session.get(Booking, bid), later)
        db.session.commit()
    stale = adv.post(f"/bookings/{bid}/decide", data={"decision": "confirm", "version": shown})
    assert stale.status_code == 409 and CHANGED in stale.get_data(as_text=True)
    assert booking_state(app, bid).status == BookingStatus.REQUESTED
    current = booking_state(app, bid).version
    fresh = adv.post(f"/bookings/{bid}/decide", data={"decision": "confirm", "version": current})
    assert fresh.status_code == 302
    after = booking_state(app, bid)
    assert after.status == BookingStatus.CONFIRMED and after.starts_at == later


# --- accepting an answer ----------------------------------------------------------------------


@pytest.fixture
def thread(app, make_user):
    """A question by `asker` with answers by `helper` and `third`: (question id, [answer ids])."""
    make_user(username="asker", email="asker@example.com")
    helper = make_user(username="helper", email="helper@example.com")
    third = make_user(username="third", email="third@example.com")
    with app.app_context():
        asker_id = db.session.scalar(select(User.id).where(User.username == "asker"))
        q = qa_helpers.ask(asker_id)
        a1 = qa_helpers.answer(helper.id, q)
        a2 = qa_helpers.answer(third.id, q, "うちは交通量よりも迂回路の有無を重く見ています。")
        db.session.commit()
        return q.id, [a1.id, a2.id]


def accepted_notices(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.user_id).where(Notification.kind == Kind.ACCEPTED)
            )
        )


@pytest.mark.parametrize("form_says_what_it_saw", [True, False], ids=["seen", "as-read"])
def test_two_tabs_accepting_different_answers_one_wins(app, thread, mailbox, form_says_what_it_saw):
    qid, (a1, a2) = thread
    tab1, tab2 = signed_in(app, "asker"), signed_in(app, "asker")
    seen = {"accepted_id": ""} if form_says_what_it_saw else {}
    mailbox.clear()
    with meet_before(app, "UPDATE questions SET accepted_answer_id", 2):
        first, second = together(
            posting(tab1, f"/questions/{qid}/accept", {"answer_id": a1, **seen}),
            posting(tab2, f"/questions/{qid}/accept", {"answer_id": a2, **seen}),
        )
    assert sorted([first[0], second[0]]) == [200, 409]
    loser = first if first[0] == 409 else second
    assert ACCEPT_CHANGED in loser[1]
    winner_answer = a1 if first[0] == 200 else a2
    with app.app_context():
        q = db.session.get(Question, qid)
        assert q.accepted_answer_id == winner_answer and q.status == QuestionStatus.RESOLVED
        winner_author = db.session.get(Answer, winner_answer).author
        loser_author = db.session.get(Answer, a2 if winner_answer == a1 else a1).author
    assert accepted_notices(app) == [winner_author.id]
    assert len(mailbox.to(winner_author.email)) == 1
    assert mailbox.to(loser_author.email) == []


def test_accepting_the_same_answer_twice_at_once_notifies_once(app, thread, mailbox):
    qid, (a1, _a2) = thread
    tab1, tab2 = signed_in(app, "asker"), signed_in(app, "asker")
    form = {"answer_id": a1, "accepted_id": ""}
    mailbox.clear()
    with meet_before(app, "UPDATE questions SET accepted_answer_id", 2):
        results = together(
            posting(tab1, f"/questions/{qid}/accept", form),
            posting(tab2, f"/questions/{qid}/accept", form),
        )
    assert [code for code, _body in results] == [200, 200]
    with app.app_context():
        assert db.session.get(Question, qid).accepted_answer_id == a1
    assert len(accepted_notices(app)) == 1
    assert len(mailbox.to("helper@example.com")) == 1


def test_accepting_from_an_out_of_date_page_is_refused(app, thread, client):
    qid, (a1, a2) = thread
    login(client, "asker")
    first = client.post(f"/questions/{qid}/accept", data={"answer_id": a1, "accepted_id": ""})
    assert first.status_code == 302
    # A second tab still shows no accepted answer and offers a2.
    stale = client.post(f"/questions/{qid}/accept", data={"answer_id": a2, "accepted_id": ""})
    assert stale.status_code == 409
    assert ACCEPT_CHANGED in stale.get_data(as_text=True)
    # Withdrawing from an out-of-date page is refused as well; from the current one it works.
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert f'name="accepted_id" value="{a1}"' in page
    assert client.post(f"/questions/{qid}/accept", data={"accepted_id": a2}).status_code == 409
    assert client.post(f"/questions/{qid}/accept", data={"accepted_id": a1}).status_code == 302
    with app.app_context():
        q = db.session.get(Question, qid)
        assert q.accepted_answer_id is None and q.status == QuestionStatus.ANSWERED
    with app.app_context():
        helper = db.session.get(Answer, a1).author_id
    assert accepted_notices(app) == [helper], "the refused changes told no one"


# --- votes ------------------------------------------------------------------------------------


def answer_score(app, aid: int) -> tuple[int, list[int]]:
    with app.app_context():
        score = db.session.get(Answer, aid).score
        values = list(
            db.session.scalars(select(AnswerVote.value).where(AnswerVote.answer_id == aid))
        )
        return score, values


@pytest.mark.parametrize("state", ["up", "1"])
def test_the_same_vote_from_two_tabs_at_once_counts_once(app, thread, state):
    _qid, (a1, _a2) = thread
    tab1, tab2 = signed_in(app, "third"), signed_in(app, "third")
    json = {"Accept": "application/json"}

    def up(client):
        return lambda: client.post(f"/answers/{a1}/vote", data={"value": state}, headers=json)

    # Both meet before the vote's first statement, the lock on the answer's row.
    with meet_before(app, "SELECT answers.id \nFROM answers", 2):
        results = together(up(tab1), up(tab2))
    assert [r.get_json() for r in results] == [{"score": 1, "vote": "up"}] * 2
    assert answer_score(app, a1) == (1, [1])


def test_vote_buttons_post_the_state_they_lead_to(app, thread, client):
    qid, (a1, _a2) = thread
    login(client, "third")
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert f'action="/answers/{a1}/vote"' in page
    assert 'name="value" value="up"' in page and 'name="value" value="down"' in page
    client.post(f"/answers/{a1}/vote", data={"value": "up"})
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    # The pressed button now leads back to no vote; a stale copy of the old page posts "up"
    # again, which changes nothing.
    assert 'name="value" value="none" aria-pressed="true"' in page
    client.post(f"/answers/{a1}/vote", data={"value": "up"})
    assert answer_score(app, a1) == (1, [1])
    client.post(f"/answers/{a1}/vote", data={"value": "none"})
    assert answer_score(app, a1) == (0, [])


def test_ten_parallel_identical_votes_count_once(app, thread):
    """The SQLite report: ten parallel +1 from one member ended at -2 with one vote row."""
    _qid, (a1, _a2) = thread
    with app.app_context():
        voter = db.session.scalar(select(User.id).where(User.username == "third"))
    barrier = threading.Barrier(10, timeout=20)

    def cast() -> int:
        with app.app_context():
            try:
                barrier.wait()
                score = qa.vote(db.session.get(User, voter), db.session.get(Answer, a1), 1)
                db.session.commit()
                return score
            except Exception:
                db.session.rollback()
                raise

    results = together(*[cast] * 10)
    assert results == [1] * 10
    assert answer_score(app, a1) == (1, [1])


def test_parallel_mixed_votes_leave_the_score_equal_to_the_votes(app, thread, make_user):
    _qid, (a1, _a2) = thread
    voters = [make_user(username=f"voter{i}").id for i in range(12)]
    # Each voter first votes up, then at once: a third withdraw, a third go down, a third stay.
    with app.app_context():
        answer = db.session.get(Answer, a1)
        for v in voters:
            qa.vote(db.session.get(User, v), answer, 1)
        db.session.commit()
    barrier = threading.Barrier(len(voters), timeout=20)

    def cast(user_id: int, value: int) -> Callable[[], int]:
        def run() -> int:
            with app.app_context():
                try:
                    barrier.wait()
                    user, post = db.session.get(User, user_id), db.session.get(Answer, a1)
                    score = qa.vote(user, post, value)
                    db.session.commit()
                    return score
                except Exception:
                    db.session.rollback()
                    raise

        return run

    values = [(0, -1, 1)[i % 3] for i in range(len(voters))]
    results = together(*[cast(v, value) for v, value in zip(voters, values, strict=True)])
    assert not [r for r in results if isinstance(r, Exception)], results
    score, rows = answer_score(app, a1)
    assert score == sum(rows) == sum(values)
    assert len(rows) == values.count(1) + values.count(-1)
