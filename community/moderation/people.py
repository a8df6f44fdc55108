"""Rules about people: trust levels, account suspensions and removal from circles."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from community import policy
from community.auth.models import User
from community.circles.models import Circle, CircleMembership, MembershipStatus
from community.db import utcnow
from community.errors import InvalidTransition, NotFound, ValidationFailed
from community.extensions import db
from community.moderation.audit_log import audit
from community.questions.models import Answer, Question
from community.signals import user_suspended


def trust_level(user: User) -> int:
    """0: new or unconfirmed; 1: confirmed and has read for a few days; 2: has accepted answers."""
    cfg = current_app.config
    if not user.is_confirmed or utcnow() - user.created_at < timedelta(days=cfg["TRUST1_DAYS"]):
        return 0
    accepted = db.session.scalar(
        select(func.count())
        .select_from(Question)
        .join(Answer, Answer.id == Question.accepted_answer_id)
        .where(Answer.author_id == user.id)
    )
    return 2 if accepted >= cfg["TRUST2_ACCEPTED_ANSWERS"] else 1


def suspend(actor: User, user: User, days: int, reason: str) -> None:
    """Admins suspend an account: it can read but not post anywhere until the end date."""
    policy.require_admin(actor)
    if user is None or user.is_deleted:
        raise NotFound(_("Not found."))
    if user.id == actor.id:
        raise InvalidTransition(_("You cannot suspend yourself."))
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise ValidationFailed.for_field(
            "days", _("Enter a number from %(low)d to %(high)d.", low=1, high=3650)
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", _("Give a reason; it is kept in the audit log."))
    before = {"suspended_until": user.suspended_until.isoformat() if user.suspended_until else None}
    user.suspended_until = utcnow() + timedelta(days=days)
    user.suspension_reason = reason[:500]
    audit(
        actor,
        "suspend",
        "user",
        user.id,
        reason=reason,
        before=before,
        after={"suspended_until": user.suspended_until.isoformat()},
    )
    user_suspended.send(user, actor=actor, suspended=True, reason=reason)


def lift_suspension(actor: User, user: User, reason: str = "") -> None:
    """Admins end a suspension early; the account may post again at once. Audited."""
    policy.require_admin(actor)
    if user.suspended_until is None:
        raise InvalidTransition(_("This account is not suspended."))
    before = {"suspended_until": user.suspended_until.isoformat()}
    user.suspended_until, user.suspension_reason = None, ""
    audit(
        actor,
        "lift_suspension",
        "user",
        user.id,
        reason=reason,
        before=before,
        after={"suspended_until": None},
    )
    user_suspended.send(user, actor=actor, suspended=False, reason=reason)


def remove_from_circle(
    actor: User, circle: Circle, membership_id: int, ban: bool, reason: str
) -> None:
    """Moderators remove a member, or ban them (they cannot rejoin or post there)."""
    policy.require_moderator(actor, circle)
    m = db.session.get(CircleMembership, membership_id)
    if m is None or m.circle_id != circle.id:
        raise NotFound(_("Not found."))
    if m.user_id == actor.id or m.role == "owner":
        raise InvalidTransition(_("Owners and you yourself cannot be removed here."))
    before = {"status": m.status.value, "role": m.role.value}
    if ban:
        m.status, m.role = MembershipStatus.BANNED, "member"
    else:
        db.session.delete(m)
    audit(
        actor,
        "ban" if ban else "remove_member",
        "user",
        m.user_id,
        circle_id=circle.id,
        reason=reason,
        before=before,
        after={"status": "banned" if ban else "removed"},
    )
    db.session.flush()
