"""The candidate window: the most recently indexed matching sections of one kind that the viewer
may see and the filters keep.

Ranking every match costs time in proportion to how common a word is: 町 occurs in a third of
all posts, and ranking 30,000 of them (bm25 on SQLite, ts_rank on PostgreSQL) takes longer than
a whole page should. So a search ranks only the SEARCH_WINDOW most recently indexed sections of
each kind that match, and says "1,000+" when there are more. A section gets a fresh id whenever
it is written, so "most recently indexed" means "most recently active": an answer or a comment
is a section of its own, written when it is posted or edited, and the question's own sections
move to the end whenever anything in its thread changes (search/index.py). A word that occurs
fewer times is ranked over all its matches. Rights and filters are
checked while the window fills, so the window and its count are the viewer's own.

SQLite: FTS5 walks its doclists in rowid order, so the window is one pass from the newest
match, with bm25 for the rows kept only.

PostgreSQL: a probe of the newest sections measures how dense the words are and chooses between
the index and a walk back by id (postgres_walk.py, walk_statement.py). The query text of both
is built in query_text.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from community.extensions import db
from community.search.models import SearchEntry
from community.search.postgres_walk import Found, postgres_ids, postgres_lists
from community.search.query_text import fts5_query, tsquery
from community.search.tokens import Term


def window_size() -> int:
    """KAKEHASHI_SEARCH_WINDOW; below one it would find nothing (or, on SQLite, everything)."""
    return max(1, int(current_app.config.get("SEARCH_WINDOW", 1000)))


@dataclass
class Window:
    """`rows`: a subquery of (id, rank) — the matching sections to rank, lower rank is better;
    `capped`: a boolean SQL expression, true when more sections matched than the window holds."""

    rows: object
    capped: ColumnElement[bool]


def sqlite_window(kind: str, terms: list[Term], any_term: bool, size: int, allowed) -> Window:
    # One pass down the doclists from the newest rowid, checking each section against the
    # viewer's rights and the filters, with bm25 for the rows kept only; the one extra row tells
    # whether there are more. bm25 must run inside the full-text query itself: MATERIALIZED
    # keeps SQLite from folding it into the outer query. Weight 0 for the kind column, which
    # every row matches.
    fts = table("search_fts", column("rowid", Integer))
    seen = (
        select(
            fts.c.rowid.label("id"),
            literal_column("bm25(search_fts, 0.0, 1.0)", Float).label("rank"),
        )
        .select_from(fts.join(SearchEntry, SearchEntry.id == fts.c.rowid))
        .where(
            text("search_fts MATCH :q").bindparams(q=fts5_query(kind, terms, any_term)),
            allowed(SearchEntry.ref_id),
        )
        .order_by(fts.c.rowid.desc())
        .limit(size + 1)
        .cte(f"seen_{kind}")
        .prefix_with("MATERIALIZED")
    )
    rows = (
        select(seen.c.id, seen.c.rank).order_by(seen.c.id.desc()).limit(size).cte(f"window_{kind}")
    )
    capped = select(func.count()).select_from(seen).scalar_subquery() > size
    return Window(rows, capped)


def _ranked(kind: str, terms: list[Term], any_term: bool, ids: list[int], capped: bool) -> Window:
    rows = (
        text(
            "SELECT id, -ts_rank(tsv, to_tsquery('simple', :q)) AS rank FROM search_entries "
            "WHERE id = ANY(:ids)"
        )
        .bindparams(
            bindparam("q", tsquery(terms, any_term)),
            bindparam("ids", ids, type_=ARRAY(db.Integer)),
        )
        .columns(id=db.Integer, rank=db.Float)
        .cte(f"window_{kind}")
    )
    return Window(rows, literal(capped))


def postgres_window(kind: str, terms: list[Term], any_term: bool, size: int, allowed) -> Window:
    ids, capped = postgres_ids(kind, terms, any_term, size, allowed)
    return _ranked(kind, terms, any_term, ids, capped)


def window(
    kind: str, terms: list[Term], allowed, any_term: bool = False, size: int | None = None
) -> Window:
    """The window of `kind` for `terms`: `allowed` gives, for a ref_id column, the condition
    that its document is one the viewer may see and the filters keep; it applies while the
    window fills, so that it holds the
    newest sections the viewer would get and its count is theirs alone."""
    size = size or window_size()
    if db.session.get_bind().dialect.name == "postgresql":
        return postgres_window(kind, terms, any_term, size, allowed)
    return sqlite_window(kind, terms, any_term, size, allowed)


def window_and_spread(kind: str, terms: list[Term], allowed) -> tuple[Window, list[int]]:
    """window() and spread_ref_ids() together: on PostgreSQL one probe serves both."""
    if db.session.get_bind().dialect.name != "postgresql":
        return window(kind, terms, allowed), spread_ref_ids(kind, terms, allowed)
    found, spread = ranked_window(kind, terms, allowed)
    return _ranked(kind, terms, False, [r[0] for r in found.rows], found.capped), spread


def ranked_window(kind: str, terms: list[Term], allowed) -> tuple[Found, list[int]]:
    """PostgreSQL: the window's sections as (id, ref_id, rank, updated_at), lower rank is
    better, newest first, and the documents whose words are in different sections
    (spread_ref_ids), from one probe."""
    each = None if len(terms) > 1 and kind != "question" else len(terms) > 1
    lists = postgres_lists(kind, terms, False, window_size(), allowed, each=each, ranked=True)
    return lists[0], _every_term(lists[1:])


def _may_spread(kind: str, terms: list[Term]) -> bool:
    if len(terms) < 2:
        return False
    # Cases, people and circles are mostly one section each: a partial index lists the others.
    several = select(SearchEntry.ref_id).where(SearchEntry.kind == kind, SearchEntry.section > 0)
    return kind == "question" or db.session.scalar(select(several.exists())) is True


def _every_term(lists: list[Found]) -> list[int]:
    """The documents found in every term's list of (id, ref_id)."""
    if not lists:
        return []
    docs = set.intersection(*({r[1] for r in found.rows} for found in lists))
    return sorted(docs)


def spread_ref_ids(kind: str, terms: list[Term], allowed) -> list[int]:
    """Documents whose words are in different sections: no section matches every term, but each
    term matches some section of the document (a question's title and an answer, two answers,
    the two ends of a long post). Each term is looked up in its own window (its newest matches
    the viewer may see and the filters keep, as for the whole query), and the documents found by
    every term are returned; those with a section matching every term may be among them (the
    caller ranks those by that section)."""
    if not _may_spread(kind, terms):
        return []
    size = window_size()
    if db.session.get_bind().dialect.name == "postgresql":
        return _every_term(postgres_lists(kind, terms, False, size, allowed, each=True)[1:])
    fts = table("search_fts", column("rowid", Integer))
    lists = []
    for term in terms:
        found = db.session.execute(
            select(SearchEntry.id, SearchEntry.ref_id)
            .select_from(fts.join(SearchEntry, SearchEntry.id == fts.c.rowid))
            .where(
                text("search_fts MATCH :q").bindparams(q=fts5_query(kind, [term])),
                allowed(SearchEntry.ref_id),
            )
            .order_by(fts.c.rowid.desc())
            .limit(size)
        ).all()
        if not found:
            return []
        lists.append(Found(found, False))
    return _every_term(lists)
