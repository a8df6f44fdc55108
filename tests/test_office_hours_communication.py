"""Who hears of a booking change, in whose words and by which road (issue #14, items 7–9):
moving a confirmed booking, greetings and second-person mail, the meeting link, the labelled
cancel reason, nobody told of their own action, and the booking mail setting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.auth.models import Role
from community.db import utcnow
from community.extensions import db
from community.notifications import services as notes
from community.notifications.models import Kind, MailPreference, Notification
from community.office_hours import services as oh
from community.office_hours.models import BookingStatus
from tests.conftest import login
from tests.test_office_hours_pages import open_hours as open_every_day
from tests.test_office_hours_services import NOW, REASON, at, book, booking, open_hours, user


@pytest.fixture
def adviser(make_user):
    return make_user(
        username="adv", email="adv@example.com", role=Role.ADVISER, display_name="Adviser Aoki"
    )


@pytest.fixture
def member(make_user):
    return make_user(username="mem", email="mem@example.com", display_name="Member Mori")


@pytest.fixture
def hours(app, adviser):
    open_hours(app, adviser.id)  # Wednesdays 10:00–17:00 JST, confirmation required


def bell(app, user_id: int) -> list[str]:
    """The in-app notices of one user, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.text)
                .where(Notification.user_id == user_id, Notification.kind == Kind.BOOKING)
                .order_by(Notification.id)
            )
        )


def confirmed(app, adviser_id: int, member_id: int, start) -> int:
    bid = book(app, member_id, adviser_id, start)
    with app.app_context():
        oh.decide(user(adviser_id), booking(bid), confirm=True)
        db.session.commit()
    return bid


# --- item 8: greetings, second person, meeting link, nobody told of their own action ----------


def test_a_new_booking_greets_each_side_in_their_own_words(app, adviser, member, hours, mailbox):
    bid = book(app, member.id, adviser.id, at(10))
    to_member = mailbox.body(mailbox.last_to("mem@example.com"))
    to_adviser = mailbox.body(mailbox.last_to("adv@example.com"))
    assert to_member.startswith("Member Mori 様\n")
    assert "予約を受け付けました。アドバイザーの承認をお待ちください。" in to_member
    assert "相手：Adviser Aoki" in to_member
    assert to_adviser.startswith("Adviser Aoki 様\n")
    asked = "Member Moriさんから予約が入りました。承認するか、お断りするかを選んでください。"
    assert asked in to_adviser
    assert f"承認・お断りはこちらから：\nhttp://localhost/bookings/{bid}" in to_adviser
    # Not confirmed yet: no link to a meeting that may not happen.
    assert "会議リンク" not in to_member + to_adviser
    # The bell is for what others did: the adviser has a notice, the member who booked none.
    assert bell(app, adviser.id) == [
        "Member Moriさんから予約が入りました。承認するか、お断りするかを選んでください。"
    ]
    assert bell(app, member.id) == []


def test_the_confirmation_carries_the_meeting_link(app, adviser, member, hours, mailbox):
    bid = book(app, member.id, adviser.id, at(10))
    mailbox.clear()
    with app.app_context():
        oh.decide(user(adviser.id), booking(bid), confirm=True)
        db.session.commit()
    (mail,) = mailbox.messages
    body = mailbox.body(mail)
    assert (
        mail["To"] == "mem@example.com"
        and mail["Subject"] == "Adviser Aokiさんが予約を承認しました。"
    )
    assert "会議リンク：https://meet.example.jp/adv" in body
    assert "方法：オンライン" in body and "状態：確定" in body


def test_a_booking_confirmed_at_once_carries_the_link_and_says_so(app, adviser, member, mailbox):
    open_hours(app, adviser.id, requires_confirmation=False)
    book(app, member.id, adviser.id, at(10))
    to_member = mailbox.body(mailbox.last_to("mem@example.com"))
    assert "予約を受け付けました。予約は確定しています。" in to_member
    assert "会議リンク：https://meet.example.jp/adv" in to_member
    assert "Member Moriさんから予約が入りました。\n" in mailbox.body(
        mailbox.last_to("adv@example.com")
    )


@pytest.mark.parametrize("side", ["member", "adviser"])
def test_a_cancel_reaches_only_the_other_side(app, adviser, member, hours, mailbox, side):
    bid = book(app, member.id, adviser.id, at(10))
    actor, other_side = (member, adviser) if side == "member" else (adviser, member)
    before = {u.id: len(bell(app, u.id)) for u in (adviser, member)}
    mailbox.clear()
    with app.app_context():
        oh.cancel(user(actor.id), booking(bid), REASON, now=NOW)
        db.session.commit()
    (mail,) = mailbox.messages
    assert mail["To"] == other_side.email
    body = mailbox.body(mail)
    assert f"{actor.display_name}さんが予約をキャンセルしました。" in body
    assert f"キャンセル理由：{REASON}" in body
    assert len(bell(app, actor.id)) == before[actor.id], "no notice of one's own cancel"
    assert bell(app, other_side.id)[-1] == f"{actor.display_name}さんが予約をキャンセルしました。"


# --- item 7: moving a confirmed booking ---------------------------------------------------------


def test_the_member_moving_a_confirmed_booking_asks_the_adviser_again(
    app, adviser, member, hours, mailbox
):
    bid = confirmed(app, adviser.id, member.id, at(10))
    mailbox.clear()
    with app.app_context():
        b = booking(bid)
        assert oh.needs_reconfirmation(user(member.id), b, oh.settings_for(user(adviser.id)))
        oh.reschedule(user(member.id), b, at(15), now=NOW)
        db.session.commit()
        assert booking(bid).status == BookingStatus.REQUESTED
    (mail,) = mailbox.messages
    body = mailbox.body(mail)
    assert mail["To"] == "adv@example.com"
    assert "Member Moriさんが予約の日時を変更しました。新しい日時を承認してください。" in body
    assert "2030/01/09（水）15:00–16:00" in body and "状態：承認待ち" in body
    assert "承認・お断りはこちらから：" in body
    assert bell(app, member.id) == ["Adviser Aokiさんが予約を承認しました。"], "not their own move"


def test_the_adviser_moving_a_booking_keeps_it_confirmed(app, adviser, member, hours, mailbox):
    bid = confirmed(app, adviser.id, member.id, at(10))
    mailbox.clear()
    adviser_notices = len(bell(app, adviser.id))
    with app.app_context():
        assert not oh.needs_reconfirmation(
            user(adviser.id), booking(bid), oh.settings_for(user(adviser.id))
        )
        oh.reschedule(user(adviser.id), booking(bid), at(15), now=NOW)
        db.session.commit()
        assert booking(bid).status == BookingStatus.CONFIRMED
    (mail,) = mailbox.messages
    body = mailbox.body(mail)
    assert mail["To"] == "mem@example.com"
    assert "Adviser Aokiさんが予約の日時を変更しました。" in body
    assert "会議リンク：https://meet.example.jp/adv" in body
    assert len(bell(app, adviser.id)) == adviser_notices


def test_moving_a_request_keeps_it_a_request(app, adviser, member, hours):
    bid = book(app, member.id, adviser.id, at(10))
    with app.app_context():
        oh.reschedule(user(member.id), booking(bid), at(15), now=NOW)
        db.session.commit()
        assert booking(bid).status == BookingStatus.REQUESTED


def test_the_booking_page_says_a_move_needs_the_adviser_again(client, app, make_user, mailbox):
    adviser_user = make_user(username="adv", display_name="森 先生", role=Role.ADVISER)
    start = open_every_day(app, adviser_user.id, requires_confirmation=True)
    mem = make_user(username="mem", email="mem@example.com")
    with app.app_context():
        b = oh.book(user(mem.id), user(adviser_user.id), start, "点検計画の相談")
        oh.decide(user(adviser_user.id), b, confirm=True)
        db.session.commit()
        bid, version = b.id, b.version
        target = next(s.start for s in oh.free_slots_for(user(adviser_user.id)) if s.start > start)
    login(client, "mem")
    page = client.get(f"/bookings/{bid}").get_data(as_text=True)
    assert "日時を変更すると承認待ちに戻り" in page, "said before submitting"
    response = client.post(
        f"/bookings/{bid}/reschedule",
        data={"start": target.isoformat(), "version": version},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "日時を変更しました。アドバイザーの再承認が必要です" in page
    assert 'class="badge booking-requested"' in page
    assert "アドバイザーはまだこの日時を承認していません。" in page
    assert "日時を変更すると承認待ちに戻り" not in page, "nothing left to warn of"


def test_the_adviser_sees_no_reconfirmation_warning(client, app, make_user):
    adviser_user = make_user(username="adv", display_name="森 先生", role=Role.ADVISER)
    start = open_every_day(app, adviser_user.id, requires_confirmation=True)
    mem = make_user(username="mem", display_name="田中 町子")
    with app.app_context():
        b = oh.book(user(mem.id), user(adviser_user.id), start, "点検計画の相談")
        oh.decide(user(adviser_user.id), b, confirm=True)
        db.session.commit()
        bid = b.id
    login(client, "adv")
    page = client.get(f"/bookings/{bid}").get_data(as_text=True)
    assert "日時を変更すると承認待ちに戻り" not in page
    assert "田中 町子さんに新しい日時が通知されます。予約の状態は変わりません。" in page


# --- item 9: the booking mail setting -----------------------------------------------------------


def test_the_settings_page_shows_booking_mail_at_once_by_default(client, app, make_user):
    make_user(username="mem")
    login(client, "mem")
    page = client.get("/settings/notifications").get_data(as_text=True)
    checked = re.search(r'name="mail-booking" value="(\w+)"[^>]*checked', page)
    assert checked and checked.group(1) == "immediately"


def test_booking_mail_never_is_honoured_and_the_notice_still_recorded(
    app, adviser, member, hours, mailbox
):
    with app.app_context():
        notes.set_preference(user(adviser.id), Kind.BOOKING, MailPreference.NEVER)
        db.session.commit()
    book(app, member.id, adviser.id, at(10))
    assert mailbox.to("adv@example.com") == []
    assert len(mailbox.to("mem@example.com")) == 1, "the member's own setting is the default"
    assert len(bell(app, adviser.id)) == 1
    with app.app_context():
        assert notes.send_digest(now=NOW + timedelta(days=1)) == 0, "never is not the digest"


def test_booking_mail_in_the_digest(app, adviser, member, hours, mailbox):
    with app.app_context():
        notes.set_preference(user(adviser.id), Kind.BOOKING, MailPreference.DIGEST)
        db.session.commit()
    book(app, member.id, adviser.id, at(10))
    assert mailbox.to("adv@example.com") == []
    with app.app_context():
        assert notes.send_digest(now=NOW + timedelta(days=1)) == 1
        db.session.commit()
    assert "Member Moriさんから予約が入りました" in mailbox.body(mailbox.last_to("adv@example.com"))


def test_booking_mail_at_once_is_one_mail_not_two(app, adviser, member, hours, mailbox):
    book(app, member.id, adviser.id, at(10))
    (mail,) = mailbox.to("adv@example.com")
    assert "相談内容" in mailbox.body(mail), "the booking mail, not a generic notice"
    with app.app_context():
        assert notes.send_digest(now=NOW + timedelta(days=1)) == 0, "already mailed"


def test_after_the_cutoff_the_page_offers_no_move_and_says_why(client, app, make_user):
    adviser_user = make_user(username="adv", role=Role.ADVISER)
    start = open_every_day(app, adviser_user.id, requires_confirmation=False)
    mem = make_user(username="mem")
    with app.app_context():
        b = oh.book(user(mem.id), user(adviser_user.id), start, "点検計画の相談")
        soon = utcnow() + timedelta(hours=2)  # inside the 12-hour cutoff, as the clock would be
        b.starts_at, b.ends_at = soon, soon + timedelta(hours=1)
        db.session.commit()
        bid = b.id
    login(client, "mem")
    page = client.get(f"/bookings/{bid}").get_data(as_text=True)
    assert "/reschedule" not in page and "/cancel" not in page
    assert "キャンセルできる期限を過ぎています。相手の方に直接ご連絡ください。" in page


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("ja", ["状態：承認待ち", "相手：Adviser Aoki", "15:00–16:00（日本時間）"]),
        (
            "en",
            ["Status: Waiting for the adviser", "With: Adviser Aoki", "15:00–16:00 (Japan time)"],
        ),
    ],
)
def test_the_booking_mail_labels_follow_each_languages_typography(
    app, adviser, member, hours, lang, lines
):
    from flask import render_template
    from flask_babel import force_locale

    from community.office_hours.slots import TOKYO

    bid = book(app, member.id, adviser.id, at(15))
    with app.test_request_context("/"), force_locale(lang):
        b, to = booking(bid), user(member.id)
        body = render_template(
            "email/booking.txt",
            person=to,
            summary="",
            event="booked",
            booking=b,
            url="http://localhost/",
            other=user(adviser.id),
            start=b.starts_at.astimezone(TOKYO),
            end=b.ends_at.astimezone(TOKYO),
            meeting_url="https://meet.example.jp/adv",
            needs_decision=False,
        )
    for line in lines:
        assert line in body, body
    link = "会議リンク：https://" if lang == "ja" else "Meeting link: https://"
    assert link in body
    assert ("： " not in body) if lang == "ja" else (": https://" in body)
