"""The rules several features share: who is signed in, roles, who sees a circle, a question or
a profile (as an SQL clause for lists and as a yes/no for one object), who manages a circle.

A lower layer: it imports only models, `db` and the errors, never a feature's services, so any
feature may call it without joining an import loop. Rules one feature alone uses stay there.
Every function accepts `None` and Flask-Login's anonymous user for `user`/`viewer`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, true

from community.auth.models import Role
from community.circles.models import (
    Circle,
    CircleMembership,
    CircleRole,
    CircleVisibility,
    MembershipStatus,
)
from community.errors import NotFound, PermissionDenied
from community.extensions import db
from community.profiles.models import Profile, Visibility
from community.questions.models import Question
from community.sentinels import NOT_LOADED

# --- who -----------------------------------------------------------------------------------


def is_signed_in(user) -> bool:
    """A real account (Flask-Login's anonymous user and None are not)."""
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return is_signed_in(user) and user.role == Role.ADMIN


def require_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied(_("Only administrators may do that."))


def is_editor(user) -> bool:
    """Casebook editors; administrators edit the casebook too."""
    return is_signed_in(user) and user.role in (Role.EDITOR, Role.ADMIN)


def is_adviser(user) -> bool:
    return is_signed_in(user) and user.role == Role.ADVISER


# --- circles ---------------------------------------------------------------------------------


def member_circle_ids(user):
    """Subquery: ids of circles where the user is an active member."""
    return select(CircleMembership.circle_id).where(
        CircleMembership.user_id == user.id, CircleMembership.status == MembershipStatus.ACTIVE
    )


def visible_circles_clause(viewer) -> ColumnElement[bool]:
    """SQL condition on Circle: not private, or the viewer belongs (admins see all)."""
    if is_admin(viewer):
        return true()
    public = Circle.visibility != CircleVisibility.PRIVATE
    if not is_signed_in(viewer):
        return public
    return or_(public, Circle.id.in_(member_circle_ids(viewer)))


def visible_circle_id_clause(column, viewer) -> ColumnElement[bool]:
    """SQL condition on a `circle_id` column (NULL = the open square) for what the viewer sees."""
    if is_admin(viewer):
        return true()
    hidden = select(Circle.id).where(Circle.visibility == CircleVisibility.PRIVATE)
    if is_signed_in(viewer):
        hidden = hidden.where(Circle.id.not_in(member_circle_ids(viewer)))
    return or_(column.is_(None), column.not_in(hidden))


def membership(user, circle: Circle | None) -> CircleMembership | None:
    """The user's membership row in the circle (any status), or None."""
    if circle is None or not is_signed_in(user):
        return None
    return db.session.scalar(
        select(CircleMembership).where(
            CircleMembership.circle_id == circle.id, CircleMembership.user_id == user.id
        )
    )


def can_see_circle(viewer, circle: Circle | None, m=NOT_LOADED) -> bool:
    """The Python twin of visible_circles_clause (None = the open square). Pass `m` when the
    caller already loaded the membership (None when there is none), to save the query."""
    if circle is None or circle.visibility != CircleVisibility.PRIVATE or is_admin(viewer):
        return True
    m = membership(viewer, circle) if m is NOT_LOADED else m
    return m is not None and m.is_active


def require_see_circle(viewer, circle: Circle | None) -> None:
    if not can_see_circle(viewer, circle):
        # Not 403: a private circle's existence is itself private.
        raise NotFound(_("Not found."))


def can_moderate(viewer, circle: Circle | None, m=NOT_LOADED) -> bool:
    """Admins everywhere; owners and moderators in their own circle."""
    if is_admin(viewer):
        return True
    if circle is None or not is_signed_in(viewer):
        return False
    m = membership(viewer, circle) if m is NOT_LOADED else m
    return m is not None and m.can_moderate


def require_moderator(viewer, circle: Circle) -> None:
    if not can_moderate(viewer, circle):
        raise PermissionDenied(_("Only the circle's moderators can do that."))


def can_manage_circle(user, circle: Circle, m=NOT_LOADED) -> bool:
    """Edit the circle and appoint roles: administrators and the circle's active owners.
    Pages that already loaded the membership pass it, None included (no second query)."""
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    m = membership(user, circle) if m is NOT_LOADED else m
    return m is not None and m.is_active and m.role == CircleRole.OWNER


# --- questions -------------------------------------------------------------------------------


def visible_questions_clause(viewer) -> ColumnElement[bool]:
    """Questions a viewer may find in lists: not in hidden circles, not hidden by moderators."""
    return and_(visible_circle_id_clause(Question.circle_id, viewer), Question.hidden_at.is_(None))


def openable_questions_clause(viewer) -> ColumnElement[bool]:
    """Questions a viewer may open: the list clause, plus their own posts while hidden.

    For whatever shows a question's title outside its page (notifications, digests), so that
    a title stays out of sight once its question is moved or its circle is left."""
    shown = (
        or_(Question.hidden_at.is_(None), Question.author_id == viewer.id)
        if is_signed_in(viewer)
        else Question.hidden_at.is_(None)
    )
    return and_(visible_circle_id_clause(Question.circle_id, viewer), shown)


def openable_question_ids(viewer):
    """Subquery of the ids in openable_questions_clause (for `question_id IN (...)`)."""
    return select(Question.id).where(openable_questions_clause(viewer))


def can_see_hidden(viewer, question: Question) -> bool:
    """Hidden posts stay visible, with a banner, to their author and the circle's moderators."""
    if not is_signed_in(viewer):
        return False
    return viewer.id == question.author_id or can_moderate(viewer, question.circle)


def can_see_question(viewer, question: Question | None) -> bool:
    """May the viewer see this question: its title, a link to it (the twin of the clauses)."""
    if question is None:
        return False
    if not can_see_circle(viewer, question.circle):
        return False
    return question.hidden_at is None or can_see_hidden(viewer, question)


# --- profiles --------------------------------------------------------------------------------


def visible_profiles_clause(viewer) -> ColumnElement[bool]:
    """SQL condition on Profile: members see every profile, visitors only the public ones.
    (Deleted accounts are left out by the caller, which has the User row at hand.)"""
    if is_signed_in(viewer):
        return true()
    return Profile.visibility == Visibility.PUBLIC


def can_see_profile(viewer, user) -> bool:
    """The Python twin of visible_profiles_clause, for one account."""
    if user.is_deleted:
        return False
    if is_signed_in(viewer):
        return True
    return user.profile is not None and user.profile.visibility == Visibility.PUBLIC
