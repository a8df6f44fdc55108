"""Where mailed links, the calendar feed and booking links point (issue #14, item 11).

KAKEHASHI_BASE_URL when set; unset (development), the host and port of the request; outside a
request (the mail worker, cron) the configured value or the development default."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from community import create_app
from community.auth.models import Role
from community.config import TestConfig
from community.extensions import db
from community.office_hours import services as oh
from tests.test_office_hours_pages import open_hours
from tests.test_office_hours_services import user

ROOT = Path(__file__).resolve().parent.parent


def login_at(client, base: str) -> None:
    """Log in as "mem" on the host of `base` (the test client keeps cookies per host)."""
    data = {"identifier": "mem", "password": "correct horse battery"}
    assert client.post("/auth/login", data=data, base_url=base).status_code == 302


@pytest.fixture
def booked(app, make_user):
    """A confirmed booking two days ahead: (adviser id, member id, booking id)."""
    adviser = make_user(username="adv", email="adv@example.com", role=Role.ADVISER)
    member = make_user(username="mem", email="mem@example.com")
    start = open_hours(app, adviser.id, requires_confirmation=False)
    with app.app_context():
        b = oh.book(user(member.id), user(adviser.id), start, "点検計画の相談")
        db.session.commit()
        return adviser.id, member.id, b.id


def test_unset_links_follow_the_port_the_site_is_served_on(
    app, client, make_user, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "BASE_URL", "")
    adviser = make_user(username="adv", email="adv@example.com", role=Role.ADVISER)
    make_user(username="mem", email="mem@example.com")
    start = open_hours(app, adviser.id, requires_confirmation=False)
    here = "http://127.0.0.1:5301"
    login_at(client, here)
    response = client.post(
        f"/office-hours/adv/book?start={quote(start.isoformat())}",
        data={"agenda": "点検計画について", "mode": "online"},
        base_url=here,
    )
    assert response.status_code == 302
    bid = re.search(r"/bookings/(\d+)", response.headers["Location"]).group(1)
    assert mailbox.link("adv@example.com") == f"{here}/bookings/{bid}"
    page = client.get("/bookings/", base_url=here).get_data(as_text=True)
    assert re.search(rf"{re.escape(here)}/calendar/[\w-]+\.ics", page), "the feed URL"


def test_a_configured_base_url_wins_over_the_request(app, client, booked, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://kakehashi.example.jp")
    _adviser_id, _member_id, bid = booked
    login_at(client, "http://evil.example")
    page = client.get("/bookings/", base_url="http://evil.example").get_data(as_text=True)
    assert "https://kakehashi.example.jp/calendar/" in page and "evil.example" not in page
    feed = re.search(r"https://kakehashi.example.jp(/calendar/[\w-]+\.ics)", page).group(1)
    body = client.get(feed, base_url="http://evil.example").get_data(as_text=True)
    assert f"https://kakehashi.example.jp/bookings/{bid}" in body.replace("\r\n ", "")


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("https://kakehashi.example.jp", "https://kakehashi.example.jp"),
        ("", "http://127.0.0.1:5000"),
    ],
)
def test_mail_outside_a_request_uses_the_configured_base_url(
    app, booked, mailbox, monkeypatch, configured, expected
):
    """The reminder run (cron) has no request: the configured URL, else the default."""
    monkeypatch.setitem(app.config, "BASE_URL", configured)
    _adviser_id, _member_id, bid = booked
    mailbox.clear()
    with app.app_context():
        b = oh.get_booking(user(_member_id), bid)
        assert oh.send_reminders(now=b.starts_at - timedelta(hours=3)) == 1
        db.session.commit()
    assert mailbox.link("mem@example.com") == f"{expected}/bookings/{bid}"


def test_production_refuses_to_start_without_a_base_url(db_url):
    production = {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "ENV_NAME": "production",
        "MAIL_TO_LOG": True,
    }
    with pytest.raises(RuntimeError, match="KAKEHASHI_BASE_URL"):
        create_app(TestConfig, **production, BASE_URL="")
    assert create_app(TestConfig, **production, BASE_URL="https://kakehashi.example.jp")


def test_make_run_passes_its_port_as_the_base_url():
    def dry_run(*args: str) -> str:
        return subprocess.run(
            ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    assert "KAKEHASHI_BASE_URL=http://127.0.0.1:5301 " in dry_run("PORT=5301")
    assert "KAKEHASHI_BASE_URL=https://x.example.jp " in dry_run(
        "KAKEHASHI_BASE_URL=https://x.example.jp"
    )
