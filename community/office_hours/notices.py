"""Who hears of a booking change, in whose words, and by which road (in-app, mail).

The rules (README "Office hours"):
- nobody is told of their own action: a move or a cancel by one side reaches only the other;
- the one exception is the receipt a member gets for their own booking (its details and link),
  written in the second person (「予約を受け付けました」) — the adviser reads「〇〇さんから予約が
  入りました」;
- booking mail follows the recipient's setting for office-hour notifications: at once (the
  default: the parties need the time and the link), in the daily digest, or never. The in-app
  notice is recorded in every case.

The services do not call this module: they send `signals.booking_changed`, and subscribers.py
calls `notify` for it. The reminder run calls `notify` itself.
"""

from __future__ import annotations

from flask_babel import gettext as _

from community import mail
from community.auth.models import User
from community.auth.services import absolute_url
from community.db import utcnow
from community.extensions import db
from community.notifications import services as notes
from community.notifications.models import Kind, MailPreference
from community.office_hours.models import AdviserSettings, Booking, BookingStatus, Mode
from community.office_hours.slots import TOKYO
from community.urls import base_url

EVENTS = ("booked", "confirmed", "declined", "cancelled", "moved", "reminder")


def summary(event: str, booking: Booking, recipient: User, actor: User | None) -> str:
    """One line in the recipient's words: the subject, the in-app text and the mail's lead."""
    to_member = recipient.id == booking.member_id
    requested = booking.status == BookingStatus.REQUESTED
    name = actor.display_name if actor is not None else ""
    if event == "booked":
        if to_member:
            return (
                _("Your booking was received. Please wait for the adviser to confirm it.")
                if requested
                else _("Your booking was received and is confirmed.")
            )
        return (
            _("%(name)s booked your office hours. Please confirm or decline.", name=name)
            if requested
            else _("%(name)s booked your office hours.", name=name)
        )
    if event == "confirmed":
        return _("%(name)s confirmed your booking.", name=name)
    if event == "declined":
        return _("%(name)s declined your booking request.", name=name)
    if event == "cancelled":
        return _("%(name)s cancelled the booking.", name=name)
    if event == "moved":
        if requested and not to_member:
            return _("%(name)s moved the booking. Please confirm the new time.", name=name)
        return _("%(name)s moved the booking to a new time.", name=name)
    return _("Reminder: office hour within 24 hours")


def _recipients(event: str, booking: Booking, actor: User | None) -> list[tuple[User, bool]]:
    """(person, gets an in-app notice) for each person to tell."""
    adviser = db.session.get(User, booking.adviser_id)
    member = db.session.get(User, booking.member_id)
    if event == "booked":
        # The member's receipt is a mail only: the bell is for what others did.
        return [(adviser, True), (member, False)]
    people = [member] if event in ("confirmed", "declined") else [adviser, member]
    actor_id = getattr(actor, "id", None)
    return [(p, True) for p in people if p is not None and p.id != actor_id]


def meeting_url(booking: Booking) -> str:
    """The meeting link, once there is something to join: an online booking that is confirmed."""
    if booking.mode != Mode.ONLINE or booking.status != BookingStatus.CONFIRMED:
        return ""
    settings = db.session.get(AdviserSettings, booking.adviser_id)
    return settings.meeting_url if settings else ""


def notify(booking: Booking, event: str, actor: User | None = None) -> None:
    """Tell the people `event` concerns (see the module docstring for who and how)."""
    url = absolute_url("office_hours.booking", booking_id=booking.id)
    path = url.removeprefix(base_url())
    adviser = db.session.get(User, booking.adviser_id)
    member = db.session.get(User, booking.member_id)
    people = [(p, bell) for p, bell in _recipients(event, booking, actor) if not p.is_deleted]
    prefs = notes.preferences_for([p.id for p, _bell in people])
    link = meeting_url(booking)
    for person, bell in people:
        text = summary(event, booking, person, actor)
        made = (
            notes.notify(
                [person.id], Kind.BOOKING, actor=actor, text=text, url=path, send_mail=False
            )
            if bell
            else []
        )
        wants = prefs[person.id].get(Kind.BOOKING, notes.DEFAULT_MAIL[Kind.BOOKING])
        if wants != MailPreference.IMMEDIATELY:
            continue  # never, or the digest (which picks up the in-app notice)
        for n in made:
            n.mailed_at = utcnow()
        mail.queue(
            person.email,
            text,
            "booking",
            person=person,
            summary=text,
            event=event,
            booking=booking,
            url=url,
            adviser=adviser,
            member=member,
            actor=actor,
            other=member if person.id == adviser.id else adviser,
            start=booking.starts_at.astimezone(TOKYO),
            end=booking.ends_at.astimezone(TOKYO),
            meeting_url=link,
            needs_decision=person.id == adviser.id
            and booking.status == BookingStatus.REQUESTED
            and event in ("booked", "moved"),
        )
    db.session.flush()
