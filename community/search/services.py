"""Searching: the same query gives the same results on SQLite and PostgreSQL."""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, and_, func, literal, literal_column, or_, select, text

from community import policy
from community.auth.models import User
from community.casebook.access import visible_clause as cases_visible
from community.casebook.models import Case, CaseStage, case_fields
from community.circles.models import Circle
from community.extensions import db
from community.profiles.models import Profile
from community.questions.models import Question
from community.questions.text import keywords
from community.search import variants, window
from community.search.models import SearchEntry
from community.search.snippets import snippet
from community.search.tokens import Term, parse
from community.text import normalise

KINDS = ("question", "case", "person", "circle")
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
            tsv.op("@@")(func.to_tsquery("simple", window.tsquery(terms))),
        )
    fts = text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q").bindparams(
        q=window.fts5_query(kind, terms)
    )
    m = fts.columns(id=db.Integer).subquery()
    return select(SearchEntry.ref_id).join(m, m.c.id == SearchEntry.id)


def _stage(f: dict) -> int | None:
    return int(f["stage"]) if f.get("stage") in ("1", "2", "3") else None


def _question_docs(viewer, f: dict, ref) -> Select:
    doc = select(Question.id).where(Question.id == ref, policy.visible_questions_clause(viewer))
    if f.get("circle"):
        circle_id = select(Circle.id).where(Circle.slug == f["circle"]).scalar_subquery()
        doc = doc.where(Question.circle_id == circle_id)
    if f.get("field"):
        doc = doc.where(Question.field_code == f["field"])
    if stage := _stage(f):
        doc = doc.where(Question.stage == stage)
    if f.get("since"):
        doc = doc.where(Question.created_at >= f["since"])
    return doc


def _case_docs(viewer, f: dict, ref) -> Select:
    doc = select(Case.id).where(Case.id == ref, cases_visible(viewer))
    if f.get("field"):
        with_field = select(case_fields.c.case_id).where(case_fields.c.field_code == f["field"])
        doc = doc.where(Case.id.in_(with_field))
    if stage := _stage(f):
        doc = doc.where(Case.id.in_(select(CaseStage.case_id).where(CaseStage.stage == stage)))
    if f.get("band"):
        doc = doc.where(Case.population_band_code == f["band"])
    return doc


def _circle_docs(viewer, f: dict, ref) -> Select:
    return select(Circle.id).where(Circle.id == ref, policy.visible_circles_clause(viewer))


def _person_docs(viewer, f: dict, ref) -> Select:
    doc = (
        select(User.id)
        .join(Profile, Profile.user_id == User.id)
        .where(
            User.id == ref,
            User.deleted_at.is_(None),
            policy.visible_profiles_clause(viewer),
        )
    )
    if f.get("band"):
        doc = doc.where(Profile.population_band_code == f["band"])
    return doc


# Per kind: the documents the viewer may see that pass the filters, correlated to a ref_id column.
_DOCS: dict[str, Callable[[object, dict, ColumnElement], Select]] = {
    "question": _question_docs,
    "case": _case_docs,
    "circle": _circle_docs,
    "person": _person_docs,
}


def _allowed(kind: str, viewer, f: dict | None = None) -> Callable[[ColumnElement], ColumnElement]:
    """A condition on a ref_id column (search_entries.ref_id, or a walk's rows): its document
    is one the viewer may see and passes the filters. Correlated (EXISTS per entry) rather than
    an IN list, which would read every question to rank the few in the window. A function of
    the column, so that a walk over a subquery gets it built on its own column (adapting one
    built on search_entries costs more than building it)."""
    docs = _DOCS[kind]
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def on(ref: ColumnElement) -> ColumnElement:
        doc = docs(viewer, f or {}, ref)
        if postgres:
            # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hash of every visible
            # document (a scan of all questions) where a lookup per matching section is cheaper.
            doc = doc.offset(0)
        return doc.exists()

    return on


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
        results.suggestions = _suggestions(viewer, query, results.terms, vocab)
    return results


def _suggestions(viewer, query: str, terms: list[Term], vocab) -> list[str]:
    """Queries with one term corrected (点険 → 点検) that find something the viewer may see."""
    text_ = normalise(query)
    candidates = [
        text_.replace(t.text, fixed, 1)
        for t in terms
        for fixed in variants.corrections(t.text, vocab)
    ]
    out: list[str] = []
    for candidate in candidates[:3]:
        if candidate not in out and _exists(viewer, parse(candidate)):
            out.append(candidate)
    return out[:2]


def _exists(viewer, terms: list[Term]) -> bool:
    """Whether any document of any kind the viewer may see matches: one query."""
    if not terms:
        return False
    allowed = or_(
        *(and_(SearchEntry.kind == k, _allowed(k, viewer)(SearchEntry.ref_id)) for k in KINDS)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        tsv = literal_column("search_entries.tsv")
        match = tsv.op("@@")(func.to_tsquery("simple", window.tsquery(terms)))
        stmt = select(SearchEntry.id).where(match, allowed)
    else:
        fts = text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q").bindparams(
            q=window.fts5_query(None, terms)
        )
        m = fts.columns(id=db.Integer).subquery()
        stmt = select(SearchEntry.id).join(m, m.c.id == SearchEntry.id).where(allowed)
    return bool(db.session.scalar(select(stmt.exists())))


_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class _Row(NamedTuple):
    ref_id: int
    rank: float


def _search(viewer, terms: list[Term], kinds, filters, page: int, per_kind: int) -> Results:
    results = Results(terms)
    if not terms:
        return results
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for kind in kinds:
        allowed = _allowed(kind, viewer, filters)
        if postgres:
            rows, total, capped = _postgres_page(kind, terms, allowed, page, per_kind)
        else:
            rows, total, capped = _sql_page(kind, terms, allowed, page, per_kind)
        results.totals[kind], results.capped[kind] = total, capped
        results.groups[kind] = _hits(kind, rows, terms)
    return results


def _sql_page(kind: str, terms: list[Term], allowed, page: int, per_kind: int):
    """The page of documents, their total and whether the window was full: ranked in SQL."""
    w, spread = window.window_and_spread(kind, terms, allowed)
    best = (
        select(
            SearchEntry.ref_id,
            func.min(w.rows.c.rank).label("rank"),
            func.max(SearchEntry.updated_at).label("at"),
        )
        .join(w.rows, w.rows.c.id == SearchEntry.id)
        .group_by(SearchEntry.ref_id)
    )
    if spread:
        # Words in different posts of a thread (or far apart in a long one): found, ranked
        # after every direct match; a document found both ways keeps its direct rank.
        both = best.union_all(
            select(
                SearchEntry.ref_id,
                literal(0.0).label("rank"),
                func.max(SearchEntry.updated_at).label("at"),
            )
            .where(SearchEntry.kind == kind, SearchEntry.ref_id.in_(spread))
            .group_by(SearchEntry.ref_id)
        ).subquery()
        best = select(
            both.c.ref_id, func.min(both.c.rank).label("rank"), func.max(both.c.at).label("at")
        ).group_by(both.c.ref_id)
    best = best.subquery()
    # The total and whether the window was full ride along with each row of the page.
    rows = db.session.execute(
        select(
            best.c.ref_id,
            best.c.rank,
            func.count().over().label("total"),
            w.capped.label("capped"),
        )
        .order_by(best.c.rank, best.c.at.desc(), best.c.ref_id.desc())
        .offset((page - 1) * per_kind)
        .limit(per_kind)
    ).all()
    if rows:
        return rows, rows[0].total, bool(rows[0].capped)
    if page == 1:  # an empty first page means an empty window
        return rows, 0, False
    # Past the last page: the total still belongs on the page.
    total, capped = db.session.execute(
        select(select(func.count()).select_from(best).scalar_subquery(), w.capped)
    ).one()
    return rows, total, bool(capped)


def _postgres_page(kind: str, terms: list[Term], allowed, page: int, per_kind: int):
    """The same as _sql_page, ranked here from the window's rows, which come with their rank and
    time: a document's rank is its best section's, its time its newest section's; a document
    whose words are in different sections ranks 0.0 (after every direct match) and, found
    either way, takes the time of its newest section of all. Best rank first, then the newest,
    then the highest id. Only documents that tie in rank with the page need that time of all
    their sections: one statement for those, and none when no such document is on the page."""
    found, spread = window.ranked_window(kind, terms, allowed)
    best: dict[int, list] = {}  # ref_id: [rank, time]
    for _id, ref, rank, at in found.rows:
        doc = best.get(ref)
        if doc is None:
            best[ref] = [rank, at]
        else:
            doc[0], doc[1] = min(doc[0], rank), max(doc[1], at)
    apart = set(spread)
    for ref in spread:
        doc = best.setdefault(ref, [0.0, None])
        doc[0] = min(doc[0], 0.0)
    total, capped = len(best), found.capped
    start = (page - 1) * per_kind
    if start >= total:
        return [], total, capped
    by_rank = sorted(best.items(), key=lambda item: item[1][0])
    low, high = by_rank[start][1][0], by_rank[min(start + per_kind, total) - 1][1][0]
    before = bisect.bisect_left([doc[0] for _ref, doc in by_rank], low)
    tied = [item for item in by_rank[before:] if item[1][0] <= high]
    need = [ref for ref, _doc in tied if ref in apart]
    if need:
        newest = db.session.execute(
            select(SearchEntry.ref_id, func.max(SearchEntry.updated_at))
            .where(SearchEntry.kind == kind, SearchEntry.ref_id.in_(need))
            .group_by(SearchEntry.ref_id)
        )
        for ref, at in newest:
            best[ref][1] = at
    tied.sort(key=lambda item: item[0], reverse=True)
    # (A document deleted since the window was read has no time: it goes last.)
    tied.sort(key=lambda item: item[1][1] or _LONG_AGO, reverse=True)
    tied.sort(key=lambda item: item[1][0])
    page_ = tied[start - before : start - before + per_kind]
    # As _sql_page gives them: with documents found apart, a rank is a double (the real widened).
    exact = _widened if apart else float
    return [_Row(ref, exact(doc[0])) for ref, doc in page_], total, capped


def _widened(rank: float) -> float:
    """A rank (PostgreSQL real, read from its text) as the double PostgreSQL widens it to."""
    return struct.unpack("f", struct.pack("f", rank))[0]


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


def related(
    viewer, text_: str, kind: str = "question", limit: int = 5, exclude_id: int | None = None
) -> list[int]:
    """ref_ids of documents sharing the most words with `text_` (any of them), best first."""

    terms = [t for k in keywords(text_) for t in parse(k)][:8]
    terms = [t for t in terms if not t.prefix]  # single characters relate everything to everything
    if not terms:
        return []
    w = window.window(kind, terms, _allowed(kind, viewer), any_term=True)
    stmt = (
        select(SearchEntry.ref_id, func.min(w.rows.c.rank).label("rank"))
        .join(w.rows, w.rows.c.id == SearchEntry.id)
        .group_by(SearchEntry.ref_id)
        .order_by(func.min(w.rows.c.rank), SearchEntry.ref_id.desc())
        .limit(limit + 1)
    )
    ids = [r.ref_id for r in db.session.execute(stmt) if r.ref_id != exclude_id]
    return ids[:limit]
