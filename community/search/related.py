"""Related documents: those sharing the most words with a text (a question's title): the similar
questions of a question and the cases related to a title."""

from __future__ import annotations

from sqlalchemy import func, select

from community.extensions import db
from community.questions.text import keywords
from community.search import visibility, window
from community.search.models import SearchEntry
from community.search.tokens import parse


def related(
    viewer, text_: str, kind: str = "question", limit: int = 5, exclude_id: int | None = None
) -> list[int]:
    """ref_ids of documents sharing the most words with `text_` (any of them), best first."""

    terms = [t for k in keywords(text_) for t in parse(k)][:8]
    terms = [t for t in terms if not t.prefix]  # single characters relate everything to everything
    if not terms:
        return []
    w = window.window(kind, terms, visibility.allowed(kind, viewer), any_term=True)
    stmt = (
        select(SearchEntry.ref_id, func.min(w.rows.c.rank).label("rank"))
        .join(w.rows, w.rows.c.id == SearchEntry.id)
        .group_by(SearchEntry.ref_id)
        .order_by(func.min(w.rows.c.rank), SearchEntry.ref_id.desc())
        .limit(limit + 1)
    )
    ids = [r.ref_id for r in db.session.execute(stmt) if r.ref_id != exclude_id]
    return ids[:limit]
