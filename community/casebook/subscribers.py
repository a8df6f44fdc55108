"""The casebook's reactions to other features' events (community/signals.py)."""

from __future__ import annotations

from blinker import ANY

from community import signals
from community.casebook.links import sync_mentions


@signals.post_written.connect_via(ANY, weak=False)
def link_mentioned_cases(post, *, author, body: str, question, answer, **_kw) -> None:
    """`#case:<slug>` or a case URL in a question or answer links that case (in the same
    transaction as the post)."""
    sync_mentions(question, body, author, answer)
