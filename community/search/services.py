"""Searching: the same query gives the same results on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import func, literal_column, select, text

from community.auth.models import User
from community.casebook.models import Case
from community.circles.models import Circle
from community.extensions import db
from community.search import pages, variants, visibility
from community.search.assist import suggestions
from community.search.models import SearchEntry
from community.search.query_text import fts5_query, tsquery
from community.search.snippets import snippet
from community.search.tokens import Term, parse
from community.search.visibility import KINDS

FEW = 3  # fewer matching documents than this: try the parts of long words, then corrections


def matching_ref_ids(kind: str, query: str, split=None):
    """A select of every ref_id of `kind` matching `query`, unranked and not limited to what a
    viewer may see (None when the query has no terms); the directory filters with it. With
    `split` (see tokens.parse), long words also match by their parts."""
    terms = parse(query, split=split)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        tsv = literal_column("search_entries.tsv")
        return select(SearchEntry.ref_id).where(
            SearchEntry.kind == kind,
            tsv.op("@@")(func.to_tsquery("simple", tsquery(terms))),
        )
    fts = text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q").bindparams(
        q=fts5_query(kind, terms)
    )
    m = fts.columns(id=db.Integer).subquery()
    return select(SearchEntry.ref_id).join(m, m.c.id == SearchEntry.id)


@dataclass
class Hit:
    kind: str
    ref_id: int
    title: str
    snippet: Markup
    rank: float
    key: str = ""  # slug or username, for the link


# The link of a hit: a question's id, or a case's or circle's slug or a person's username.
_KEYS = {
    "case": (Case, Case.slug),
    "person": (User, User.username),
    "circle": (Circle, Circle.slug),
}


def _circle_names(ids: list[int]) -> dict[int, str]:
    """Circle names in the viewer's language (the index keeps the Japanese one as the title)."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None or locale.language != "en":
        return {}
    rows = db.session.execute(select(Circle.id, Circle.name_en).where(Circle.id.in_(ids)))
    return {i: name for i, name in rows if name}


@dataclass
class Results:
    terms: list[Term]
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    capped: dict[str, bool] = field(default_factory=dict)  # more matched than were ranked
    # Compounds matched by their parts because the words as typed found little: (word, parts).
    relaxed: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # 「もしかして」: whole queries

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def search(
    viewer,
    query: str,
    *,
    kinds=KINDS,
    filters: dict | None = None,
    page: int = 1,
    per_kind: int = 5,
    assist: bool = False,
    names: Iterable[str] = (),
) -> Results:
    """Results grouped by type, best first, limited to what the viewer may see.

    Each type is ranked within its window of the newest matches the viewer may see and the
    filters keep (see window.py); when more matched, `capped[kind]` is set and the total counts
    the window only.

    With `assist` (the search page), when fewer than FEW documents match: long words are matched
    by their parts as well (one more search; `relaxed` says which), and if that finds little too,
    `suggestions` holds up to two corrected queries that find something (at most three existence
    checks). `names` (field and topic names) join the vocabulary for both. A search that finds
    FEW or more costs nothing extra."""
    results = _search(viewer, parse(query), kinds, filters, page, per_kind)
    if not assist or not results.terms or results.total >= FEW:
        return results
    vocab = variants.vocabulary(names)
    relaxed = parse(query, split=lambda text_: variants.segment(text_, vocab))
    if any(t.parts for t in relaxed):
        results = _search(viewer, relaxed, kinds, filters, page, per_kind)
        results.relaxed = [(t.text, t.parts) for t in relaxed if t.parts]
    if results.total < FEW:
        results.suggestions = suggestions(viewer, query, results.terms, vocab)
    return results


def _search(viewer, terms: list[Term], kinds, filters, page: int, per_kind: int) -> Results:
    results = Results(terms)
    if not terms:
        return results
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for kind in kinds:
        allowed = visibility.allowed(kind, viewer, filters)
        if postgres:
            rows, total, capped = pages.postgres_page(kind, terms, allowed, page, per_kind)
        else:
            rows, total, capped = pages.sql_page(kind, terms, allowed, page, per_kind)
        results.totals[kind], results.capped[kind] = total, capped
        results.groups[kind] = _hits(kind, rows, terms)
    return results


def _hits(kind: str, rows, terms: list[Term]) -> list[Hit]:
    if not rows:
        return []
    ids = [r.ref_id for r in rows]
    # The text only (not the tokens); the first section is the document's own, with its title.
    # The link's key comes along (one statement, not two).
    if kind == "question":
        stmt = select(SearchEntry.ref_id, SearchEntry.title, SearchEntry.body)
    else:
        model, column = _KEYS[kind]
        stmt = select(
            SearchEntry.ref_id, SearchEntry.title, SearchEntry.body, column.label("key")
        ).outerjoin(model, model.id == SearchEntry.ref_id)
    entries = db.session.execute(
        stmt.where(SearchEntry.kind == kind, SearchEntry.ref_id.in_(ids)).order_by(
            SearchEntry.ref_id, SearchEntry.section
        )
    )
    by_ref: dict[int, list] = {}
    for e in entries:
        by_ref.setdefault(e.ref_id, []).append(e)
    if kind == "question":
        keys = {i: str(i) for i in ids}
    else:
        keys = {ref: sections[0].key or "" for ref, sections in by_ref.items()}
    titles = _circle_names(ids) if kind == "circle" else {}
    return [
        Hit(
            kind,
            r.ref_id,
            titles.get(r.ref_id) or by_ref[r.ref_id][0].title,
            snippet(by_ref[r.ref_id], terms),
            r.rank,
            keys.get(r.ref_id, ""),
        )
        for r in rows
    ]
