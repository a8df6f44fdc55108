"""Saving a case with its repeating rows, once validation.py has checked all of it."""

from __future__ import annotations

from flask_babel import gettext as _

from community import markdown, policy
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.casebook import editions
from community.casebook.access import can_edit
from community.casebook.history import snapshot
from community.casebook.models import (
    Case,
    CaseCostRow,
    CaseInterviewPair,
    CaseRevision,
    CaseScheduleRow,
    CaseSource,
    CaseStage,
    CaseStatus,
    Consent,
)
from community.casebook.validation import CaseInput, validate
from community.db import utcnow
from community.errors import PermissionDenied
from community.extensions import db
from community.rendered import refresh_case_mentions


def save_case(actor: User, case: Case | None, data: CaseInput) -> Case:
    """Create or update a case in one go: every row is checked before anything is written."""
    ensure_can_post(actor)
    if not can_edit(actor, case):
        raise PermissionDenied(_("Only editors can change this case."))
    v = validate(data, case)
    if not policy.is_editor(actor):
        # Members suggest; editors decide what is published, what is a model case and what
        # the organisation has agreed to.
        v["status"] = CaseStatus.REVIEW
        v["is_model"] = case.is_model if case else False
        v["consent"] = case.consent if case else Consent.NONE
    # What a `#case:` mention shows: when it changes, posts that mention the case render again.
    shown_before = (case.slug, case.title, case.status) if case is not None else None
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
        "interview_kind",
        "interview_source",
        "interview_url",
        "status",
        "section",
        "is_model",
        "case_type",
        "consent",
    ):
        setattr(case, name, v[name])
    case.prefecture_code, case.population_band_code = v["prefecture"], v["population_band"]
    markdown.store(case, "overview", v["overview"])
    markdown.store(case, "effects", v["effects"])
    case.menus, case.fields, case.topics = v["menus"], v["fields"], v["topics"]
    case.stage_rows = [CaseStage(stage=s) for s in v["stages"]]
    case.schedule = [CaseScheduleRow(position=i, **r) for i, r in enumerate(v["schedule"])]
    case.costs = [CaseCostRow(position=i, **r) for i, r in enumerate(v["costs"])]
    case.interview = [CaseInterviewPair(position=i, **r) for i, r in enumerate(v["interview"])]
    case.sources = [CaseSource(position=i, **r) for i, r in enumerate(v["sources"])]
    case.updated_at = utcnow()
    if case.status == CaseStatus.PUBLISHED and case.published_at is None:
        case.published_at = utcnow()
    editions.stamp(case)
    db.session.flush()
    db.session.add(
        CaseRevision(
            case_id=case.id, editor_id=actor.id, status=case.status.value, snapshot=snapshot(case)
        )
    )
    db.session.flush()
    if shown_before != (case.slug, case.title, case.status):
        refresh_case_mentions([shown_before[0] if shown_before else "", case.slug])
    return case
