"""What the home page counts and features: figures about the network, cases to read first."""

from __future__ import annotations

from sqlalchemy import func, select

from community import policy
from community.auth.models import Role, User
from community.casebook.models import Case, CaseStatus
from community.extensions import db
from community.profiles.models import Profile


def network_figures(viewer) -> dict[str, int]:
    """People and advisers the viewer may see, and prefectures with a member (three counts)."""
    people = (
        select(func.count())
        .select_from(User)
        .join(Profile)
        .where(User.deleted_at.is_(None), policy.visible_profiles_clause(viewer))
    )
    return {
        "people": db.session.scalar(people),
        "advisers": db.session.scalar(people.where(User.role == Role.ADVISER)),
        "prefectures": db.session.scalar(
            select(func.count(func.distinct(Profile.prefecture_code)))
            .select_from(User)
            .join(Profile)
            .where(User.deleted_at.is_(None))
        ),
    }


def featured_cases(limit: int = 3) -> list[Case]:
    """Published cases, those marked new first, then the most recently published."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.status == CaseStatus.PUBLISHED)
            .order_by(Case.is_new.desc(), Case.published_at.desc())
            .limit(limit)
        )
    )
