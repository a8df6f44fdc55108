"""Recommendations for a problem stage, field, population band and prefecture."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community import policy
from community.auth.models import Role, User
from community.casebook.models import Case, CaseStage, CaseStatus, SupportOrganisation, case_fields
from community.circles.models import Circle
from community.errors import ValidationFailed
from community.extensions import db
from community.profiles import services as profiles
from community.profiles.models import Profile, profile_fields
from community.questions.models import Question
from community.reference.models import Prefecture, SupportMenu


@dataclass
class Need:
    stage: int
    field: str = ""
    band: str = ""
    prefecture: str = ""


@dataclass
class Recommendations:
    menus: list[SupportMenu] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    advisers: list[User] = field(default_factory=list)
    organisations: list[SupportOrganisation] = field(default_factory=list)


def recommend(viewer, need: Need, limit: int = 5) -> Recommendations:
    """What fits this need: menus for the stage, circles, cases, advisers, organisations."""
    menus = _menus(need)
    return Recommendations(
        menus=menus,
        circles=_circles(viewer, need),
        cases=_cases(need, limit),
        advisers=_advisers(need, limit),
        organisations=_organisations(need, {m.code for m in menus}, limit),
    )


def _menus(need: Need) -> list[SupportMenu]:
    """The support menus that serve the stage, in the catalogue's order."""
    menus = db.session.scalars(select(SupportMenu).order_by(SupportMenu.position))
    return [m for m in menus if need.stage in (m.stages or [])]


def _circles(viewer, need: Need) -> list[Circle]:
    """Circles the viewer sees where questions of this field (and stage) are asked most."""
    relevance = func.count(Question.id)
    stmt = (
        select(Circle)
        .outerjoin(Question, Question.circle_id == Circle.id)
        .where(policy.visible_circles_clause(viewer))
        .group_by(Circle.id)
        .order_by(
            func.sum(sql_case((Question.field_code == (need.field or None), 2), else_=0)).desc(),
            func.sum(sql_case((Question.stage == need.stage, 1), else_=0)).desc(),
            relevance.desc(),
        )
        .limit(4)
    )
    return list(db.session.scalars(stmt))


def _cases(need: Need, limit: int) -> list[Case]:
    """Published cases serving the stage; same field first, then the same population band."""
    field_match = Case.id.in_(
        select(case_fields.c.case_id).where(case_fields.c.field_code == need.field)
    )
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.status == CaseStatus.PUBLISHED,
                Case.id.in_(select(CaseStage.case_id).where(CaseStage.stage == need.stage)),
            )
            .order_by(
                sql_case((field_match, 0), else_=1) if need.field else Case.id.is_(None),
                sql_case((Case.population_band_code == need.band, 0), else_=1)
                if need.band
                else Case.id.is_(None),
                Case.is_new.desc(),
                Case.published_at.desc(),
            )
            .options(
                selectinload(Case.menus), selectinload(Case.fields), selectinload(Case.stage_rows)
            )
            .limit(limit)
        )
    )


def _advisers(need: Need, limit: int) -> list[User]:
    """Advisers in the prefecture (4), its region (2) or with the field (3), best score first."""
    region = None
    if need.prefecture:
        pref = db.session.get(Prefecture, need.prefecture)
        region = pref.region_code if pref else None
    same_pref = Profile.prefecture_code == (need.prefecture or None)
    same_region = Profile.prefecture_code.in_(
        select(Prefecture.code).where(Prefecture.region_code == region)
    )
    has_field = Profile.user_id.in_(
        select(profile_fields.c.profile_id).where(profile_fields.c.field_code == need.field)
    )
    score = (
        sql_case((same_pref, 4), else_=0)
        + (sql_case((same_region, 2), else_=0) if region else 0)
        + (sql_case((has_field, 3), else_=0) if need.field else 0)
    )
    return list(
        db.session.scalars(
            select(User)
            .join(Profile, Profile.user_id == User.id)
            .where(User.role == Role.ADVISER, User.deleted_at.is_(None))
            .order_by(score.desc(), User.last_seen_at.desc())
            .options(
                selectinload(User.profile).selectinload(Profile.fields),
                selectinload(User.profile).joinedload(Profile.prefecture),
            )
            .limit(limit)
        )
    )


def _organisations(need: Need, menu_codes: set[str], limit: int) -> list[SupportOrganisation]:
    """Organisations offering one of the menus, in the prefecture and field if they say."""
    orgs = db.session.scalars(select(SupportOrganisation).order_by(SupportOrganisation.id))
    return [
        o
        for o in orgs
        if set(o.menu_codes or []) & menu_codes
        and (not o.prefectures or need.prefecture in o.prefectures)
        and (not need.field or not o.field_codes or need.field in o.field_codes)
    ][:limit]


def remember_stage(user: User, stage: int) -> None:
    """Keep the chosen stage on the profile; the ask form offers it next time."""
    if stage not in (1, 2, 3):
        raise ValidationFailed.for_field("stage", _("Unknown choice."))
    profiles.ensure_profile(user).problem_stage = stage
    db.session.flush()


# --- the support catalogue --------------------------------------------------------------------


def organisations() -> list[SupportOrganisation]:
    """Every support organisation with its cases, for the catalogue."""
    return list(
        db.session.scalars(
            select(SupportOrganisation)
            .order_by(SupportOrganisation.id)
            .options(selectinload(SupportOrganisation.cases))
        )
    )


def organisation(slug: str) -> SupportOrganisation | None:
    """One organisation by its slug, or None."""
    return db.session.scalar(select(SupportOrganisation).where(SupportOrganisation.slug == slug))


def published_cases(org: SupportOrganisation) -> list[Case]:
    """The organisation's published cases, by title."""
    return sorted((c for c in org.cases if c.status == CaseStatus.PUBLISHED), key=lambda c: c.title)


def menus_by_code() -> dict[str, SupportMenu]:
    """Support menus by code, in the catalogue's order."""
    return {
        m.code: m for m in db.session.scalars(select(SupportMenu).order_by(SupportMenu.position))
    }
