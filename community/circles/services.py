"""Circle rules: who sees a circle, who posts in it, joining, requests and roles."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from community import markdown, policy
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.circles.models import (
    Circle,
    CircleMembership,
    CircleRole,
    CircleVisibility,
    MembershipStatus,
)
from community.db import savepoint
from community.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.sentinels import NOT_LOADED
from community.signals import membership_decided

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")


# --- who may post -----------------------------------------------------------------------------
# Who sees and who moderates a circle is in community.policy (other features ask it too).


def can_ask(user, circle: Circle | None, m=NOT_LOADED) -> bool:
    """Asking in a circle needs active membership; the open square needs a confirmed account."""
    if not policy.is_signed_in(user) or not user.is_confirmed or user.is_suspended:
        return False
    if circle is None:
        return True
    m = policy.membership(user, circle) if m is NOT_LOADED else m
    return m is not None and m.is_active


def can_reply(user, circle: Circle | None, m=NOT_LOADED) -> bool:
    """Answer, comment, vote: anyone confirmed in open circles, members in the others."""
    if not policy.is_signed_in(user) or not user.is_confirmed or user.is_suspended:
        return False
    if circle is None:
        return True
    m = policy.membership(user, circle) if m is NOT_LOADED else m
    if m is not None and m.status == MembershipStatus.BANNED:
        return False
    if circle.visibility == CircleVisibility.OPEN:
        return policy.can_see_circle(user, circle, m)
    return can_ask(user, circle, m)


def require_reply(user, circle: Circle | None, m=NOT_LOADED) -> None:
    """Posting in a circle: the posting rule, seeing the circle, and membership where the circle
    asks for it."""
    ensure_can_post(user)
    policy.require_see_circle(user, circle)
    if not can_reply(user, circle, m):
        raise PermissionDenied(_("Only members of this circle can post here."))


def get_visible(viewer, slug: str) -> Circle:
    """The circle by slug, or NotFound when it does not exist or is hidden from the viewer."""
    circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
    if circle is None:
        raise NotFound(_("Not found."))
    policy.require_see_circle(viewer, circle)
    return circle


# --- lists ------------------------------------------------------------------------------------


def member_counts_subquery():
    """Active members per circle, as a subquery to join for lists."""
    return (
        select(CircleMembership.circle_id, func.count().label("n"))
        .where(CircleMembership.status == MembershipStatus.ACTIVE)
        .group_by(CircleMembership.circle_id)
        .subquery()
    )


def list_circles(viewer) -> list[tuple[Circle, int, CircleMembership | None]]:
    """Circles the viewer may see, with member counts and the viewer's membership (2 queries)."""
    counts = member_counts_subquery()
    rows = db.session.execute(
        select(Circle, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.circle_id == Circle.id)
        .where(policy.visible_circles_clause(viewer))
        .order_by(func.coalesce(counts.c.n, 0).desc(), Circle.id)
    ).all()
    mine = {}
    if policy.is_signed_in(viewer):
        mine = {
            m.circle_id: m
            for m in db.session.scalars(
                select(CircleMembership).where(CircleMembership.user_id == viewer.id)
            )
        }
    return [(c, n, mine.get(c.id)) for c, n in rows]


def my_circles(user) -> list[Circle]:
    """The circles the user is an active member of, by name; none when signed out."""
    if not policy.is_signed_in(user):
        return []
    return list(
        db.session.scalars(
            select(Circle)
            .join(CircleMembership, CircleMembership.circle_id == Circle.id)
            .where(
                CircleMembership.user_id == user.id,
                CircleMembership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Circle.name_ja)
        )
    )


def member_count(circle: Circle) -> int:
    """The circle's active members."""
    return db.session.scalar(
        select(func.count()).where(
            CircleMembership.circle_id == circle.id,
            CircleMembership.status == MembershipStatus.ACTIVE,
        )
    )


def members(
    circle: Circle, status: MembershipStatus = MembershipStatus.ACTIVE
) -> list[CircleMembership]:
    """The circle's memberships with one status, owners first, then moderators, then members."""
    order = {CircleRole.OWNER: 0, CircleRole.MODERATOR: 1, CircleRole.MEMBER: 2}
    rows = list(
        db.session.scalars(
            select(CircleMembership)
            .where(CircleMembership.circle_id == circle.id, CircleMembership.status == status)
            .options(joinedload(CircleMembership.user))
            .order_by(CircleMembership.created_at)
        )
    )
    return sorted(rows, key=lambda m: order[m.role])


def moderators(circle: Circle) -> list[CircleMembership]:
    """The circle's active owners and moderators, owners first: what its page names, without
    loading every member (a large circle has thousands)."""
    rows = db.session.scalars(
        select(CircleMembership)
        .where(
            CircleMembership.circle_id == circle.id,
            CircleMembership.status == MembershipStatus.ACTIVE,
            CircleMembership.role != CircleRole.MEMBER,
        )
        .options(joinedload(CircleMembership.user))
        .order_by(CircleMembership.created_at, CircleMembership.id)
    )
    return sorted(rows, key=lambda m: m.role != CircleRole.OWNER)


# --- changes ----------------------------------------------------------------------------------


def _render(circle: Circle, description: str, rules: str) -> None:
    markdown.store(circle, "description", description)
    markdown.store(circle, "rules", rules)


def save_circle(actor: User, circle: Circle | None, data: dict) -> Circle:
    """Create (admins) or edit (admins, owners) a circle."""
    if circle is None:
        policy.require_admin(actor)
    elif not policy.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the circle's owners and administrators can edit it."))
    slug = (data.get("slug") or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not SLUG_RE.match(slug) or slug in {"new"}:
        errors["slug"] = [_("Use 3–60 characters: lower-case letters, digits and hyphens.")]
    elif db.session.scalar(
        select(Circle.id).where(Circle.slug == slug, Circle.id != (circle.id if circle else -1))
    ):
        errors["slug"] = [_("That address is taken.")]
    for key in ("name_ja", "name_en"):
        if not (data.get(key) or "").strip():
            errors[key] = [_("This field is required.")]
    try:
        visibility = CircleVisibility(data.get("visibility") or "")
    except ValueError:
        errors["visibility"] = [_("Unknown choice.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    creating = circle is None
    if creating:
        circle = Circle()
        db.session.add(circle)
    circle.slug = slug
    circle.name_ja = data["name_ja"].strip()
    circle.name_en = data["name_en"].strip()
    circle.visibility = visibility
    _render(circle, data.get("description") or "", data.get("rules") or "")
    db.session.flush()
    if creating:
        db.session.add(CircleMembership(circle=circle, user_id=actor.id, role=CircleRole.OWNER))
        db.session.flush()
    return circle


def join(user: User, circle: Circle, message: str = "") -> CircleMembership:
    """Open circles: member at once. Request circles: a pending request. Private: refused."""
    ensure_can_post(user)
    policy.require_see_circle(user, circle)
    existing = policy.membership(user, circle)
    if existing is not None and existing.status == MembershipStatus.BANNED:
        raise PermissionDenied(_("The moderators removed you from this circle."))
    if existing is not None:
        raise Conflict(_("You are already a member or have asked to join."))
    if circle.visibility == CircleVisibility.PRIVATE:
        raise PermissionDenied(_("This circle is by invitation only."))
    status = (
        MembershipStatus.ACTIVE
        if circle.visibility == CircleVisibility.OPEN
        else MembershipStatus.PENDING
    )
    m = CircleMembership(
        circle=circle, user_id=user.id, status=status, message=(message or "").strip()[:500]
    )
    try:
        with savepoint(db.session):
            db.session.add(m)
            db.session.flush()
    except IntegrityError as exc:  # a double click raced
        raise Conflict(_("You are already a member or have asked to join.")) from exc
    return m


def leave(user: User, circle: Circle) -> None:
    """A member leaves; the last active owner must appoint another first."""
    m = policy.membership(user, circle)
    if m is None:
        raise NotFound(_("You are not a member of this circle."))
    if m.role == CircleRole.OWNER and m.is_active:
        owners = db.session.scalar(
            select(func.count()).where(
                CircleMembership.circle_id == circle.id,
                CircleMembership.role == CircleRole.OWNER,
                CircleMembership.status == MembershipStatus.ACTIVE,
            )
        )
        if owners <= 1:
            raise ValidationFailed(_("Appoint another owner before you leave."))
    db.session.delete(m)
    db.session.flush()


def _membership_in(circle: Circle, membership_id: int) -> CircleMembership:
    m = db.session.get(CircleMembership, membership_id)
    if m is None or m.circle_id != circle.id:
        raise NotFound(_("Not found."))
    return m


def decide_request(
    actor: User, circle: Circle, membership_id: int, approve: bool
) -> CircleMembership:
    """A moderator approves or declines a pending join request."""
    policy.require_moderator(actor, circle)
    m = _membership_in(circle, membership_id)
    if m.status != MembershipStatus.PENDING:
        raise Conflict(_("This request was already decided."))
    requester = m.user_id
    if approve:
        m.status = MembershipStatus.ACTIVE
    else:
        db.session.delete(m)
    db.session.flush()
    membership_decided.send(circle, actor=actor, user_id=requester, approved=approve)
    return m


def add_member(actor: User, circle: Circle, username: str) -> CircleMembership:
    """Moderators add someone directly (the way into a private circle)."""
    policy.require_moderator(actor, circle)
    user = db.session.scalar(
        select(User).where(
            User.username == (username or "").strip().lower(), User.deleted_at.is_(None)
        )
    )
    if user is None:
        msg = _("No member has that username.")
        raise ValidationFailed.for_field("username", msg)
    m = policy.membership(user, circle)
    if m is not None and m.is_active:
        msg = _("They are already a member.")
        raise ValidationFailed.for_field("username", msg)
    if m is None:
        m = CircleMembership(circle=circle, user_id=user.id)
        db.session.add(m)
    m.status = MembershipStatus.ACTIVE
    db.session.flush()
    return m


def set_member_role(
    actor: User, circle: Circle, membership_id: int, role: CircleRole
) -> CircleMembership:
    """Owners and admins appoint moderators and owners (and take the role back)."""
    if not policy.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the circle's owners and administrators can change roles."))
    m = _membership_in(circle, membership_id)
    if not m.is_active:
        raise Conflict(_("Approve the request first."))
    if m.role == CircleRole.OWNER and role != CircleRole.OWNER:
        owners = db.session.scalar(
            select(func.count()).where(
                CircleMembership.circle_id == circle.id,
                CircleMembership.role == CircleRole.OWNER,
                CircleMembership.status == MembershipStatus.ACTIVE,
            )
        )
        if owners <= 1:
            raise ValidationFailed(_("A circle needs at least one owner."))
    m.role = role
    db.session.flush()
    return m
