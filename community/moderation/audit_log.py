"""The audit log: recording moderator and admin actions, and filtering them for review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community import policy
from community.auth.models import User
from community.extensions import db
from community.moderation.models import AuditEntry
from community.office_hours.slots import TOKYO


def audit(
    actor,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    circle_id: int | None = None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Record one moderator or admin action (never updated or deleted afterwards)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        circle_id=circle_id,
        reason=(reason or "")[:2000],
        before=before,
        after=after,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def audit_query(viewer, filters: dict):
    """Entries matching the page's filters, newest first, each with its actor loaded; the audit
    log is for administrators only."""
    policy.require_admin(viewer)
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if filters.get("action"):
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if filters.get("actor"):
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(
            User.username == filters["actor"]
        )
    if filters.get("target_type"):
        stmt = stmt.where(AuditEntry.target_type == filters["target_type"])
    since = _parse_day(filters.get("since", ""))
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    return stmt


def _parse_day(value: str) -> datetime | None:
    """'2026-11-01' as the start of that day in Japan time; None when empty or malformed."""

    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO) if value else None
    except ValueError:
        return None
