"""Office-hour pages: permissions, bad input, calendar files and query counts."""

import re
from datetime import time, timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.db import utcnow
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import AvailabilityRule, Booking, Mode
from community.office_hours.slots import TOKYO
from tests.conftest import login


def open_hours(app, adviser_id, **settings):
    with app.app_context():
        a = db.session.get(User, adviser_id)
        s = oh.settings_for(a)
        s.min_notice_hours = 0
        for k, v in settings.items():
            setattr(s, k, v)
        for weekday in range(7):
            db.session.add(
                AvailabilityRule(
                    adviser_id=a.id,
                    weekday=weekday,
                    start_time=time(9),
                    end_time=time(18),
                    slot_minutes=60,
                    mode=Mode.ONLINE,
                )
            )
        db.session.commit()
        # A slot two days ahead: clear of the notice period and the cancellation cutoff.
        later = utcnow() + timedelta(days=2)
        return next(slot.start for slot in oh.free_slots_for(a) if slot.start > later)


@pytest.fixture
def adviser(make_user):
    return make_user(username="adv", role=Role.ADVISER, fields=["bridge"], prefecture="16")


def test_book_via_pages_and_bad_input(client, app, adviser, make_user, mailbox):
    start = open_hours(app, adviser.id, requires_confirmation=False)
    make_user(username="mem", email="mem@example.com")
    login(client, "mem")
    url = f"/office-hours/adv/book?start={quote(start.isoformat())}"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"agenda": "", "mode": "online"}).status_code == 422
    assert client.get("/office-hours/adv/book?start=not-a-date").status_code == 404
    assert (
        client.get("/office-hours/nobody/book?start=" + quote(start.isoformat())).status_code == 404
    )
    response = client.post(url, data={"agenda": "点検計画について", "mode": "online"})
    assert response.status_code == 302
    with app.app_context():
        b = db.session.scalar(select(Booking))
        assert b.status.value == "confirmed" and b.starts_at == start
    assert mailbox.to("mem@example.com") and mailbox.to("adv@example.com")
    # The same slot again: a clear refusal, no second booking.
    again = client.post(url, data={"agenda": "もう一度", "mode": "online"})
    assert again.status_code == 409
    assert 'href="/office-hours/adv"' in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_booking_pages_are_private_to_both_sides(client, app, adviser, make_user):
    start = open_hours(app, adviser.id)
    member = make_user(username="mem")
    make_user(username="other")
    with app.app_context():
        b = oh.book(
            db.session.get(User, member.id), db.session.get(User, adviser.id), start, "相談"
        )
        db.session.commit()
        bid = b.id
    login(client, "other")
    for path in (f"/bookings/{bid}", f"/bookings/{bid}.ics"):
        assert client.get(path).status_code == 404
    assert client.post(f"/bookings/{bid}/cancel", data={"reason": "x"}).status_code == 404
    assert client.post(f"/bookings/{bid}/decide", data={"decision": "confirm"}).status_code == 404
    client.post("/auth/logout")
    login(client, "mem")
    assert client.get(f"/bookings/{bid}").status_code == 200
    assert client.post(f"/bookings/{bid}/decide", data={"decision": "confirm"}).status_code == 403
    assert client.get("/office-hours/settings").status_code == 403


def test_ics_file_and_feed(client, app, adviser, make_user):
    start = open_hours(app, adviser.id)
    member = make_user(username="mem")
    with app.app_context():
        b = oh.book(
            db.session.get(User, member.id), db.session.get(User, adviser.id), start, "相談"
        )
        db.session.commit()
        bid, uid = b.id, b.uid
    login(client, "mem")
    response = client.get(f"/bookings/{bid}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == uid
    assert (
        event.decoded("dtstart") == start and str(event.decoded("dtstart").tzinfo) == "Asia/Tokyo"
    )
    assert cal.walk("VTIMEZONE"), "the Tokyo time zone is included"
    # Cancelling bumps SEQUENCE and marks the event cancelled in the same UID.
    with app.app_context():
        oh.cancel(
            db.session.get(User, member.id),
            db.session.get(Booking, bid),
            "都合がつかなくなりました",
            now=utcnow(),
        )
        db.session.commit()
    (event,) = Calendar.from_ical(client.get(f"/bookings/{bid}.ics").data).walk("VEVENT")
    assert (
        str(event["status"]) == "CANCELLED"
        and int(event["sequence"]) == 1
        and str(event["uid"]) == uid
    )
    # The private feed: works without login, and stops working once rotated.
    with app.app_context():
        token = oh.feed_token(db.session.get(User, member.id))
        db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    client.post("/bookings/feed/rotate")
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404


def test_adviser_settings_pages(client, app, adviser):
    login(client, "adv")
    assert client.get("/office-hours/settings").status_code == 200
    bad = client.post(
        "/office-hours/settings",
        data={
            "modes": [],
            "buffer_minutes": "15",
            "min_notice_hours": "24",
            "max_days_ahead": "30",
            "max_active_per_member": "2",
        },
    )
    assert bad.status_code == 422
    ok = client.post(
        "/office-hours/settings",
        data={
            "modes": ["online"],
            "buffer_minutes": "10",
            "min_notice_hours": "0",
            "max_days_ahead": "14",
            "max_active_per_member": "3",
            "meeting_url": "https://m.example.jp/x",
        },
    )
    assert ok.status_code == 302
    assert (
        client.post(
            "/office-hours/settings/rules",
            data={
                "weekday": "1",
                "start_time": "10:00",
                "end_time": "09:00",
                "slot_minutes": "60",
                "mode": "online",
            },
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/office-hours/settings/rules",
            data={
                "weekday": "1",
                "start_time": "10:00",
                "end_time": "12:00",
                "slot_minutes": "60",
                "mode": "online",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AvailabilityRule)) == 1
    assert client.get("/office-hours/adv").status_code == 200


def test_office_hours_list_query_count_is_fixed(client, app, make_user, count_queries):
    def add(n, prefix):
        for i in range(n):
            u = make_user(
                username=f"{prefix}{i}", role=Role.ADVISER, fields=["bridge"], prefecture="16"
            )
            open_hours(app, u.id)

    add(2, "ada")
    client.get("/office-hours/")
    with count_queries() as few:
        assert client.get("/office-hours/").status_code == 200
    add(8, "adb")
    with count_queries() as many:
        html = client.get("/office-hours/").get_data(as_text=True)
    assert html.count('class="card adviser-card"') == 10
    assert few.count == many.count


def test_reminder_cli_sends_once(app, adviser, make_user, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    member = make_user(username="mem", email="mem@example.com")
    with app.app_context():
        soon = oh.free_slots_for(db.session.get(User, adviser.id))[0].start
        assert soon < utcnow() + timedelta(hours=24)
        oh.book(db.session.get(User, member.id), db.session.get(User, adviser.id), soon, "相談")
        db.session.commit()
    mailbox.clear()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["office-hours", "send-reminders"])
    assert first.exit_code == 0 and "reminders sent: 1" in first.output
    second = runner.invoke(args=["office-hours", "send-reminders"])
    assert "reminders sent: 0" in second.output
    assert len(mailbox.to("mem@example.com")) == 1


# --- the whole booking window, one date format (issue #14, item 10) ----------------------------

# Japanese: the weekday in full-width brackets, no Latin spaces; English: 2030/01/09 (Wed) 10:00.
WHEN_RE = r"\d{4}/\d{2}/\d{2}（[月火水木金土日]）\d{2}:\d{2}"
WHEN_EN_RE = r"\d{4}/\d{2}/\d{2} \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)\) \d{2}:\d{2}"


def test_the_adviser_page_pages_through_the_whole_window(client, app, adviser, count_queries):
    open_hours(app, adviser.id, max_days_ahead=30)
    with app.app_context():
        last = oh.free_slots_for(db.session.get(User, adviser.id))[-1]
    assert last.start > utcnow() + timedelta(days=28), "slots exist to the end of the window"
    url, pages, seen = "/office-hours/adv", 0, []
    client.get(url)
    while url:
        with count_queries() as queries:
            html = client.get(url).get_data(as_text=True)
        seen.append(queries.count)
        assert "30日先まで予約できます" in html
        pages += 1
        later = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', html)
        url = (later.group(1) or later.group(2)).replace("&amp;", "&") if later else None
        if url is None:
            assert last.start.isoformat().replace("+", "%2B") in html, "the last slot is offered"
    assert pages == 3, "14 days a page over 31 days"
    assert len(set(seen)) == 1, "every page costs the same queries"
    # A date outside the window falls back to the first page rather than an empty one.
    html = client.get("/office-hours/adv?from=2099-01-01").get_data(as_text=True)
    assert 'rel="prev"' not in html and 'rel="next"' in html


def test_the_move_list_and_the_booking_list_write_times_one_way(client, app, adviser, make_user):
    start = open_hours(app, adviser.id, max_days_ahead=30, requires_confirmation=False)
    member = make_user(username="mem")
    with app.app_context():
        b = oh.book(
            db.session.get(User, member.id), db.session.get(User, adviser.id), start, "相談"
        )
        db.session.commit()
        bid = b.id
    login(client, "mem")
    page = client.get(f"/bookings/{bid}").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]+)</option>", page)
    assert options and all(re.fullmatch(WHEN_RE, o) for o in options), options[:3]
    # The move list covers the whole window, beyond the three weeks it used to stop at.
    last_day = (utcnow() + timedelta(days=27)).astimezone(TOKYO).strftime("%Y/%m/%d")
    assert any(o.startswith(last_day) for o in options)
    listing = client.get("/bookings/").get_data(as_text=True)
    assert re.search(WHEN_RE, listing)
    assert re.search(WHEN_RE, client.get("/office-hours/").get_data(as_text=True)), "next free"
    assert not re.search(r"\(([月火水木金土日])\)", listing + page), "no half-width brackets"
    client.set_cookie("lang", "en")
    english = client.get("/bookings/").get_data(as_text=True)
    assert re.search(WHEN_EN_RE, english) and not re.search(WHEN_RE, english)
    client.set_cookie("lang", "ja")
    with app.app_context():
        day = (utcnow() + timedelta(days=3)).astimezone(TOKYO).date()
        oh.add_exception(db.session.get(User, adviser.id), day, "off")
        db.session.commit()
    adviser_client = app.test_client()
    login(adviser_client, "adv")
    settings = adviser_client.get("/office-hours/settings").get_data(as_text=True)
    assert day.strftime("%Y/%m/%d（") in settings and day.isoformat() not in settings
