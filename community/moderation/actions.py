"""Moderator actions on an item (hide, edit, lock, warn, suspend…) and moving questions."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from community import markdown, policy
from community.auth.models import User
from community.casebook.models import CaseLink
from community.circles import services as circles
from community.circles.models import Circle
from community.db import utcnow
from community.errors import InvalidTransition, PermissionDenied, ValidationFailed
from community.extensions import db
from community.moderation.audit_log import audit
from community.moderation.models import Flag, FlagStatus, TargetType
from community.moderation.notices import tell_author
from community.moderation.people import suspend
from community.moderation.targets import (
    HELD,
    _open_flags,
    _set_hidden,
    load_target,
    require_moderation,
)
from community.questions.models import Answer, CloseReason, Comment, Question
from community.signals import flags_resolved

ACTIONS = ("dismiss", "hide", "restore", "edit", "lock", "unlock", "close", "warn", "suspend")


def resolve(
    actor: User,
    target_type: str,
    target_id: int,
    action: str,
    reason: str,
    *,
    body: str | None = None,
    suspend_days: int | None = None,
) -> str:
    """Act on an item and close its open flags, telling each flagger the outcome."""
    kind, obj, circle = load_target(actor, target_type, target_id)
    require_moderation(actor, circle, kind)
    reason = (reason or "").strip()
    if action not in ACTIONS:
        raise ValidationFailed(_("Unknown action."), {"action": [_("Unknown action.")]})
    if not reason:
        raise ValidationFailed(
            _("Give a reason; it is kept in the audit log."),
            {"reason": [_("Give a reason; it is kept in the audit log.")]},
        )
    circle_id = circle.id if circle else None
    if action in ("hide", "restore"):
        if kind == TargetType.PROFILE:
            raise InvalidTransition(_("Profiles are not hidden; suspend the account instead."))
        _set_hidden(obj, action == "hide", reason)
        audit(actor, action, kind.value, obj.id, circle_id=circle_id, reason=reason)
        tell_author(kind, obj, action, reason, actor)
    elif action == "edit":
        if kind not in (TargetType.QUESTION, TargetType.ANSWER, TargetType.COMMENT):
            raise InvalidTransition(_("This item cannot be edited."))
        edit_post(actor, kind, obj, body or "", reason, circle_id)
        tell_author(kind, obj, action, reason, actor)
    elif action in ("lock", "unlock", "close"):
        if kind != TargetType.QUESTION:
            raise InvalidTransition(_("Only questions can be locked or closed."))
        before = {
            "locked": obj.locked,
            "closed": obj.close_reason.value if obj.close_reason else None,
        }
        if action == "close":
            obj.close_reason = CloseReason.OFF_TOPIC
        else:
            obj.locked = action == "lock"
        audit(
            actor,
            action,
            kind.value,
            obj.id,
            circle_id=circle_id,
            reason=reason,
            before=before,
            after={
                "locked": obj.locked,
                "closed": obj.close_reason.value if obj.close_reason else None,
            },
        )
    elif action == "warn":
        author_id = (
            obj.id
            if kind == TargetType.PROFILE
            else getattr(obj, "author_id", getattr(obj, "created_by_id", None))
        )
        audit(actor, "warn", "user", author_id, circle_id=circle_id, reason=reason)
    elif action == "suspend":
        # Case links have a creator rather than an author.
        author_id = getattr(obj, "author_id", getattr(obj, "created_by_id", None))
        user = obj if kind == TargetType.PROFILE else db.session.get(User, author_id)
        suspend(actor, user, suspend_days or 7, reason)
    else:
        if getattr(obj, "hidden_at", None) is not None and obj.hidden_reason in ("flagged", HELD):
            # Nothing wrong after all: what the flags (or the link hold) hid comes back.
            _set_hidden(obj, False)
        audit(actor, "dismiss", kind.value, obj.id, circle_id=circle_id, reason=reason)
    status = FlagStatus.DISMISSED if action == "dismiss" else FlagStatus.RESOLVED
    flaggers = []
    for f in _open_flags(kind, obj.id):
        f.status, f.outcome, f.outcome_reason = status, action, reason[:500]
        f.resolved_by_id, f.resolved_at = actor.id, utcnow()
        flaggers.append(f.reporter_id)
    db.session.flush()
    flags_resolved.send(actor, reporter_ids=flaggers, action=action)
    return action


def edit_post(
    actor: User, kind: TargetType, obj, body: str, reason: str, circle_id: int | None
) -> None:
    """A moderator edits out what must go (a resident's name, say) and the post shows again.

    The edit is a redaction: the original text is kept nowhere a person can read it. The audit
    entry holds the corrected text only, and the post's earlier versions in its history are
    replaced by a note (a history page would otherwise show the name that was edited out)."""
    from community.questions.models import Revision

    body = (body or "").strip()
    if len(body) < 2:
        raise ValidationFailed(
            _("Write the corrected text."), {"body": [_("Write the corrected text.")]}
        )
    was_hidden = obj.hidden_at is not None
    if kind == TargetType.COMMENT:
        obj.body = body[:600]
    else:
        obj.body_md, obj.body_html, obj.renderer = (
            body,
            markdown.render(body),
            markdown.RENDERER_VERSION,
        )
        obj.edited_at = utcnow()
        column = Revision.question_id if kind == TargetType.QUESTION else Revision.answer_id
        db.session.execute(
            update(Revision)
            .where(column == obj.id)
            .values(
                body_md=_("(This version was removed by a moderator: %(reason)s)", reason=reason)
            )
        )
        db.session.add(
            Revision(
                question_id=obj.id if kind == TargetType.QUESTION else None,
                answer_id=obj.id if kind == TargetType.ANSWER else None,
                editor_id=actor.id,
                title=getattr(obj, "title", None),
                body_md=body,
            )
        )
    if was_hidden:
        _set_hidden(obj, False)
    audit(
        actor,
        "edit",
        kind.value,
        obj.id,
        circle_id=circle_id,
        reason=reason,
        before={"hidden": was_hidden},
        after={"body": body, "hidden": False},
    )


def set_hidden(actor: User, target_type: str, target_id: int, hidden: bool, reason: str) -> None:
    """Hide or restore directly (from the post itself, without a flag)."""
    resolve(actor, target_type, target_id, "hide" if hidden else "restore", reason)


def move_question(actor: User, question: Question, target_slug: str, reason: str) -> None:
    """Move a question to another circle (by slug; empty for the open square): moderator of
    where it is and of where it goes.

    A circle that does not exist and a private one the actor cannot see answer the same
    NotFound, and only once the actor is known to moderate the question: neither the status
    nor the message may tell whether a private circle exists."""
    require_moderation(actor, question.circle, TargetType.QUESTION)
    target: Circle | None = circles.get_visible(actor, target_slug) if target_slug else None
    if target is not None and not policy.can_moderate(actor, target):
        raise PermissionDenied(_("You can only move questions into circles you moderate."))
    before = {"circle_id": question.circle_id}
    question.circle_id = target.id if target else None
    # Flags on the question, its answers and its comments follow it to the new circle's queue.
    answer_ids = select(Answer.id).where(Answer.question_id == question.id)
    comment_ids = select(Comment.id).where(Comment.thread_id == question.id)
    link_ids = select(CaseLink.id).where(CaseLink.question_id == question.id)
    for f in db.session.scalars(
        select(Flag).where(
            ((Flag.target_type == TargetType.QUESTION) & (Flag.target_id == question.id))
            | ((Flag.target_type == TargetType.ANSWER) & Flag.target_id.in_(answer_ids))
            | ((Flag.target_type == TargetType.COMMENT) & Flag.target_id.in_(comment_ids))
            | ((Flag.target_type == TargetType.CASE_LINK) & Flag.target_id.in_(link_ids))
        )
    ):
        f.circle_id = question.circle_id
    audit(
        actor,
        "move",
        "question",
        question.id,
        circle_id=before["circle_id"],
        reason=reason,
        before=before,
        after={"circle_id": question.circle_id},
    )
    db.session.flush()
