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
density and chooses. The walk (the probe is its first statement) ranks the sections it keeps as
it reads them, so the window is never read a second time to be ranked, and it stops right after
the last match it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from community.extensions import db
from community.search.models import SearchEntry
from community.search.tokens import Term

PROBE = 2000
# At most this many sections read by one statement walking on from the probe: beyond, the
# planner's estimate passes jit_above_cost and compiling the plan costs more than the walk.
WALK = 4_000
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


@dataclass
class Found:
    """One list of the newest matching sections the viewer may see, newest first: `rows` of
    (id, ref_id), or for a ranked list (id, ref_id, rank, updated_at); `capped` when more
    matched than the window holds."""

    rows: list[tuple]
    capped: bool


def _walk(
    kind: str,
    terms: list[Term],
    any_term: bool,
    allowed,
    each: bool | None,
    ranked: bool,
):
    """The statement walking back from the newest section of `kind` below id `:below` over at
    most `:limit` sections, and no further than the section after the `:need`-th match of list
    `:pacer` (0: the terms together, i + 1: term i alone). One statement serves a probe and the
    walks after it, with other values.

    It returns the sections the viewer may see (and the filters keep) that match the terms
    together or, with `each`, any term alone, and the `:limit`-th section read when the walk got
    that far; each row is (id, ref_id, ours, whole, one flag per term, [rank, updated_at,] n).
    `ours`: the section is one the viewer may see and it matches; `whole`: it matches the terms
    together; a term's flag: it matches that term alone (with `each` None only when the kind has
    documents of several sections, else NULL); with `ranked`, the rank and the time of the
    sections that are ours and match the terms together; `n`: how many sections were read.

    Each step is a subquery of its own (OFFSET 0 keeps PostgreSQL from merging them, which would
    compute a match twice, and ORDER BY keeps the walk in id order without a sort): the matches
    once per section read, the rights once per matching section, the rank of the kept sections
    as they are read (not in a second visit by id). The count of the pacing list's matches stops
    the walk as soon as it passes the target (a run condition, PostgreSQL 15)."""
    tsv = literal_column("search_entries.tsv")
    newest = select(SearchEntry.id, SearchEntry.ref_id, SearchEntry.updated_at, tsv.label("tsv"))
    limit = bindparam("limit", type_=Integer)
    newest = newest.where(
        SearchEntry.kind == kind, SearchEntry.id < bindparam("below", type_=Integer)
    )
    newest = newest.order_by(SearchEntry.id.desc()).limit(limit).subquery("newest")

    def match(q: str) -> ColumnElement[bool]:
        return func.ts_match_vq(newest.c.tsv, func.to_tsquery("simple", q), type_=Boolean)

    whole_q = tsquery(terms, any_term)
    unknown = cast(null(), Boolean)
    term_flags = [match(tsquery([t])) for t in terms] if each is not False else []
    if each is None and term_flags:
        # A kind whose documents are one section each has no words apart: one look at a
        # partial index, once per statement (an InitPlan), instead of a statement of its own.
        several = select(SearchEntry.ref_id).where(
            SearchEntry.kind == kind, SearchEntry.section > 0
        )
        term_flags = [case((several.exists(), f)) for f in term_flags]
        whole_flag = case((several.exists(), unknown), else_=match(whole_q))
    elif term_flags:
        whole_flag = unknown  # the terms together match where each of them does
    else:
        whole_flag = match(whole_q)

    def step(*columns, name: str):
        return select(*columns).order_by(columns[0].desc()).offset(0).subquery(name)

    flagged = step(
        *newest.c,
        whole_flag.label("w"),
        *(f.label(f"t{i}") for i, f in enumerate(term_flags)),
        name="flagged",
    )
    flags = [flagged.c[f"t{i}"] for i in range(len(term_flags))]
    whole = func.coalesce(flagged.c.w, and_(*flags)) if flags else flagged.c.w
    any_ = func.coalesce(flagged.c.w, or_(*flags)) if flags else flagged.c.w
    # The viewer's rights and the filters, on these rows; CASE is lazy, so they are checked for
    # matching sections only.
    ours = case((any_, allowed(flagged.c.ref_id)), else_=false())
    checked = step(
        flagged.c.id,
        flagged.c.ref_id,
        flagged.c.updated_at,
        flagged.c.tsv,
        whole.label("whole"),
        *flags,
        ours.label("ours"),
        name="checked",
    )
    flags = [checked.c[f"t{i}"] for i in range(len(term_flags))]
    kept = and_(checked.c.ours, checked.c.whole)
    ranks = []
    if ranked:
        rank = -func.ts_rank(checked.c.tsv, func.to_tsquery("simple", whole_q), type_=Float)
        ranks = [case((kept, rank)).label("rank"), case((kept, checked.c.updated_at)).label("at")]
    # Narrow rows (the text vectors left behind) for the counts.
    narrow = step(
        checked.c.id,
        checked.c.ref_id,
        checked.c.ours,
        checked.c.whole,
        *flags,
        *ranks,
        name="narrow",
    )
    which = bindparam("pacer", type_=Integer)
    pacer = narrow.c.whole
    if flags:
        terms_ = [(which == k + 1, narrow.c[f"t{k}"]) for k in range(len(flags))]
        pacer = case(*terms_, else_=narrow.c.whole)
    walked = over = {"order_by": narrow.c.id.desc(), "rows": (None, 0)}
    counted = select(
        narrow,
        func.count().filter(and_(narrow.c.ours, pacer)).over(**over).label("c"),
        func.row_number().over(**walked).label("n"),
    ).subquery("counted")
    return (
        select(*(col for col in counted.c if col.name != "c"))
        .where(
            counted.c.c <= bindparam("need", type_=Integer),
            or_(counted.c.ours, counted.c.n == limit),
        )
        .order_by(counted.c.id.desc())
    )


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
    walk = _walk(kind, terms, any_term, allowed, each, ranked)
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
