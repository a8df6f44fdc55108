"""iCalendar files for bookings: one event per booking, Japan time with a TZID, stable UID."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event, vText

from community.db import utcnow
from community.office_hours.models import Booking, BookingStatus
from community.office_hours.slots import TOKYO

STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.DONE: "CONFIRMED",
    BookingStatus.NO_SHOW: "CONFIRMED",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
}


def _event(booking: Booking, url: str, meeting_url: str = "") -> Event:
    e = Event()
    e.add("uid", booking.uid)
    e.add("dtstamp", utcnow())
    e.add("dtstart", booking.starts_at.astimezone(TOKYO))
    e.add("dtend", booking.ends_at.astimezone(TOKYO))
    e.add(
        "summary", f"オフィスアワー: {booking.adviser.display_name} / {booking.member.display_name}"
    )
    e.add("description", f"{booking.agenda}\n\n{url}")
    e.add("sequence", booking.sequence)
    e.add("status", STATUS[booking.status])
    e.add("url", url)
    if meeting_url and booking.mode.value == "online":
        e.add("location", vText(meeting_url))
    return e


def calendar(bookings: Iterable[tuple[Booking, str, str]], name: str = "Kakehashi") -> bytes:
    """A VCALENDAR with one VEVENT per (booking, page url, meeting url) and the Tokyo VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", "-//Kakehashi//office hours//JA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("method", "PUBLISH")
    for booking, url, meeting_url in bookings:
        cal.add_component(_event(booking, url, meeting_url))
    cal.add_missing_timezones()
    return cal.to_ical()
