"""Who may see what a search finds: per kind, the documents the viewer may see that pass the
filters, as a condition on a ref_id column that the window applies while it fills."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, select

from community import policy
from community.auth.models import User
from community.casebook.access import visible_clause as cases_visible
from community.casebook.models import Case, CaseStage, case_fields
from community.circles.models import Circle
from community.extensions import db
from community.profiles.models import Profile
from community.questions.models import Question

KINDS = ("question", "case", "person", "circle")


def _stage(f: dict) -> int | None:
    return int(f["stage"]) if f.get("stage") in ("1", "2", "3") else None


def _question_docs(viewer, f: dict, ref) -> Select:
    doc = select(Question.id).where(Question.id == ref, policy.visible_questions_clause(viewer))
    if f.get("circle"):
        circle_id = select(Circle.id).where(Circle.slug == f["circle"]).scalar_subquery()
        doc = doc.where(Question.circle_id == circle_id)
    if f.get("field"):
        doc = doc.where(Question.field_code == f["field"])
    if stage := _stage(f):
        doc = doc.where(Question.stage == stage)
    if f.get("since"):
        doc = doc.where(Question.created_at >= f["since"])
    return doc


def _case_docs(viewer, f: dict, ref) -> Select:
    doc = select(Case.id).where(Case.id == ref, cases_visible(viewer))
    if f.get("field"):
        with_field = select(case_fields.c.case_id).where(case_fields.c.field_code == f["field"])
        doc = doc.where(Case.id.in_(with_field))
    if stage := _stage(f):
        doc = doc.where(Case.id.in_(select(CaseStage.case_id).where(CaseStage.stage == stage)))
    if f.get("band"):
        doc = doc.where(Case.population_band_code == f["band"])
    return doc


def _circle_docs(viewer, f: dict, ref) -> Select:
    return select(Circle.id).where(Circle.id == ref, policy.visible_circles_clause(viewer))


def _person_docs(viewer, f: dict, ref) -> Select:
    doc = (
        select(User.id)
        .join(Profile, Profile.user_id == User.id)
        .where(
            User.id == ref,
            User.deleted_at.is_(None),
            policy.visible_profiles_clause(viewer),
        )
    )
    if f.get("band"):
        doc = doc.where(Profile.population_band_code == f["band"])
    return doc


# Per kind: the documents the viewer may see that pass the filters, correlated to a ref_id column.
_DOCS: dict[str, Callable[[object, dict, ColumnElement], Select]] = {
    "question": _question_docs,
    "case": _case_docs,
    "circle": _circle_docs,
    "person": _person_docs,
}


def allowed(kind: str, viewer, f: dict | None = None) -> Callable[[ColumnElement], ColumnElement]:
    """A condition on a ref_id column (search_entries.ref_id, or a walk's rows): its document
    is one the viewer may see and passes the filters. Correlated (EXISTS per entry) rather than
    an IN list, which would read every question to rank the few in the window. A function of
    the column, so that a walk over a subquery gets it built on its own column (adapting one
    built on search_entries costs more than building it)."""
    docs = _DOCS[kind]
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def on(ref: ColumnElement) -> ColumnElement:
        doc = docs(viewer, f or {}, ref)
        if postgres:
            # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hash of every visible
            # document (a scan of all questions) where a lookup per matching section is cheaper.
            doc = doc.offset(0)
        return doc.exists()

    return on
