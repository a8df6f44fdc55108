"""Checking a case before it is saved: every field and repeating row (costs, schedule, interview,
sources), the figure rule and where the case sits in the book. Nothing is written here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from community.casebook import chapters
from community.casebook.figures import unsourced
from community.casebook.models import (
    Case,
    CaseInterviewPair,
    CaseScheduleRow,
    CaseSource,
    CaseStatus,
    CaseType,
    Consent,
    Direction,
    InterviewKind,
)
from community.casebook.slugs import unique_slug
from community.errors import ValidationFailed
from community.extensions import db
from community.limits import max_length
from community.reference.models import Field, PopulationBand, Prefecture, SupportMenu, Topic

# Amounts are BigInteger columns; 15 digits (under 1,000兆円) is far beyond any real case.
YEN_DIGITS = 15
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$")
# Addresses the casebook's own pages use (/cases/matrix …).
RESERVED_SLUGS = frozenset(
    {"new", "review", "matrix", "chapters", "editions", "book", "suggest", "suggestions"}
)


@dataclass
class CaseInput:
    """Everything a case form submits, already split into rows."""

    slug: str = ""
    title: str = ""
    summary_points: str = ""
    overview: str = ""
    organisations: str = ""
    prefecture: str = ""
    population_band: str = ""
    direction: str = ""
    menus: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    effects: str = ""
    effect_figures: list[dict] = field(default_factory=list)
    cost_initial: str = ""
    cost_running: str = ""
    costs: list[dict] = field(default_factory=list)
    schedule: list[dict] = field(default_factory=list)
    participants: str = ""
    contact_department: str = ""
    interview: list[dict] = field(default_factory=list)
    interview_kind: str = InterviewKind.SUMMARY.value
    interview_source: str = ""
    interview_url: str = ""
    sources: list[dict] = field(default_factory=list)
    # Ignored: "New" follows the edition a case first appears in (casebook.editions). Kept so
    # older callers that still pass it keep working.
    is_new: bool = False
    status: str = CaseStatus.DRAFT.value
    section: str = ""  # empty: chosen from the direction and menus (chapters.section_for)
    is_model: bool = False  # ☆モデル事例; editors only
    case_type: str = CaseType.STANDARD.value
    consent: str = Consent.NONE.value  # 掲載承諾; editors only


class CaseInvalid(ValidationFailed):
    """A case that cannot be saved: `form_fields` holds the errors of the form's own inputs,
    `rows` those of the repeating rows, keyed as the form names a row (`costs-0`); `fields`
    holds both, for callers that show every error alike."""

    def __init__(self, message: str, form_fields: dict, rows: dict):
        super().__init__(message, {**form_fields, **rows})
        self.form_fields = form_fields
        self.rows = rows


class _Errors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}
        self.rows: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def add_row(self, part: str, index: int, message: str) -> None:
        self.rows.setdefault(f"{part}-{index}", []).append(message)

    def raise_any(self) -> None:
        if self.fields or self.rows:
            raise CaseInvalid(_("Please correct the highlighted fields."), self.fields, self.rows)


def parse_yen(value) -> int | None:
    """'1,200,000' or '1200000円' → 1200000; empty → None; anything else raises ValueError
    with the message to show."""
    text = re.sub(r"[,\s円¥]", "", str(value or ""))
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(_("Enter an amount in yen, digits only (e.g. 1200000)."))
    if len(text) > YEN_DIGITS:
        raise ValueError(_("This number is too large."))
    return int(text)


def _rows(
    rows: list[dict], keys: tuple[str, ...], name: str, errors: _Errors, model=None
) -> list[dict]:
    """Drop blank rows; a row with some but not all of `keys` filled, or a part longer than
    `model`'s column, is an error."""
    kept = []
    for index, row in enumerate(rows):
        values = {
            k: (row.get(k) or "").strip() if isinstance(row.get(k), str) else row.get(k)
            for k in keys
        }
        filled = [k for k in keys if values[k] not in ("", None)]
        if not filled:
            continue
        if len(filled) != len(keys):
            errors.add_row(name, index, _("Fill in every part of this row, or clear it."))
            continue
        too_long = [
            n
            for k in keys
            if model is not None
            and (n := max_length(model, k))
            and isinstance(values[k], str)
            and len(values[k]) > n
        ]
        if too_long:
            errors.add_row(name, index, _("Use at most %(n)d characters.", n=min(too_long)))
            continue
        kept.append(values)
    return kept


def _cost_rows(rows: list[dict], e: _Errors) -> list[dict]:
    """Cost rows need an item and a kind; the amount may be unknown (left empty)."""
    kept = []
    for index, raw in enumerate(rows):
        item = (raw.get("item") or "").strip()
        amount = (raw.get("amount") or "").strip()
        if not item and not amount:
            continue
        if not item:
            e.add_row("costs", index, _("Fill in every part of this row, or clear it."))
            continue
        if raw.get("kind") not in ("initial", "running"):
            e.add_row("costs", index, _("Choose initial or running."))
            continue
        try:
            yen = parse_yen(amount)
        except ValueError as exc:
            e.add_row("costs", index, str(exc))
            yen = None
        kept.append({"kind": raw["kind"], "item": item[:200], "amount": yen})
    return kept


def _parse_day(value) -> date | None:
    """'2026-12-01' (or a date from YAML) → date; empty → None; anything else raises ValueError."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    return date.fromisoformat(text) if text else None


def _source_rows(rows: list[dict], e: _Errors) -> list[dict]:
    """A source needs a title; its link must be a web address; the access date a real day.
    The as-of date (時点) is free text, since sources often give only a month or a year."""
    kept = []
    for index, raw in enumerate(rows):
        title = (raw.get("title") or "").strip()
        url = (raw.get("url") or "").strip() or None
        as_of = (raw.get("as_of") or "").strip()
        supports = (raw.get("supports") or "").strip()
        if not (title or url or as_of or supports or raw.get("accessed_on")):
            continue
        try:
            accessed_on = _parse_day(raw.get("accessed_on"))
        except ValueError:
            e.add_row("sources", index, _("Enter the date read as YYYY-MM-DD."))
            continue
        if not title:
            e.add_row("sources", index, _("Fill in every part of this row, or clear it."))
        elif url and urlsplit(url).scheme not in ("http", "https"):
            e.add_row("sources", index, _("A link starts with http:// or https://."))
        elif url and len(url) > (limit := max_length(CaseSource, "url") or 0):
            e.add_row("sources", index, _("Use at most %(n)d characters.", n=limit))
        elif too_long := [
            n
            for k, text in (("as_of", as_of), ("supports", supports))
            if len(text) > (n := max_length(CaseSource, k) or 0)
        ]:
            e.add_row("sources", index, _("Use at most %(n)d characters.", n=min(too_long)))
        else:
            kept.append(
                {
                    "title": title[:300],
                    "url": url,
                    "accessed_on": accessed_on,
                    "as_of": as_of,
                    "supports": supports,
                }
            )
    return kept


def _interview_source(data: CaseInput, v: dict, e: _Errors) -> None:
    """An interview section is the organisation's words only with its source: who was asked,
    when and where it was published (one line) and a link. Anything else is the editors'
    summary (編集部による要約), and is shown as such."""
    try:
        v["interview_kind"] = InterviewKind(data.interview_kind or InterviewKind.SUMMARY)
    except ValueError:
        e.add("interview_kind", _("Unknown choice."))
        v["interview_kind"] = InterviewKind.SUMMARY
    v["interview_source"] = (data.interview_source or "").strip()
    v["interview_url"] = (data.interview_url or "").strip() or None
    if len(v["interview_source"]) > (n := max_length(Case, "interview_source") or 0):
        e.add("interview_source", _("Use at most %(n)d characters.", n=n))
    url = v["interview_url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or len(url) > 500):
        e.add("interview_url", _("A link starts with http:// or https://."))
    if v["interview_kind"] == InterviewKind.PUBLISHED:
        if not v["interview_source"]:
            e.add(
                "interview_source",
                _("Say who was interviewed, when, and where the interview was published."),
            )
        if not url:
            e.add("interview_url", _("Link to the published interview."))


def _codes(model, codes, name: str, errors: _Errors) -> list:
    codes = list(dict.fromkeys(c for c in codes or [] if c))
    rows = list(db.session.scalars(select(model).where(model.code.in_(codes)))) if codes else []
    if len(rows) != len(codes):
        errors.add(name, _("Unknown choice."))
    return sorted(rows, key=lambda r: r.position)


def validate(data: CaseInput, case: Case | None) -> dict:
    """Check every part and return the clean values, or raise CaseInvalid with every error
    found (nothing is written here)."""
    e = _Errors()
    v: dict = {}
    v["slug"] = data.slug.strip().lower()
    if not v["slug"]:
        # Left empty: a case keeps its address; a new one gets one made from its title.
        v["slug"] = case.slug if case is not None else unique_slug(data.title, RESERVED_SLUGS)
    elif not SLUG_RE.match(v["slug"]) or v["slug"] in RESERVED_SLUGS:
        e.add("slug", _("Use 3–80 characters: lower-case letters, digits and hyphens."))
    elif db.session.scalar(
        select(Case.id).where(Case.slug == v["slug"], Case.id != (case.id if case else -1))
    ):
        e.add("slug", _("That address is taken."))
    v["title"] = data.title.strip()
    if not 5 <= len(v["title"]) <= 150:
        e.add("title", _("Use 5–150 characters."))
    v["summary_points"] = [
        p.strip(" ・-*\t") for p in data.summary_points.splitlines() if p.strip(" ・-*\t")
    ]
    if len(v["summary_points"]) > 8:
        e.add("summary_points", _("Use at most %(n)d points.", n=8))
    for name in ("overview", "effects", "participants"):
        v[name] = getattr(data, name).strip()
        if len(v[name]) > 20_000:
            e.add(name, _("Use at most %(n)d characters.", n=20_000))
    v["organisations"] = data.organisations.strip()[:500]
    v["contact_department"] = data.contact_department.strip()[:300]
    v["prefecture"] = data.prefecture or None
    if v["prefecture"] and db.session.get(Prefecture, v["prefecture"]) is None:
        e.add("prefecture", _("Unknown choice."))
    v["population_band"] = data.population_band or None
    if v["population_band"] and db.session.get(PopulationBand, v["population_band"]) is None:
        e.add("population_band", _("Unknown choice."))
    try:
        v["direction"] = Direction(data.direction)
    except ValueError:
        e.add("direction", _("Choose 外から or 内から."))
    v["menus"] = _codes(SupportMenu, data.menus, "menus", e)
    v["fields"] = _codes(Field, data.fields, "fields", e)
    v["topics"] = _codes(Topic, data.topics, "topics", e)
    try:
        v["stages"] = sorted({int(s) for s in data.stages if s})
        if any(s not in (1, 2, 3) for s in v["stages"]):
            raise ValueError
    except ValueError:
        e.add("stages", _("Unknown choice."))
        v["stages"] = []
    for name in ("cost_initial", "cost_running"):
        try:
            v[name] = parse_yen(getattr(data, name))
        except ValueError as exc:
            e.add(name, str(exc))
            v[name] = None
    v["costs"] = _cost_rows(data.costs, e)
    v["schedule"] = _rows(data.schedule, ("period", "content"), "schedule", e, CaseScheduleRow)
    v["interview"] = _rows(
        data.interview, ("question", "answer"), "interview", e, CaseInterviewPair
    )
    _interview_source(data, v, e)
    v["effect_figures"] = _rows(data.effect_figures, ("label", "value"), "effect_figures", e)
    v["sources"] = _source_rows(data.sources, e)
    try:
        v["status"] = CaseStatus(data.status or CaseStatus.DRAFT)
    except ValueError:
        e.add("status", _("Unknown choice."))
    _book_fields(data, v, e)
    if missing := unsourced(v):
        e.add(
            "sources",
            _(
                "Every figure needs a source with a link, the date read and an as-of date "
                "(時点) that states it: %(figures)s",
                figures="、".join(missing[:12]) + ("…" if len(missing) > 12 else ""),
            ),
        )
    e.raise_any()
    return v


def _book_fields(data: CaseInput, v: dict, e: _Errors) -> None:
    """Where the case sits in the book (its chapter section), its type, ☆ and 掲載承諾."""
    v["is_model"] = bool(data.is_model)
    for name, kind in (("case_type", CaseType), ("consent", Consent)):
        try:
            v[name] = kind(getattr(data, name) or next(iter(kind)))
        except ValueError:
            e.add(name, _("Unknown choice."))
    v["section"] = (data.section or "").strip()
    direction = v.get("direction")
    if not v["section"]:
        if direction is not None:
            v["section"] = chapters.section_for(direction.value, [m.code for m in v["menus"]])
        return
    section = chapters.book().sections.get(v["section"])
    if section is None:
        e.add("section", _("Unknown choice."))
    elif direction is not None and section.direction != direction.value:
        e.add(
            "section",
            _("This section is in the other chapter: choose 外から or 内から to match."),
        )
