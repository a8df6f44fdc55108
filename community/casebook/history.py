"""A case as plain data (the revision snapshot) and its list of revisions."""

from __future__ import annotations

from sqlalchemy import select

from community.casebook.models import Case, CaseRevision
from community.extensions import db


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
        "interview_kind": case.interview_kind.value,
        "interview_source": case.interview_source,
        "interview_url": case.interview_url or "",
        "interview": [{"question": p.question, "answer": p.answer} for p in case.interview],
        "sources": [
            {
                "title": s.title,
                "url": s.url,
                "accessed_on": s.accessed_on.isoformat() if s.accessed_on else None,
                "as_of": s.as_of,
                "supports": s.supports,
            }
            for s in case.sources
        ],
        "is_new": case.is_new,
        "status": case.status.value,
        "section": case.section or "",
        "is_model": case.is_model,
        "case_type": case.case_type.value,
        "consent": case.consent.value,
    }


def revisions(case: Case) -> list[CaseRevision]:
    """A case's saved versions, newest first, with their editors."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(CaseRevision)
            .where(CaseRevision.case_id == case.id)
            .options(joinedload(CaseRevision.editor))
            .order_by(CaseRevision.id.desc())
        )
    )
