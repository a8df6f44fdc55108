"""Browser journey: find an adviser for 橋梁 in my prefecture, book with an agenda and a linked
question, download the .ics, the adviser confirms, and after the session the member rates it."""

import re
from datetime import time, timedelta

from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select, update

from community.auth.models import Role, User
from community.db import utcnow
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import AvailabilityRule, Booking, BookingStatus, Mode
from tests import qa_helpers
from tests.factories import PASSWORD


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def test_book_confirm_and_rate(browser, live_server, app, make_user):
    adviser = make_user(
        username="adviser1",
        display_name="森 先生",
        role=Role.ADVISER,
        fields=["bridge"],
        prefecture="16",
    )
    make_user(
        username="far_adviser",
        display_name="遠方 先生",
        role=Role.ADVISER,
        fields=["sewer"],
        prefecture="47",
    )
    member = make_user(
        username="member1", display_name="田中 町子", fields=["bridge"], prefecture="16"
    )
    with app.app_context():
        a = db.session.get(User, adviser.id)
        s = oh.settings_for(a)
        s.min_notice_hours, s.requires_confirmation = 0, True
        s.meeting_url = "https://meet.example.jp/room"
        for weekday in range(7):
            db.session.add(
                AvailabilityRule(
                    adviser_id=a.id,
                    weekday=weekday,
                    start_time=time(9, 0),
                    end_time=time(21, 0),
                    slot_minutes=60,
                    mode=Mode.ONLINE,
                )
            )
        question = qa_helpers.ask(member.id, title="判定区分Ⅲの橋の補修の優先順位について")
        db.session.commit()
        question_title = question.title

    member_ctx = browser.new_context(base_url=live_server, accept_downloads=True)
    adviser_ctx = browser.new_context(base_url=live_server)
    mp, ap = member_ctx.new_page(), adviser_ctx.new_page()
    try:
        log_in(mp, "member1")
        mp.goto("/office-hours/?field=bridge&prefecture=16")
        cards = mp.locator(".adviser-card")
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text("森 先生")
        cards.first.locator("a.person-head").click()
        # A slot at least a day ahead: it can still be moved online (12-hour cutoff).
        first_slot = mp.locator(".slot-day").nth(2).locator("a.slot").first
        slot_label = first_slot.inner_text()
        first_slot.click()

        mp.fill("#agenda", "判定区分Ⅲの橋が5橋あり、補修の順番の決め方を相談したいです。")
        mp.select_option("#question_id", label=question_title)
        mp.locator("form.form button[type=submit]").click()
        expect(mp).to_have_url(re.compile(r"/bookings/\d+$"))
        expect(mp.locator(".badge.booking-requested")).to_be_visible()
        booking_url = mp.url

        with mp.expect_download() as download_info:
            mp.locator("a[href$='.ics']").click()
        ics_path = download_info.value.path()
        with open(ics_path, "rb") as fh:
            cal = Calendar.from_ical(fh.read())
        events = list(cal.walk("VEVENT"))
        assert len(events) == 1
        start = events[0].decoded("dtstart")
        assert str(start.tzinfo) == "Asia/Tokyo"
        assert start.strftime("%H:%M") == slot_label.split("–")[0]
        assert str(events[0]["status"]) == "TENTATIVE"

        log_in(ap, "adviser1")
        ap.goto(booking_url)
        expect(ap.locator("main")).to_contain_text(
            question_title
        )  # the question behind the booking
        ap.locator("button[name=decision][value=confirm]").click()
        expect(ap.locator(".badge.booking-confirmed")).to_be_visible()

        # The member moves the confirmed booking: told before and after that the adviser has to
        # confirm the new time again (issue #14 item 7), and the page shows 承認待ち.
        mp.goto(booking_url)
        move = mp.locator("details:has(form[action$='/reschedule'])")
        move.locator("summary").click()
        expect(move.locator(".reconfirm-note")).to_contain_text("再承認")
        mp.select_option("#start", index=1)
        move.locator("button").click()
        expect(mp.locator(".flash")).to_contain_text(
            "日時を変更しました。アドバイザーの再承認が必要です"
        )
        expect(mp.locator(".badge.booking-requested")).to_be_visible()
        ap.goto(booking_url)
        ap.locator("button[name=decision][value=confirm]").click()
        expect(ap.locator(".badge.booking-confirmed")).to_be_visible()

        # The session takes place: move it into the past, as the clock would.
        with app.app_context():
            bid = db.session.scalar(select(Booking.id))
            past = utcnow() - timedelta(hours=2)
            db.session.execute(
                update(Booking)
                .where(Booking.id == bid)
                .values(starts_at=past, ends_at=past + timedelta(hours=1))
            )
            db.session.commit()
        ap.reload()
        ap.locator("button[name=status][value=done]").click()
        expect(ap.locator(".badge.booking-done")).to_be_visible()

        mp.reload()
        mp.check("input[name=rating][value='5']")
        mp.fill("#comment", "順番の決め方がはっきりしました。")
        mp.locator("form[action$='/rate'] button").click()
        expect(mp.locator("section:has(form[action$='/rate'])")).to_contain_text("★5")
        with app.app_context():
            b = db.session.get(Booking, bid)
            assert b.status == BookingStatus.DONE and b.rating == 5 and b.question_id is not None
    finally:
        member_ctx.close()
        adviser_ctx.close()
