"""PostgreSQL: filling the window. A GIN index cannot return rows in id order. For a rare word the
index is fastest; for a common one, walking the newest sections backwards and checking each is,
since the window fills quickly. The planner cannot tell which is which (it misjudges how often a
phrase of bigrams occurs by orders of magnitude), so a probe of the newest PROBE sections
measures the word's density and chooses. The walk (the probe is its first statement, built in
walk_statement.py) ranks the sections it keeps as it reads them, so the window is never read a
second time to be ranked, and it stops right after the last match it needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, func, literal_column, select, text

from community.extensions import db
from community.search.models import SearchEntry
from community.search.query_text import tsquery
from community.search.tokens import Term
from community.search.walk_statement import walk_statement

PROBE = 2000
# At most this many sections read by one statement walking on from the probe: beyond, the
# planner's estimate passes jit_above_cost and compiling the plan costs more than the walk.
WALK = 4_000
# Above this share of matching sections, walking backwards beats the index (measured on
# 100,000 posts: a backward check costs ~3.5 µs a row, a GIN bitmap row with phrase recheck ~9).
DENSE = 0.06


@dataclass
class Found:
    """One list of the newest matching sections the viewer may see, newest first: `rows` of
    (id, ref_id), or for a ranked list (id, ref_id, rank, updated_at); `capped` when more
    matched than the window holds."""

    rows: list[tuple]
    capped: bool


def postgres_lists(
    kind: str,
    terms: list[Term],
    any_term: bool,
    size: int,
    allowed,
    each: bool | None = False,
    ranked: bool = False,
) -> list[Found]:
    """The newest `size` matching sections the viewer may see and the filters keep, and whether
    there are more: for the terms together, then, with `each`, for each term alone
    (spread_ref_ids); with `each` None, for each term only when the kind has documents of
    several sections (otherwise the terms' lists are left out). With `ranked`, the first list's
    rows carry their rank and time.

    A probe of the newest PROBE sections serves every list; it stops early once the terms
    together have filled their window (each term alone then has too: it matches wherever they
    do). A list it did not fill goes on through the index when the probe found its words rare;
    the lists whose words are dense go on together in a walk further back, paced by the
    sparsest of them."""
    want = size + 1  # one more than the window holds says whether there are more
    walk = walk_statement(kind, terms, any_term, allowed, each, ranked)
    everything = {"below": 2**31 - 1, "limit": PROBE, "pacer": 0, "need": want}
    # Core, not the ORM session: plain rows, read without the ORM's per-row machinery (after
    # the flush the session would have done itself).
    if db.session.autoflush:
        db.session.flush()
    run = db.session.connection().execute
    probe = run(walk, everything).all()
    n = len(terms) if each is not False else 0
    lists = [lambda r: r[2] and r[3]]
    if n and (each is True or (probe and probe[0][4] is not None)):
        lists += [lambda r, i=i: r[2] and r[4 + i] for i in range(n)]
    queries = [tsquery(terms, any_term), *(tsquery([t]) for t in terms)]

    def picked(batch, k: int) -> list[tuple]:
        if k == 0 and ranked:
            return [(r[0], r[1], r[4 + n], r[5 + n]) for r in batch if lists[0](r)]
        return [(r[0], r[1]) for r in batch if lists[k](r)]

    def read_on(batch, limit: int) -> int | None:
        """The id to walk on below when the walk read all `limit` sections, else None."""
        return batch[-1][0] if batch and batch[-1][-1] == limit else None

    found = [picked(probe, k) for k in range(len(lists))]
    below = read_on(probe, PROBE)
    short = [k for k, f in enumerate(found) if len(f) < want]
    if below is None or not short:  # all read, or every window full
        return [Found(f[:size], len(f) > size) for f in found]
    dense = [k for k in short if len(found[k]) / PROBE >= DENSE]
    for k in short:
        if k not in dense:
            more = _rare(kind, queries[k], allowed, below, want - len(found[k]), ranked and k == 0)
            found[k] += more
    while dense:
        pacer = min(dense, key=lambda k: len(found[k]))
        # Paced by the sparsest list: the walk stops right after the last match it needs. The
        # limit, twice what the probe's density suggests, keeps the planner walking back by id.
        need = want - len(found[pacer])
        limit = min(WALK, max(PROBE, 2 * need * PROBE // max(len(found[pacer]), 1)))
        on = {"below": below, "limit": limit, "pacer": pacer, "need": need}
        batch = run(walk, on).all()
        for k in dense:
            found[k] += picked(batch, k)
        dense = [k for k in dense if len(found[k]) < want]
        oldest = read_on(batch, limit)
        if oldest is None and len(found[pacer]) < want:  # read to the oldest section
            break
        below = oldest if oldest is not None else batch[-1][0]
    return [Found(f[:size], len(f) > size) for f in found]


def _rare(kind: str, query: str, allowed, below: int, limit: int, ranked: bool) -> list[tuple]:
    """The newest matches older than the probe's of words it found rare, through the index."""
    tsv = literal_column("search_entries.tsv")
    tsq = func.to_tsquery("simple", query)
    newest = (
        select(SearchEntry.id, SearchEntry.ref_id, SearchEntry.updated_at, tsv.label("tsv"))
        .where(
            SearchEntry.kind == kind,
            allowed(SearchEntry.ref_id),
            SearchEntry.id < below,
            tsv.op("@@")(tsq),
        )
        .order_by(SearchEntry.id.desc())
        .limit(limit)
        .subquery("newest")
    )
    columns = [newest.c.id, newest.c.ref_id]
    if ranked:  # ranked after the limit: the matches kept only
        rank = -func.ts_rank(newest.c.tsv, func.to_tsquery("simple", query), type_=Float)
        columns += [rank, newest.c.updated_at]
    return _through_the_index(select(*columns).order_by(newest.c.id.desc()))


def postgres_ids(
    kind: str, terms: list[Term], any_term: bool, size: int, allowed
) -> tuple[list[int], bool]:
    """The ids of the newest size matching sections the viewer may see and the filters keep
    (and whether there are more)."""
    found = postgres_lists(kind, terms, any_term, size, allowed)[0]
    return [r[0] for r in found.rows], found.capped


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
