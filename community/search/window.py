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

PostgreSQL: a GIN index cannot return rows in id order. For a rare word the index is fastest;
for a common one, walking the newest sections backwards and checking each is, since the window
fills quickly. The planner cannot tell which is which (it misjudges how often a phrase of bigrams
occurs by orders of magnitude), so a probe of the newest PROBE sections measures the word's
density and chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.util import ClauseAdapter

from community.extensions import db
from community.search.models import SearchEntry
from community.search.tokens import Term

PROBE = 2000
# Above this share of matching sections, walking backwards beats the index (measured on
# 100,000 posts: a backward check costs ~3.5 µs a row, a GIN bitmap row with phrase recheck ~9).
DENSE = 0.06


def window_size() -> int:
    """KAKEHASHI_SEARCH_WINDOW; below one it would find nothing (or, on SQLite, everything)."""
    return max(1, int(current_app.config.get("SEARCH_WINDOW", 1000)))


def _fts5_term(t: Term) -> str:
    phrase = '"' + " ".join(t.pieces) + '"'
    if t.prefix:
        phrase += "*"
    if not t.alternatives:
        return phrase
    # The phrase OR each alternative (an AND of terms: a spelling, or a compound's parts).
    alts = ["(" + " AND ".join(_fts5_term(p) for p in conj) + ")" for conj in t.alternatives]
    return "(" + " OR ".join([phrase, *alts]) + ")"


def fts5_query(kind: str | None, terms: list[Term], any_term: bool = False) -> str:
    """The FTS5 query for terms in one kind (every kind with None). Pieces come from
    tokens._runs() (letters, digits), so they never hold a quote or an operator character."""
    words = (" OR " if any_term else " AND ").join(_fts5_term(t) for t in terms)
    if kind is None:
        return f"tokens : ({words})"
    return f'kind : "{kind}" AND tokens : ({words})'


def _ts_term(t: Term) -> str:
    lexemes = [f"'{p}'" for p in t.pieces]
    if t.prefix:  # a last character that may go on: 町 → 町役場
        lexemes[-1] += ":*"
    phrase = "(" + " <-> ".join(lexemes) + ")"
    if not t.alternatives:
        return phrase
    alts = ["(" + " & ".join(_ts_term(p) for p in conj) + ")" for conj in t.alternatives]
    return "(" + " | ".join([phrase, *alts]) + ")"


def tsquery(terms: list[Term], any_term: bool = False) -> str:
    """The same as a PostgreSQL tsquery: phrases of lexemes, a last character as a prefix."""
    return (" | " if any_term else " & ").join(_ts_term(t) for t in terms)


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
        .where(text("search_fts MATCH :q").bindparams(q=fts5_query(kind, terms, any_term)), allowed)
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


def postgres_rows(
    kind: str, terms: list[Term], any_term: bool, size: int, allowed, each: bool = False
) -> list[tuple[list[tuple[int, int]], bool]]:
    """(id, ref_id) of the newest size matching sections the viewer may see and the filters
    keep, and whether there are more: for the terms together, then, with `each`, for each term
    alone (window.spread_ref_ids). One probe serves them all."""
    tsv = literal_column("search_entries.tsv")
    whole = tsquery(terms, any_term)
    queries = [tsquery([t]) for t in terms] if each else [whole]
    # ts_match_vq is @@ in a form the GIN index does not serve: a walk backwards by id.
    inner = (
        select(
            SearchEntry.id,
            SearchEntry.ref_id,
            *(
                func.ts_match_vq(tsv, func.to_tsquery("simple", q), type_=Boolean).label(f"m{i}")
                for i, q in enumerate(queries)
            ),
        )
        .where(SearchEntry.kind == kind)
        .order_by(SearchEntry.id.desc())
        .limit(PROBE)
        .subquery("probe")
    )
    flags = [inner.c[f"m{i}"] for i in range(len(queries))]
    # The viewer's rights and the filters are checked for matching sections only (CASE is lazy),
    # on the probe's rows (the condition is moved from search_entries to them).
    ours = case((or_(*flags), ClauseAdapter(inner).traverse(allowed)), else_=false())
    probe = db.session.execute(
        select(inner.c.id, inner.c.ref_id, ours, *flags).order_by(inner.c.id.desc())
    ).all()
    if each:  # the terms together match where each of them does
        lists = [(whole, lambda r: all(r[3:]))]
        lists += [(q, lambda r, i=i: r[3 + i]) for i, q in enumerate(queries)]
    else:
        lists = [(whole, lambda r: r[3])]
    out = []
    for query, matches in lists:
        ids = [(r[0], r[1]) for r in probe if r[2] and matches(r)]
        if len(ids) > size:
            out.append((ids[:size], True))
        elif len(probe) < PROBE:  # the probe saw every section of this kind
            out.append((ids, False))
        else:
            ids += _more(kind, query, allowed, probe[-1][0], size + 1 - len(ids), len(ids) / PROBE)
            out.append((ids[:size], len(ids) > size))
    return out


def _more(kind: str, query: str, allowed, below: int, limit: int, density: float) -> list:
    """Matches older than the probe's: by walking on for a dense word, through the index for a
    rare one."""
    tsv = literal_column("search_entries.tsv")
    tsq = func.to_tsquery("simple", query)
    more = (
        select(SearchEntry.id, SearchEntry.ref_id)
        .where(SearchEntry.kind == kind, allowed, SearchEntry.id < below)
        .order_by(SearchEntry.id.desc())
        .limit(limit)
    )
    if density >= DENSE:
        walk_match = func.ts_match_vq(tsv, tsq, type_=Boolean)
        return [tuple(r) for r in db.session.execute(more.where(walk_match))]
    return _through_the_index(more.where(tsv.op("@@")(tsq)))


def postgres_ids(
    kind: str, terms: list[Term], any_term: bool, size: int, allowed
) -> tuple[list[int], bool]:
    """The ids of the newest size matching sections the viewer may see and the filters keep
    (and whether there are more)."""
    rows, capped = postgres_rows(kind, terms, any_term, size, allowed)[0]
    return [i for i, _ref in rows], capped


def _through_the_index(stmt) -> list[tuple[int, int]]:
    """The newest matches of a word the probe found rare, through the GIN index. Left to
    itself, the planner walks backwards by id or scans the table whenever it overestimates the
    word (one-character prefixes, bigrams common on their own); both read every row.

    The settings are transaction-local (set_config(..., true)) and put back right after the
    statement. If the statement fails, the transaction is aborted and its rollback discards
    them; putting them back then would only replace the real error with "transaction aborted"."""
    saved = db.session.execute(
        text(
            "SELECT current_setting('enable_seqscan') AS seq, "
            "current_setting('enable_indexscan') AS idx, "
            "set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)"
        )
    ).one()
    ids = [tuple(r) for r in db.session.execute(stmt)]
    db.session.execute(
        text(
            "SELECT set_config('enable_seqscan', :seq, true), "
            "set_config('enable_indexscan', :idx, true)"
        ),
        {"seq": saved.seq, "idx": saved.idx},
    )
    return ids


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
    """The window of `kind` for `terms`: `allowed` is a condition on SearchEntry (what the
    viewer may see and the filters keep), applied while the window fills, so that it holds the
    newest sections the viewer would get and its count is theirs alone."""
    size = size or window_size()
    if db.session.get_bind().dialect.name == "postgresql":
        return postgres_window(kind, terms, any_term, size, allowed)
    return sqlite_window(kind, terms, any_term, size, allowed)


def window_and_spread(kind: str, terms: list[Term], allowed) -> tuple[Window, list[int]]:
    """window() and spread_ref_ids() together: on PostgreSQL one probe serves both."""
    if db.session.get_bind().dialect.name != "postgresql":
        return window(kind, terms, allowed), spread_ref_ids(kind, terms, allowed)
    each = _may_spread(kind, terms)
    lists = postgres_rows(kind, terms, False, window_size(), allowed, each=each)
    (rows, capped), apart = lists[0], lists[1:]
    return _ranked(kind, terms, False, [i for i, _ref in rows], capped), _every_term(apart)


def _may_spread(kind: str, terms: list[Term]) -> bool:
    if len(terms) < 2:
        return False
    # Cases, people and circles are mostly one section each: a partial index lists the others.
    several = select(SearchEntry.ref_id).where(SearchEntry.kind == kind, SearchEntry.section > 0)
    return kind == "question" or db.session.scalar(select(several.exists())) is True


def _every_term(lists: list[tuple[list[tuple[int, int]], bool]]) -> list[int]:
    """The documents found in every term's list of (id, ref_id)."""
    if not lists:
        return []
    docs = set.intersection(*({ref for _id, ref in rows} for rows, _capped in lists))
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
        return _every_term(postgres_rows(kind, terms, False, size, allowed, each=True)[1:])
    fts = table("search_fts", column("rowid", Integer))
    lists = []
    for term in terms:
        found = db.session.execute(
            select(SearchEntry.id, SearchEntry.ref_id)
            .select_from(fts.join(SearchEntry, SearchEntry.id == fts.c.rowid))
            .where(text("search_fts MATCH :q").bindparams(q=fts5_query(kind, [term])), allowed)
            .order_by(fts.c.rowid.desc())
            .limit(size)
        ).all()
        if not found:
            return []
        lists.append((found, False))
    return _every_term(lists)
