"""Who sees and who edits a case: the visibility clause and the edit rule."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from community import policy
from community.casebook.models import Case, CaseStatus
from community.errors import NotFound
from community.extensions import db


def visible_clause(viewer):
    """Published cases for everyone; editors see all; members also their own suggestions."""
    if policy.is_editor(viewer):
        return Case.id.is_not(None)
    published = Case.status == CaseStatus.PUBLISHED
    if policy.is_signed_in(viewer):
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
    if policy.is_editor(user):
        return True
    if case is None:
        return policy.is_signed_in(user) and user.is_confirmed
    return policy.is_signed_in(user) and case.created_by_id == user.id and not case.is_published
