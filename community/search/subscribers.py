"""The search index's reactions to other features' events (community/signals.py).

Most changes reach the index through SQLAlchemy's session events (search/index.py); an event
is needed only where the ORM does not see the change."""

from __future__ import annotations

from blinker import ANY

from community import signals
from community.search.index import mark_dirty


@signals.question_deleted.connect_via(ANY, weak=False)
def forget_question(question_id: int, **_kw) -> None:
    """A bulk DELETE passes by the session's events: the document is marked by hand."""
    mark_dirty("question", question_id)
