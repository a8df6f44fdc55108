"""Appointing and removing coordinators (群マネ担当); administrators only, audited."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community import policy
from community.auth.models import User
from community.errors import NotFound, ValidationFailed
from community.extensions import db
from community.moderation.audit_log import audit
from community.network.models import CoordinatorAppointment
from community.reference.models import Prefecture


def appointments(actor: User) -> list[CoordinatorAppointment]:
    """Every appointment, by prefecture then username, with the user and prefecture loaded."""
    policy.require_admin(actor)
    stmt = (
        select(CoordinatorAppointment)
        .join(CoordinatorAppointment.user)
        .options(
            joinedload(CoordinatorAppointment.user), joinedload(CoordinatorAppointment.prefecture)
        )
        .order_by(CoordinatorAppointment.prefecture_code, User.username)
    )
    return list(db.session.scalars(stmt))


def appoint(actor: User, username: str, prefecture_code: str) -> CoordinatorAppointment:
    """Make the member `username` a coordinator of one prefecture (ValidationFailed on a wrong
    username or prefecture, or when the appointment exists already)."""
    policy.require_admin(actor)
    username = (username or "").strip().lstrip("@").lower()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    if not username or user is None or user.is_deleted:
        raise ValidationFailed.for_field("username", _("No member has this username."))
    if not user.is_confirmed:
        msg = _("This member has not confirmed their email address yet.")
        raise ValidationFailed.for_field("username", msg)
    prefecture = db.session.get(Prefecture, prefecture_code or "")
    if prefecture is None:
        raise ValidationFailed.for_field("prefecture", _("Choose a prefecture."))
    exists = db.session.scalar(
        select(CoordinatorAppointment.id).where(
            CoordinatorAppointment.user_id == user.id,
            CoordinatorAppointment.prefecture_code == prefecture.code,
        )
    )
    if exists is not None:
        msg = _(
            "%(name)s already coordinates %(prefecture)s.",
            name=user.display_name,
            prefecture=prefecture.name,
        )
        raise ValidationFailed.for_field("username", msg)
    row = CoordinatorAppointment(user=user, prefecture=prefecture, appointed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit(actor, "appoint_coordinator", "user", user.id, after={"prefecture": prefecture.code})
    return row


def remove(actor: User, appointment_id: int) -> CoordinatorAppointment:
    """End one appointment (NotFound when there is no such appointment)."""
    policy.require_admin(actor)
    row = db.session.get(
        CoordinatorAppointment,
        appointment_id,
        options=[
            joinedload(CoordinatorAppointment.user),
            joinedload(CoordinatorAppointment.prefecture),
        ],
    )
    if row is None:
        raise NotFound(_("No such appointment."))
    audit(
        actor, "remove_coordinator", "user", row.user_id, before={"prefecture": row.prefecture_code}
    )
    db.session.delete(row)
    db.session.flush()
    return row
