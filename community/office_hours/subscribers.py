"""Office hours' reactions to its own events (community/signals.py): who hears of a change."""

from __future__ import annotations

from blinker import ANY

from community import signals
from community.auth.models import User
from community.office_hours.models import Booking
from community.office_hours.notices import notify


@signals.booking_changed.connect_via(ANY, weak=False)
def tell_parties(booking: Booking, *, actor: User, change: str, **_kw) -> None:
    """A booking was made, confirmed, declined, moved or cancelled: tell whom it concerns."""
    notify(booking, change, actor=actor)
