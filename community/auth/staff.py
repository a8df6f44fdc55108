"""Verified staff (by email domain or by hand) and roles, which only administrators change."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from community.auth.models import Role, User, VerifiedDomain
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import db


def verified_domains() -> list[str]:
    """The admin-managed list (seeded with lg.jp by `seed reference`)."""
    return list(db.session.scalars(select(VerifiedDomain.domain).order_by(VerifiedDomain.domain)))


def email_in_domains(email: str, domains: list[str]) -> bool:
    """Whether the address's host is one of `domains` or a subdomain of one."""
    host = email.rpartition("@")[2].lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def apply_domain_verification(user: User) -> None:
    """Set the staff badge from the confirmed address, unless an admin decided by hand."""
    if user.verified_manually:
        return
    user.verified_staff = user.is_confirmed and email_in_domains(user.email, verified_domains())


def require_admin(actor: User) -> None:
    """Administrators only (the same rule as policy.require_admin, which imports auth.models)."""
    if actor is None or not actor.is_authenticated or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may do that."))


def set_role(actor: User, user: User, role: Role) -> None:
    """Administrators only; the last administrator cannot give the role up. Audited."""
    require_admin(actor)
    if user.id == actor.id and role != Role.ADMIN:
        remaining = db.session.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.deleted_at.is_(None))
        )
        if remaining <= 1:
            raise ValidationFailed(_("The last administrator cannot give up the role."))
    # why: moderation's package imports its routes, which reach back into auth.services
    from community.moderation.audit_log import audit

    before = user.role.value
    user.role = role
    audit(actor, "set_role", "user", user.id, before={"role": before}, after={"role": role.value})


def set_verified(actor: User, user: User, value: bool | None) -> None:
    """Verify or un-verify by hand; None returns the badge to the email-domain rule."""
    require_admin(actor)
    # why: moderation's package imports its routes, which reach back into auth.services
    from community.moderation.audit_log import audit

    before = {"verified_staff": user.verified_staff, "manual": user.verified_manually}
    if value is None:
        user.verified_manually = False
        apply_domain_verification(user)
    else:
        user.verified_manually = True
        user.verified_staff = value
    audit(
        actor,
        "set_verification",
        "user",
        user.id,
        before=before,
        after={"verified_staff": user.verified_staff, "manual": user.verified_manually},
    )
