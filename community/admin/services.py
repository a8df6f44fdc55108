"""Admin-only rules beyond those in auth.services."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from community import policy
from community.auth.models import User, VerifiedDomain
from community.auth.services import apply_domain_verification
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation.audit_log import audit
from community.text import like_pattern

DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def user_list_query(q: str = ""):
    """Accounts for the admin list, newest first; `q` matches email, username or display name."""
    stmt = (
        select(User)
        .where(User.deleted_at.is_(None))
        .order_by(User.created_at.desc(), User.id.desc())
    )
    q = (q or "").strip().lower()
    if q:
        pattern = like_pattern(q)
        # lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
        stmt = stmt.where(
            or_(
                User.email.like(pattern, escape="\\"),
                User.username.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    return stmt


def _reapply_all() -> None:
    for user in db.session.scalars(
        select(User).where(User.verified_manually.is_(False), User.deleted_at.is_(None))
    ):
        apply_domain_verification(user)


def add_domain(actor: User, domain: str) -> VerifiedDomain:
    """Add a domain and re-check every confirmed account against the new list."""
    policy.require_admin(actor)
    domain = (domain or "").strip().lower().lstrip("@").lstrip(".")
    if not DOMAIN_RE.match(domain):
        msg = _("Enter a domain such as lg.jp or city.example.lg.jp.")
        raise ValidationFailed.for_field("domain", msg)
    if db.session.scalar(select(VerifiedDomain).where(VerifiedDomain.domain == domain)):
        msg = _("That domain is already on the list.")
        raise ValidationFailed.for_field("domain", msg)
    row = VerifiedDomain(domain=domain)
    db.session.add(row)
    db.session.flush()
    _reapply_all()
    audit(actor, "add_domain", "domain", row.id, after={"domain": domain})
    return row


def remove_domain(actor: User, domain_id: int) -> None:
    """Remove a domain (admins) and re-check every confirmed account against the shorter list."""
    policy.require_admin(actor)
    row = db.session.get(VerifiedDomain, domain_id)
    if row is None:
        raise ValidationFailed(_("That domain is not on the list."))
    audit(actor, "remove_domain", "domain", row.id, before={"domain": row.domain})
    db.session.delete(row)
    db.session.flush()
    _reapply_all()


def ensure_default_domains(defaults) -> None:
    """Seed the admin-managed list with the defaults (lg.jp) when it is empty."""
    if db.session.scalar(select(VerifiedDomain.id).limit(1)) is None:
        for d in defaults:
            db.session.add(VerifiedDomain(domain=d))
        db.session.flush()
