"""Casebook rules: who sees and edits cases, saving with repeating rows, facets, links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from community import markdown
from community.auth.models import Role, User
from community.auth.services import ensure_can_post
from community.casebook.models import (
    AnswerCitation,
    Case,
    CaseCostRow,
    CaseInterviewPair,
    CaseLink,
    CaseRevision,
    CaseScheduleRow,
    CaseSource,
    CaseStage,
    CaseStatus,
    Direction,
    SupportOrganisation,
    case_fields,
    case_menus,
)
from community.circles import services as circles
from community.db import utcnow
from community.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.reference.models import Field, PopulationBand, Prefecture, SupportMenu, Topic

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$")
MENTION_RE = re.compile(r"(?:#case:|/cases/)([a-z0-9][a-z0-9-]{1,78}[a-z0-9])")


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_editor(user) -> bool:
    return _signed_in(user) and user.role in (Role.EDITOR, Role.ADMIN)


# --- visibility -------------------------------------------------------------------------------


def visible_clause(viewer):
    """Published cases for everyone; editors see all; members also their own suggestions."""
    if is_editor(viewer):
        return Case.id.is_not(None)
    published = Case.status == CaseStatus.PUBLISHED
    if _signed_in(viewer):
        return or_(published, Case.created_by_id == viewer.id)
    return published


def get_visible(viewer, slug: str, *options) -> Case:
    """The case the viewer may see (loader `options` for what the caller shows), or NotFound."""
    case = db.session.scalar(
        select(Case).where(Case.slug == slug, visible_clause(viewer)).options(*options)
    )
    if case is None:
        raise NotFound(_("Not found."))
    return case


def can_edit(user, case: Case | None) -> bool:
    """Editors edit every case; a member edits their own suggestion until it is published."""
    if is_editor(user):
        return True
    if case is None:
        return _signed_in(user) and user.is_confirmed
    return _signed_in(user) and case.created_by_id == user.id and not case.is_published


# --- saving -----------------------------------------------------------------------------------


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
    sources: list[dict] = field(default_factory=list)
    is_new: bool = False
    status: str = CaseStatus.DRAFT.value


class _Errors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)


def parse_yen(value, name: str, errors: _Errors) -> int | None:
    """'1,200,000' or '1200000円' → 1200000; empty → None; anything else is an error."""
    text = re.sub(r"[,\s円¥]", "", str(value or ""))
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    if not text.isdigit():
        errors.add(name, _("Enter an amount in yen, digits only (e.g. 1200000)."))
        return None
    return int(text)


def _rows(rows: list[dict], keys: tuple[str, ...], name: str, errors: _Errors) -> list[dict]:
    """Drop blank rows; a row with some but not all of `keys` filled is an error."""
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
            errors.add(f"{name}-{index}", _("Fill in every part of this row, or clear it."))
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
            e.add(f"costs-{index}", _("Fill in every part of this row, or clear it."))
            continue
        if raw.get("kind") not in ("initial", "running"):
            e.add(f"costs-{index}", _("Choose initial or running."))
            continue
        kept.append(
            {
                "kind": raw["kind"],
                "item": item[:200],
                "amount": parse_yen(amount, f"costs-{index}", e),
            }
        )
    return kept


def _source_rows(rows: list[dict], e: _Errors) -> list[dict]:
    kept = []
    for index, raw in enumerate(rows):
        title = (raw.get("title") or "").strip()
        url = (raw.get("url") or "").strip() or None
        if not title and not url:
            continue
        if not title:
            e.add(f"sources-{index}", _("Fill in every part of this row, or clear it."))
        elif url and urlsplit(url).scheme not in ("http", "https"):
            e.add(f"sources-{index}", _("A link starts with http:// or https://."))
        else:
            kept.append({"title": title[:300], "url": url})
    return kept


def _codes(model, codes, name: str, errors: _Errors) -> list:
    codes = list(dict.fromkeys(c for c in codes or [] if c))
    rows = list(db.session.scalars(select(model).where(model.code.in_(codes)))) if codes else []
    if len(rows) != len(codes):
        errors.add(name, _("Unknown choice."))
    return sorted(rows, key=lambda r: r.position)


def validate(data: CaseInput, case: Case | None) -> tuple[dict, _Errors]:
    """Check every part; returns clean values and the errors (nothing is written here)."""
    e = _Errors()
    v: dict = {}
    v["slug"] = data.slug.strip().lower()
    if not SLUG_RE.match(v["slug"]) or v["slug"] in {"new", "review"}:
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
    v["cost_initial"] = parse_yen(data.cost_initial, "cost_initial", e)
    v["cost_running"] = parse_yen(data.cost_running, "cost_running", e)
    v["costs"] = _cost_rows(data.costs, e)
    v["schedule"] = _rows(data.schedule, ("period", "content"), "schedule", e)
    v["interview"] = _rows(data.interview, ("question", "answer"), "interview", e)
    v["effect_figures"] = _rows(data.effect_figures, ("label", "value"), "effect_figures", e)
    v["sources"] = _source_rows(data.sources, e)
    v["is_new"] = bool(data.is_new)
    try:
        v["status"] = CaseStatus(data.status or CaseStatus.DRAFT)
    except ValueError:
        e.add("status", _("Unknown choice."))
    return v, e


def snapshot(case: Case) -> dict:
    """The case as plain data, for revisions and exports."""
    return {
        "slug": case.slug,
        "title": case.title,
        "summary_points": case.summary_points,
        "overview": case.overview_md,
        "organisations": case.organisations,
        "prefecture": case.prefecture_code,
        "population_band": case.population_band_code,
        "direction": case.direction.value,
        "menus": [m.code for m in case.menus],
        "stages": case.stages,
        "fields": [f.code for f in case.fields],
        "topics": [t.code for t in case.topics],
        "effects": case.effects_md,
        "effect_figures": case.effect_figures,
        "cost_initial": case.cost_initial,
        "cost_running": case.cost_running,
        "costs": [{"kind": c.kind, "item": c.item, "amount": c.amount} for c in case.costs],
        "schedule": [{"period": r.period, "content": r.content} for r in case.schedule],
        "participants": case.participants,
        "contact_department": case.contact_department,
        "interview": [{"question": p.question, "answer": p.answer} for p in case.interview],
        "sources": [{"title": s.title, "url": s.url} for s in case.sources],
        "is_new": case.is_new,
        "status": case.status.value,
    }


def save_case(actor: User, case: Case | None, data: CaseInput) -> Case:
    """Create or update a case in one go: every row is checked before anything is written."""
    ensure_can_post(actor)
    if not can_edit(actor, case):
        raise PermissionDenied(_("Only editors can change this case."))
    v, errors = validate(data, case)
    if errors.fields:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors.fields)
    if not is_editor(actor):
        # Members suggest; editors decide what is published.
        v["status"] = CaseStatus.REVIEW
        v["is_new"] = case.is_new if case else False
    if case is None:
        case = Case(created_by_id=actor.id)
        db.session.add(case)
    for name in (
        "slug",
        "title",
        "summary_points",
        "organisations",
        "direction",
        "effect_figures",
        "cost_initial",
        "cost_running",
        "participants",
        "contact_department",
        "is_new",
        "status",
    ):
        setattr(case, name, v[name])
    case.prefecture_code, case.population_band_code = v["prefecture"], v["population_band"]
    case.overview_md, case.overview_html = v["overview"], markdown.render(v["overview"])
    case.effects_md, case.effects_html = v["effects"], markdown.render(v["effects"])
    case.renderer = markdown.RENDERER_VERSION
    case.menus, case.fields, case.topics = v["menus"], v["fields"], v["topics"]
    case.stage_rows = [CaseStage(stage=s) for s in v["stages"]]
    case.schedule = [CaseScheduleRow(position=i, **r) for i, r in enumerate(v["schedule"])]
    case.costs = [CaseCostRow(position=i, **r) for i, r in enumerate(v["costs"])]
    case.interview = [CaseInterviewPair(position=i, **r) for i, r in enumerate(v["interview"])]
    case.sources = [CaseSource(position=i, **r) for i, r in enumerate(v["sources"])]
    case.updated_at = utcnow()
    if case.status == CaseStatus.PUBLISHED and case.published_at is None:
        case.published_at = utcnow()
    db.session.flush()
    db.session.add(
        CaseRevision(
            case_id=case.id, editor_id=actor.id, status=case.status.value, snapshot=snapshot(case)
        )
    )
    db.session.flush()
    return case


def revisions(case: Case) -> list[CaseRevision]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(CaseRevision)
            .where(CaseRevision.case_id == case.id)
            .options(joinedload(CaseRevision.editor))
            .order_by(CaseRevision.id.desc())
        )
    )


# --- listing and facets -----------------------------------------------------------------------


@dataclass
class CaseFilters:
    q: str = ""
    direction: str = ""
    menu: str = ""
    stage: str = ""
    band: str = ""
    prefecture: str = ""
    field: str = ""
    status: str = ""

    def clauses(self, skip: str = "") -> list:
        out = []
        if self.q and skip != "q":
            from community.questions.text import like_pattern, normalise

            for term in normalise(self.q).split()[:5]:
                pattern = like_pattern(term)
                out.append(
                    or_(
                        func.lower(Case.title).like(pattern, escape="\\"),
                        func.lower(Case.overview_md).like(pattern, escape="\\"),
                        func.lower(Case.organisations).like(pattern, escape="\\"),
                        func.lower(Case.effects_md).like(pattern, escape="\\"),
                    )
                )
        if self.direction and skip != "direction":
            out.append(Case.direction == self.direction)
        if self.menu and skip != "menu":
            out.append(
                Case.id.in_(select(case_menus.c.case_id).where(case_menus.c.menu_code == self.menu))
            )
        if self.stage and skip != "stage":
            out.append(
                Case.id.in_(select(CaseStage.case_id).where(CaseStage.stage == _int(self.stage)))
            )
        if self.band and skip != "band":
            out.append(Case.population_band_code == self.band)
        if self.prefecture and skip != "prefecture":
            out.append(Case.prefecture_code == self.prefecture)
        if self.field and skip != "field":
            out.append(
                Case.id.in_(
                    select(case_fields.c.case_id).where(case_fields.c.field_code == self.field)
                )
            )
        if self.status and skip != "status":
            out.append(Case.status == self.status)
        return out


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def list_query(viewer, f: CaseFilters):
    return (
        select(Case)
        .where(visible_clause(viewer), *f.clauses())
        .order_by(Case.is_new.desc(), Case.published_at.desc().nulls_last(), Case.id.desc())
        .options(
            selectinload(Case.menus),
            selectinload(Case.fields),
            selectinload(Case.stage_rows),
            selectinload(Case.prefecture),
            selectinload(Case.population_band),
        )
    )


def facets(viewer, f: CaseFilters) -> dict[str, dict[str, int]]:
    """Counts per facet value; each facet counts under the other filters (6 queries)."""
    base = [visible_clause(viewer)]

    def grouped(column, skip, join=None):
        stmt = select(column, func.count(func.distinct(Case.id))).select_from(Case)
        if join is not None:
            stmt = stmt.join(*join)
        stmt = stmt.where(*base, *f.clauses(skip=skip)).group_by(column)
        return {str(k): n for k, n in db.session.execute(stmt).all() if k is not None}

    return {
        "direction": grouped(Case.direction, "direction"),
        "menu": grouped(
            case_menus.c.menu_code, "menu", (case_menus, case_menus.c.case_id == Case.id)
        ),
        "stage": grouped(CaseStage.stage, "stage", (CaseStage, CaseStage.case_id == Case.id)),
        "band": grouped(Case.population_band_code, "band"),
        "prefecture": grouped(Case.prefecture_code, "prefecture"),
        "field": grouped(
            case_fields.c.field_code, "field", (case_fields, case_fields.c.case_id == Case.id)
        ),
    }


# --- links between questions and cases --------------------------------------------------------


def link_question(actor: User, question, case: Case, note: str = "") -> CaseLink:
    """Anyone who may answer the question links a published case to it, with a short note."""
    circles.require_reply(actor, question.circle)
    if not case.is_published:
        raise NotFound(_("Not found."))
    note = (note or "").strip()
    if len(note) > 300:
        msg = _("Use at most %(n)d characters.", n=300)
        raise ValidationFailed(msg, {"note": [msg]})
    existing = db.session.scalar(
        select(CaseLink).where(CaseLink.question_id == question.id, CaseLink.case_id == case.id)
    )
    if existing is not None:
        raise Conflict(_("This case is already linked."))
    link = CaseLink(question_id=question.id, case_id=case.id, created_by_id=actor.id, note=note)
    db.session.add(link)
    db.session.flush()
    return link


def unlink(actor: User, link: CaseLink) -> None:
    """The person who linked, the circle's moderators and admins remove a link."""
    from community.questions.models import Question

    question = db.session.get(Question, link.question_id)
    if not (
        _signed_in(actor)
        and (link.created_by_id == actor.id or circles.can_moderate(actor, question.circle))
    ):
        raise PermissionDenied(
            _("Only the person who linked it or a moderator can remove this link.")
        )
    db.session.delete(link)
    db.session.flush()


def mentioned_slugs(text: str) -> list[str]:
    return list(dict.fromkeys(MENTION_RE.findall(text or "")))


def sync_mentions(question, text: str, author: User, answer=None) -> None:
    """`#case:<slug>` or a case URL in a post links the case (and an answer cites it)."""
    slugs = mentioned_slugs(text)
    if not slugs:
        return
    cases = db.session.scalars(
        select(Case).where(Case.slug.in_(slugs), Case.status == CaseStatus.PUBLISHED)
    )
    for case in cases:
        linked = db.session.scalar(
            select(CaseLink.id).where(
                CaseLink.question_id == question.id, CaseLink.case_id == case.id
            )
        )
        if linked is None:
            db.session.add(
                CaseLink(question_id=question.id, case_id=case.id, created_by_id=author.id)
            )
        if answer is not None:
            cited = db.session.scalar(
                select(AnswerCitation.id).where(
                    AnswerCitation.answer_id == answer.id, AnswerCitation.case_id == case.id
                )
            )
            if cited is None:
                db.session.add(AnswerCitation(answer_id=answer.id, case_id=case.id))
    db.session.flush()


def links_for_question(question_id: int) -> list[CaseLink]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(CaseLink)
            .join(Case, Case.id == CaseLink.case_id)
            .where(
                CaseLink.question_id == question_id,
                Case.status == CaseStatus.PUBLISHED,
                CaseLink.hidden_at.is_(None),
            )
            .options(joinedload(CaseLink.case), joinedload(CaseLink.created_by))
            .order_by(CaseLink.created_at)
        )
    )


def questions_for_case(viewer, case: Case, limit: int = 20):
    """Linked questions the viewer may see (private circles' questions stay hidden)."""
    from sqlalchemy.orm import joinedload

    from community.questions.models import Question
    from community.questions.services import visible_questions_clause

    return list(
        db.session.scalars(
            select(Question)
            .join(CaseLink, CaseLink.question_id == Question.id)
            .where(
                CaseLink.case_id == case.id,
                CaseLink.hidden_at.is_(None),
                visible_questions_clause(viewer),
            )
            .options(joinedload(Question.circle))
            .order_by(Question.last_activity_at.desc())
            .limit(limit)
        )
    )


def helped_resolve(viewer, case_ids: list[int]) -> dict[int, int]:
    """Per case: visible questions whose accepted answer cites the case (one query)."""
    from community.questions.models import Question
    from community.questions.services import visible_questions_clause

    if not case_ids:
        return {}
    rows = db.session.execute(
        select(AnswerCitation.case_id, func.count(func.distinct(Question.id)))
        .join(Question, and_(Question.accepted_answer_id == AnswerCitation.answer_id))
        .where(AnswerCitation.case_id.in_(case_ids), visible_questions_clause(viewer))
        .group_by(AnswerCitation.case_id)
    ).all()
    return dict(rows)


def published_choices() -> list[Case]:
    return list(
        db.session.scalars(
            select(Case).where(Case.status == CaseStatus.PUBLISHED).order_by(Case.title)
        )
    )


def organisations() -> list[SupportOrganisation]:
    return list(db.session.scalars(select(SupportOrganisation).order_by(SupportOrganisation.id)))
