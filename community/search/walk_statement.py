"""The statement of the PostgreSQL walk: one statement reading back from the newest section of a
kind, checking each against the terms, the viewer's rights and the filters, ranking the sections
it keeps and stopping right after the last match it needs (postgres_walk.py runs it)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
)

from community.search.models import SearchEntry
from community.search.query_text import tsquery
from community.search.tokens import Term


def walk_statement(
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
