"""Moderator actions on an item (hide, edit, lock, warn, suspend…) and moving questions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    load_target,
    mark_hidden,
    open_flags,
    require_moderation,
)
from community.questions.models import Answer, CloseReason, Comment, Question, Revision
from community.signals import flags_resolved


@dataclass(frozen=True)
class Act:
    """One moderator's decision on one item, as each action step receives it."""

    actor: User
    action: str
    kind: TargetType
    obj: object
    circle_id: int | None
    reason: str
    body: str | None
    suspend_days: int | None

    def record(self, **changes) -> None:
        """The audit entry for this action on this item (`before`/`after` as changes)."""
        audit(
            self.actor,
            self.action,
            self.kind.value,
            self.obj.id,
            circle_id=self.circle_id,
            reason=self.reason,
            **changes,
        )


def _hide_or_restore(act: Act) -> None:
    if act.kind == TargetType.PROFILE:
        raise InvalidTransition(_("Profiles are not hidden; suspend the account instead."))
    mark_hidden(act.obj, act.action == "hide", act.reason)
    act.record()
    tell_author(act.kind, act.obj, act.action, act.reason, act.actor)


def _edit(act: Act) -> None:
    if act.kind not in (TargetType.QUESTION, TargetType.ANSWER, TargetType.COMMENT):
        raise InvalidTransition(_("This item cannot be edited."))
    edit_post(act.actor, act.kind, act.obj, act.body or "", act.reason, act.circle_id)
    tell_author(act.kind, act.obj, act.action, act.reason, act.actor)


def _question_state(question: Question) -> dict:
    return {
        "locked": question.locked,
        "closed": question.close_reason.value if question.close_reason else None,
    }


def _lock_or_close(act: Act) -> None:
    if act.kind != TargetType.QUESTION:
        raise InvalidTransition(_("Only questions can be locked or closed."))
    before = _question_state(act.obj)
    if act.action == "close":
        act.obj.close_reason = CloseReason.OFF_TOPIC
    else:
        act.obj.locked = act.action == "lock"
    act.record(before=before, after=_question_state(act.obj))


def _author_id(act: Act) -> int | None:
    """The person behind the item: the profile's own account, a post's author, a case link's
    creator."""
    if act.kind == TargetType.PROFILE:
        return act.obj.id
    return getattr(act.obj, "author_id", getattr(act.obj, "created_by_id", None))


def _warn(act: Act) -> None:
    audit(act.actor, "warn", "user", _author_id(act), circle_id=act.circle_id, reason=act.reason)


def _suspend(act: Act) -> None:
    user = act.obj if act.kind == TargetType.PROFILE else db.session.get(User, _author_id(act))
    suspend(act.actor, user, act.suspend_days or 7, act.reason)


def _dismiss(act: Act) -> None:
    obj = act.obj
    if getattr(obj, "hidden_at", None) is not None and obj.hidden_reason in ("flagged", HELD):
        # Nothing wrong after all: what the flags (or the link hold) hid comes back.
        mark_hidden(obj, False)
    act.record()


# What each action does to the item; every action then closes the item's open flags.
STEPS: dict[str, Callable[[Act], None]] = {
    "dismiss": _dismiss,
    "hide": _hide_or_restore,
    "restore": _hide_or_restore,
    "edit": _edit,
    "lock": _lock_or_close,
    "unlock": _lock_or_close,
    "close": _lock_or_close,
    "warn": _warn,
    "suspend": _suspend,
}
ACTIONS = tuple(STEPS)


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
    """Act on an item (one of ACTIONS) and close its open flags, telling each flagger the
    outcome. Moderators of the item's circle and administrators only; a reason is required."""
    kind, obj, circle = load_target(actor, target_type, target_id)
    require_moderation(actor, circle, kind)
    reason = (reason or "").strip()
    if action not in STEPS:
        raise ValidationFailed.for_field("action", _("Unknown action."))
    if not reason:
        raise ValidationFailed.for_field("reason", _("Give a reason; it is kept in the audit log."))
    circle_id = circle.id if circle else None
    STEPS[action](Act(actor, action, kind, obj, circle_id, reason, body, suspend_days))
    _close_flags(actor, kind, obj.id, action, reason)
    return action


def _close_flags(actor: User, kind: TargetType, target_id: int, action: str, reason: str) -> None:
    status = FlagStatus.DISMISSED if action == "dismiss" else FlagStatus.RESOLVED
    flaggers = []
    for f in open_flags(kind, target_id):
        f.status, f.outcome, f.outcome_reason = status, action, reason[:500]
        f.resolved_by_id, f.resolved_at = actor.id, utcnow()
        flaggers.append(f.reporter_id)
    db.session.flush()
    flags_resolved.send(actor, reporter_ids=flaggers, action=action)


def edit_post(
    actor: User, kind: TargetType, obj, body: str, reason: str, circle_id: int | None
) -> None:
    """A moderator edits out what must go (a resident's name, say) and the post shows again.

    The edit is a redaction: the original text is kept nowhere a person can read it. The audit
    entry holds the corrected text only, and the post's earlier versions in its history are
    replaced by a note (a history page would otherwise show the name that was edited out)."""

    body = (body or "").strip()
    if len(body) < 2:
        raise ValidationFailed.for_field("body", _("Write the corrected text."))
    was_hidden = obj.hidden_at is not None
    if kind == TargetType.COMMENT:
        obj.body = body[:600]
    else:
        markdown.store(obj, "body", body)
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
        mark_hidden(obj, False)
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
