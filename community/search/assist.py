"""「もしかして」: corrected queries offered when a search finds little, each checked to find
something the viewer may see (search() in services.py calls these with `assist`)."""

from __future__ import annotations

from sqlalchemy import and_, func, literal_column, or_, select, text

from community.extensions import db
from community.search import variants, visibility
from community.search.models import SearchEntry
from community.search.query_text import fts5_query, tsquery
from community.search.tokens import Term, parse
from community.text import normalise


def suggestions(viewer, query: str, terms: list[Term], vocab) -> list[str]:
    """Queries with one term corrected (点険 → 点検) that find something the viewer may see."""
    text_ = normalise(query)
    candidates = [
        text_.replace(t.text, fixed, 1)
        for t in terms
        for fixed in variants.corrections(t.text, vocab)
    ]
    out: list[str] = []
    for candidate in candidates[:3]:
        if candidate not in out and exists(viewer, parse(candidate)):
            out.append(candidate)
    return out[:2]


def exists(viewer, terms: list[Term]) -> bool:
    """Whether any document of any kind the viewer may see matches: one query."""
    if not terms:
        return False
    allowed = or_(
        *(
            and_(SearchEntry.kind == k, visibility.allowed(k, viewer)(SearchEntry.ref_id))
            for k in visibility.KINDS
        )
    )
    if db.session.get_bind().dialect.name == "postgresql":
        tsv = literal_column("search_entries.tsv")
        match = tsv.op("@@")(func.to_tsquery("simple", tsquery(terms)))
        stmt = select(SearchEntry.id).where(match, allowed)
    else:
        fts = text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q").bindparams(
            q=fts5_query(None, terms)
        )
        m = fts.columns(id=db.Integer).subquery()
        stmt = select(SearchEntry.id).join(m, m.c.id == SearchEntry.id).where(allowed)
    return bool(db.session.scalar(select(stmt.exists())))
