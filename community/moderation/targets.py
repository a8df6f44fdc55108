"""What moderation acts on: loading a flagged item, who may moderate it, hiding it.

Shared by the flag, queue and action modules, so it imports none of them.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from community import policy
from community.auth.models import User
from community.casebook.models import CaseLink
from community.circles.models import Circle
from community.db import utcnow
from community.errors import NotFound, PermissionDenied
from community.extensions import db
from community.moderation.models import Flag, FlagStatus, TargetType
from community.questions.common import answer_shown
from community.questions.models import Answer, Comment, Question

HELD = "held"  # hidden_reason of a post held for review before anyone sees it

MODELS = {
    TargetType.QUESTION: Question,
    TargetType.ANSWER: Answer,
    TargetType.COMMENT: Comment,
    TargetType.CASE_LINK: CaseLink,
}


def _circle_of(target_type: TargetType, obj) -> Circle | None:
    if target_type == TargetType.QUESTION:
        return obj.circle
    if target_type == TargetType.ANSWER:
        return obj.question.circle
    if target_type == TargetType.COMMENT:
        return db.session.get(Question, obj.thread_id).circle
    if target_type == TargetType.CASE_LINK:
        return db.session.get(Question, obj.question_id).circle
    return None


def load_target(viewer, target_type: str, target_id: int):
    """The flagged object and its circle; NotFound when missing or hidden from the viewer."""
    try:
        kind = TargetType(target_type)
    except ValueError as exc:
        raise NotFound(_("Not found.")) from exc
    if kind == TargetType.PROFILE:
        user = db.session.get(User, target_id)
        if user is None or user.is_deleted:
            raise NotFound(_("Not found."))
        return kind, user, None
    obj = db.session.get(MODELS[kind], target_id)
    if obj is None:
        raise NotFound(_("Not found."))
    circle = _circle_of(kind, obj)
    policy.require_see_circle(viewer, circle)
    return kind, obj, circle


def excerpt(obj, width: int = 200) -> str:
    """A line of what is being flagged, for the flag form (plain text, shortened)."""
    if isinstance(obj, User):
        return obj.display_name or obj.username
    if isinstance(obj, Question):
        return obj.title
    text = getattr(obj, "body_md", None) or getattr(obj, "body", None) or getattr(obj, "note", "")
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def can_moderate_target(user, circle: Circle | None, kind: TargetType) -> bool:
    """Admins everywhere; circle moderators for posts in their circles (not profiles)."""
    if policy.is_admin(user):
        return True
    return kind != TargetType.PROFILE and circle is not None and policy.can_moderate(user, circle)


def require_moderation(user, circle: Circle | None, kind: TargetType) -> None:
    """Only those who may moderate this kind of item in this circle (can_moderate_target)."""
    if not can_moderate_target(user, circle, kind):
        raise PermissionDenied(_("Only this circle's moderators or an administrator can do that."))


def mark_hidden(obj, hidden: bool, reason: str = "") -> None:
    """Hide or show a post (`reason`: why, for held posts HELD); a hidden answer stops
    counting as an answer. Neither audits nor tells anyone: the callers do."""
    was_hidden = obj.hidden_at is not None
    obj.hidden_at = utcnow() if hidden else None
    if isinstance(obj, Answer) and was_hidden != hidden:
        # Hidden and held answers do not count as answers (question lists, 回答あり, unanswered).
        answer_shown(obj.question_id, -1 if hidden else 1)
    if hasattr(obj, "hidden_reason"):
        obj.hidden_reason = reason if hidden else ""
    db.session.flush()


def open_flags(kind: TargetType, target_id: int) -> list[Flag]:
    """The flags on one item that no moderator has resolved yet."""
    return list(
        db.session.scalars(
            select(Flag).where(
                Flag.target_type == kind,
                Flag.target_id == target_id,
                Flag.status == FlagStatus.OPEN,
            )
        )
    )
