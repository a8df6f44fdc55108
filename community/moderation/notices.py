"""Who hears about moderation: moderators of new flags and held posts, authors of what was done
to their posts; and the open-queue count in the header.

Imports only the models and lower layers, so flags, actions and the queue can all use it."""

from __future__ import annotations

from flask_babel import pgettext
from sqlalchemy import func, literal, select, union

from community import signals
from community.auth.models import Role, User
from community.circles.models import Circle, CircleMembership, MembershipStatus
from community.extensions import db
from community.moderation.models import Flag, FlagStatus, TargetType
from community.questions.models import Answer, Question
from community.request_memo import per_request

HELD = "held"  # the same marker as targets.HELD (targets imports this module's neighbours)


def kind_labels() -> dict[str, str]:
    return {
        "question": pgettext("moderation", "Question"),
        "answer": pgettext("moderation", "Answer"),
        "comment": pgettext("moderation", "Comment"),
        "case_link": pgettext("moderation", "Case link"),
        "profile": pgettext("moderation", "Profile"),
        "user": pgettext("moderation", "Member"),
    }


def kind_label(kind) -> str:
    """回答, 質問 …: what an item is, in the reader's language."""
    value = getattr(kind, "value", kind)
    return kind_labels().get(value, value)


def moderator_ids(circle: Circle | None) -> list[int]:
    """Admins, and the circle's owners and moderators: everyone who reviews this circle's items."""
    stmt = select(User.id).where(User.role == Role.ADMIN, User.deleted_at.is_(None))
    if circle is not None:
        stmt = stmt.union(
            select(CircleMembership.user_id).where(
                CircleMembership.circle_id == circle.id,
                CircleMembership.status == MembershipStatus.ACTIVE,
                CircleMembership.role.in_(("owner", "moderator")),
            )
        )
    return list(db.session.scalars(stmt))


def item_title(kind, obj) -> str:
    """The words a moderator recognises an item by: the question's title, or a member's name."""
    value = getattr(kind, "value", kind)
    if value == "question":
        return obj.title
    if value == "answer":
        return obj.question.title
    if value in ("comment", "case_link"):
        q = db.session.get(Question, obj.thread_id if value == "comment" else obj.question_id)
        return q.title if q else ""
    return getattr(obj, "display_name", "")


def tell_moderators(kind: TargetType, obj, circle: Circle | None, *, reason=None, reporter=None):
    """A new flag (`reason` given) or a held post (no reason) waits for review.

    Announced as `review_requested`; notifications tells each moderator (community/signals.py)."""
    signals.review_requested.send(obj, kind=kind, circle=circle, reason=reason, reporter=reporter)


def tell_author(kind: TargetType, obj, action: str, reason: str, actor) -> None:
    """Announce what was done to a post, so that its author learns it and why (nothing vanishes
    unsaid): `post_hidden` (by a moderator, or `automatic` by members' flags), `post_restored`,
    `post_redacted`. Notifications subscribes."""
    if action in ("hide", "auto_hide"):
        signals.post_hidden.send(
            obj, kind=kind, actor=actor, reason=reason, automatic=action == "auto_hide"
        )
    elif action == "restore":
        signals.post_restored.send(obj, kind=kind, actor=actor, reason=reason)
    elif action == "edit":
        signals.post_redacted.send(obj, kind=kind, actor=actor, reason=reason)


def open_count(viewer) -> int:
    """Items waiting in the viewer's queue (flagged or held), in one query, once per request."""
    cached = per_request("open_count")
    if cached is not None:
        return cached
    from community.moderation.review_queue import moderated_circle_ids

    admin = viewer.role == Role.ADMIN
    flags = select(Flag.target_type.label("t"), Flag.target_id.label("i")).where(
        Flag.status == FlagStatus.OPEN
    )
    held_q = select(literal("question").label("t"), Question.id.label("i")).where(
        Question.hidden_at.is_not(None), Question.hidden_reason == HELD
    )
    held_a = (
        select(literal("answer").label("t"), Answer.id.label("i"))
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.hidden_at.is_not(None), Answer.hidden_reason == HELD)
    )
    if not admin:
        mine = moderated_circle_ids(viewer)
        flags = flags.where(Flag.circle_id.in_(mine), Flag.target_type != TargetType.PROFILE)
        held_q = held_q.where(Question.circle_id.in_(mine))
        held_a = held_a.where(Question.circle_id.in_(mine))
    items = union(flags, held_q, held_a).subquery()
    count = db.session.scalar(select(func.count()).select_from(items)) or 0
    return per_request("open_count", count)
