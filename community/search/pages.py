"""The page of one kind's results: the documents of its window ranked, their total and whether
the window was full. Ranked in SQL (sql_page; SQLite) or, on PostgreSQL, here from the rows the
walk read with their rank and time (postgres_page), in the same order."""

from __future__ import annotations

import bisect
import struct
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import func, literal, select

from community.extensions import db
from community.search import window
from community.search.models import SearchEntry
from community.search.tokens import Term

_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class _Row(NamedTuple):
    ref_id: int
    rank: float


def sql_page(kind: str, terms: list[Term], allowed, page: int, per_kind: int):
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


def postgres_page(kind: str, terms: list[Term], allowed, page: int, per_kind: int):
    """The same as sql_page, ranked here from the window's rows, which come with their rank and
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
    # As sql_page gives them: with documents found apart, a rank is a double (the real widened).
    exact = _widened if apart else float
    return [_Row(ref, exact(doc[0])) for ref, doc in page_], total, capped


def _widened(rank: float) -> float:
    """A rank (PostgreSQL real, read from its text) as the double PostgreSQL widens it to."""
    return struct.unpack("f", struct.pack("f", rank))[0]
