"""Searching: the same query gives the same results on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import func, literal_column, select, text

from community.extensions import db
from community.search.models import SearchEntry
from community.search.tokens import Term, normalise, parse

KINDS = ("question", "case", "person", "circle")


def _fts5_query(terms: list[Term], any_term: bool = False) -> str:
    parts = []
    for t in terms:
        phrase = '"' + " ".join(t.pieces) + '"'
        parts.append(phrase + "*" if t.prefix else phrase)
    return (" OR " if any_term else " AND ").join(parts)


def _tsquery(terms: list[Term], any_term: bool = False) -> str:
    parts = []
    for t in terms:
        lexemes = [f"'{p}'" for p in t.pieces]
        if t.prefix:
            parts.append(f"{lexemes[0]}:*")
        else:
            parts.append("(" + " <-> ".join(lexemes) + ")")
    return (" | " if any_term else " & ").join(parts)


def matches(terms: list[Term], any_term: bool = False):
    """(entry id, rank) of every entry that contains all terms (or any, for "related");
    a lower rank is better."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = func.to_tsquery("simple", _tsquery(terms, any_term))
        tsv = literal_column("search_entries.tsv")
        return select(SearchEntry.id.label("id"), (-func.ts_rank(tsv, query)).label("rank")).where(
            tsv.op("@@")(query)
        )
    return (
        select(
            literal_column("rowid").label("id"), literal_column("bm25(search_fts)").label("rank")
        )
        .select_from(text("search_fts"))
        .where(text("search_fts MATCH :fts").bindparams(fts=_fts5_query(terms, any_term)))
    )


def _matched(terms: list[Term], any_term: bool = False):
    """The matches as a named set; on SQLite materialised, since FTS5's bm25() must run inside
    the full-text query itself and SQLite would otherwise fold it into the outer query."""
    stmt = matches(terms, any_term)
    if db.session.get_bind().dialect.name == "sqlite":
        return stmt.cte("fts_matches").prefix_with("MATERIALIZED")
    return stmt.subquery()


def matching_ref_ids(kind: str, query: str):
    """A select of ref_ids of `kind` matching `query` (None when the query has no terms)."""
    terms = parse(query)
    if not terms:
        return None
    m = matches(terms).subquery()
    return (
        select(SearchEntry.ref_id).join(m, m.c.id == SearchEntry.id).where(SearchEntry.kind == kind)
    )


def _visible(kind: str, viewer):
    """ref_ids of `kind` the viewer may see."""
    from community.auth.models import User
    from community.casebook.models import Case
    from community.casebook.services import visible_clause as cases_visible
    from community.circles.models import Circle
    from community.circles.services import visible_circles_clause
    from community.profiles.models import Profile, Visibility
    from community.questions.models import Question
    from community.questions.services import visible_questions_clause

    if kind == "question":
        return select(Question.id).where(visible_questions_clause(viewer))
    if kind == "case":
        return select(Case.id).where(cases_visible(viewer))
    if kind == "circle":
        return select(Circle.id).where(visible_circles_clause(viewer))
    people = (
        select(User.id).join(Profile, Profile.user_id == User.id).where(User.deleted_at.is_(None))
    )
    if not getattr(viewer, "is_authenticated", False):
        people = people.where(Profile.visibility == Visibility.PUBLIC)
    return people


@dataclass
class Hit:
    kind: str
    ref_id: int
    title: str
    snippet: Markup
    rank: float
    key: str = ""  # slug or username, for the link


def _keys(kind: str, ids: list[int]) -> dict[int, str]:
    from community.auth.models import User
    from community.casebook.models import Case
    from community.circles.models import Circle

    if kind == "question":
        return {i: str(i) for i in ids}
    model, column = {
        "case": (Case, Case.slug),
        "person": (User, User.username),
        "circle": (Circle, Circle.slug),
    }[kind]
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())


@dataclass
class Results:
    terms: list[Term]
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


def search(
    viewer,
    query: str,
    *,
    kinds=KINDS,
    filters: dict | None = None,
    page: int = 1,
    per_kind: int = 5,
) -> Results:
    """Results grouped by type, best first, limited to what the viewer may see."""
    terms = parse(query)
    results = Results(terms)
    if not terms:
        return results
    m = _matched(terms)
    for kind in kinds:
        best = (
            select(
                SearchEntry.ref_id,
                func.min(m.c.rank).label("rank"),
                func.max(SearchEntry.updated_at).label("at"),
            )
            .join(m, m.c.id == SearchEntry.id)
            .where(SearchEntry.kind == kind, SearchEntry.ref_id.in_(_visible(kind, viewer)))
            .group_by(SearchEntry.ref_id)
        )
        best = _apply_filters(best, kind, filters or {})
        best = best.subquery()
        results.totals[kind] = db.session.scalar(select(func.count()).select_from(best)) or 0
        rows = db.session.execute(
            select(best.c.ref_id, best.c.rank)
            .order_by(best.c.rank, best.c.at.desc(), best.c.ref_id.desc())
            .offset((page - 1) * per_kind)
            .limit(per_kind)
        ).all()
        if not rows:
            results.groups[kind] = []
            continue
        entries = db.session.scalars(
            select(SearchEntry)
            .where(SearchEntry.kind == kind, SearchEntry.ref_id.in_([r.ref_id for r in rows]))
            .order_by(SearchEntry.section)
        )
        by_ref: dict[int, list[SearchEntry]] = {}
        for e in entries:
            by_ref.setdefault(e.ref_id, []).append(e)
        keys = _keys(kind, [r.ref_id for r in rows])
        results.groups[kind] = [
            Hit(
                kind,
                r.ref_id,
                by_ref[r.ref_id][0].title,
                snippet(by_ref[r.ref_id], terms),
                r.rank,
                keys.get(r.ref_id, ""),
            )
            for r in rows
        ]
    return results


def _apply_filters(stmt, kind: str, f: dict):
    from community.casebook.models import Case, CaseStage, case_fields
    from community.circles.models import Circle
    from community.profiles.models import Profile
    from community.questions.models import Question

    if kind == "question":
        if f.get("circle"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(
                    select(Question.id)
                    .join(Circle, Circle.id == Question.circle_id)
                    .where(Circle.slug == f["circle"])
                )
            )
        if f.get("field"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(select(Question.id).where(Question.field_code == f["field"]))
            )
        if f.get("stage") in ("1", "2", "3"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(select(Question.id).where(Question.stage == int(f["stage"])))
            )
        if f.get("since"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(select(Question.id).where(Question.created_at >= f["since"]))
            )
    elif kind == "case":
        if f.get("field"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(
                    select(case_fields.c.case_id).where(case_fields.c.field_code == f["field"])
                )
            )
        if f.get("stage") in ("1", "2", "3"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(
                    select(CaseStage.case_id).where(CaseStage.stage == int(f["stage"]))
                )
            )
        if f.get("band"):
            stmt = stmt.where(
                SearchEntry.ref_id.in_(
                    select(Case.id).where(Case.population_band_code == f["band"])
                )
            )
    elif kind == "person" and f.get("band"):
        stmt = stmt.where(
            SearchEntry.ref_id.in_(
                select(Profile.user_id).where(Profile.population_band_code == f["band"])
            )
        )
    return stmt


def snippet(entries: list[SearchEntry], terms: list[Term], width: int = 90) -> Markup:
    """A piece of the original text around the first match, with every term marked."""
    text_ = next(
        (e.body for e in entries if any(t.text in normalise(e.body) for t in terms)),
        entries[0].body,
    )
    # Markdown punctuation (**, #, |, `) is noise in a one-line snippet.
    flat = re.sub(r"\s+", " ", re.sub(r"[*_`#>|]+", "", text_))
    norm = normalise(flat)
    # NFKC keeps most lengths; where it does not, fall back to the start of the text.
    if len(norm) != len(flat):
        norm, flat = flat, flat
    first = min((norm.find(t.text) for t in terms if t.text in norm), default=0)
    start = max(0, first - width // 3)
    piece, npiece = flat[start : start + width], norm[start : start + width]
    spans = []
    for t in terms:
        i = npiece.find(t.text)
        while i != -1:
            spans.append((i, i + len(t.text)))
            i = npiece.find(t.text, i + 1)
    spans.sort()
    out, pos = [], 0
    for a, b in spans:
        if a < pos:
            continue
        out.append(html.escape(piece[pos:a]))
        out.append("<mark>" + html.escape(piece[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(piece[pos:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(flat) else ""
    # Every piece above went through html.escape; only our <mark> tags are markup.
    return Markup(prefix + "".join(out) + suffix)  # noqa: S704


def related(
    viewer, text_: str, kind: str = "question", limit: int = 5, exclude_id: int | None = None
) -> list[int]:
    """ref_ids of documents sharing the most words with `text_` (any of them), best first."""
    from community.questions.text import keywords

    terms = [t for k in keywords(text_) for t in parse(k)][:8]
    terms = [t for t in terms if not t.prefix]  # single characters relate everything to everything
    if not terms:
        return []
    m = _matched(terms, any_term=True)
    stmt = (
        select(SearchEntry.ref_id, func.min(m.c.rank).label("rank"))
        .join(m, m.c.id == SearchEntry.id)
        .where(SearchEntry.kind == kind, SearchEntry.ref_id.in_(_visible(kind, viewer)))
        .group_by(SearchEntry.ref_id)
        .order_by(func.min(m.c.rank), SearchEntry.ref_id.desc())
        .limit(limit + 1)
    )
    ids = [r.ref_id for r in db.session.execute(stmt) if r.ref_id != exclude_id]
    return ids[:limit]
