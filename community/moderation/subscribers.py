"""Moderation's reactions to other features' events (community/signals.py)."""

from __future__ import annotations

from blinker import ANY

from community import signals
from community.moderation.flags import hold_if_needed


@signals.post_written.connect_via(ANY, weak=False)
def hold_new_members_links(post, *, author, body: str, circle_id, **_kw) -> None:
    """A new member's post with outside links waits for review: decided in the same
    transaction, before the events that announce the post are sent."""
    hold_if_needed(author, post, body, circle_id)
