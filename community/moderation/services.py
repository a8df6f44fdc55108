"""Moderation rules: flags, the review queue, actions on posts and people, and the audit log."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from community import markdown
from community.auth.models import Role, User
from community.casebook.models import CaseLink
from community.circles import services as circles
from community.circles.models import Circle, CircleMembership, MembershipStatus
from community.db import utcnow
from community.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.moderation.models import AuditEntry, Flag, FlagReason, FlagStatus, TargetType
from community.questions.models import Answer, CloseReason, Comment, Question

LINK_RE = re.compile(r"(?:https?://|www\.)\S+")
HELD = "held"  # hidden_reason of a post held for review before anyone sees it

MODELS = {
    TargetType.QUESTION: Question,
    TargetType.ANSWER: Answer,
    TargetType.COMMENT: Comment,
    TargetType.CASE_LINK: CaseLink,
}


# --- audit log --------------------------------------------------------------------------------


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


# --- trust ------------------------------------------------------------------------------------


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


# --- targets ----------------------------------------------------------------------------------


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
    circles.require_view(viewer, circle)
    return kind, obj, circle


def can_moderate_target(user, circle: Circle | None, kind: TargetType) -> bool:
    """Admins everywhere; circle moderators for posts in their circles (not profiles)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    return kind != TargetType.PROFILE and circle is not None and circles.can_moderate(user, circle)


def require_moderation(user, circle: Circle | None, kind: TargetType) -> None:
    if not can_moderate_target(user, circle, kind):
        raise PermissionDenied(_("Only this circle's moderators or an administrator can do that."))


# --- flags ------------------------------------------------------------------------------------


def flag(reporter: User, target_type: str, target_id: int, reason: str, text: str = "") -> Flag:
    """One flag per member per item; enough flags, or a 個人情報 flag by verified staff, hide it."""
    if not getattr(reporter, "is_authenticated", False) or not reporter.is_confirmed:
        raise PermissionDenied(_("Confirm your email address before flagging."))
    kind, obj, circle = load_target(reporter, target_type, target_id)
    try:
        reason_enum = FlagReason(reason)
    except ValueError as exc:
        raise ValidationFailed(_("Choose a reason."), {"reason": [_("Choose a reason.")]}) from exc
    text = (text or "").strip()
    if reason_enum == FlagReason.OTHER and not text:
        raise ValidationFailed(
            _("Tell the moderators what is wrong."),
            {"text": [_("Tell the moderators what is wrong.")]},
        )
    if (
        kind != TargetType.PROFILE
        and getattr(obj, "author_id", getattr(obj, "created_by_id", None)) == reporter.id
    ):
        raise InvalidTransition(_("You cannot flag your own post; edit or delete it instead."))
    row = Flag(
        target_type=kind,
        target_id=obj.id,
        circle_id=circle.id if circle else None,
        reporter_id=reporter.id,
        reason=reason_enum,
        text=text[:500],
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("You already flagged this.")) from exc
    if kind != TargetType.PROFILE and getattr(obj, "hidden_at", None) is None:
        immediate = reason_enum == FlagReason.PERSONAL_INFO and reporter.verified_staff
        if (
            immediate
            or _trusted_flag_count(kind, obj.id) >= current_app.config["FLAG_HIDE_THRESHOLD"]
        ):
            _set_hidden(obj, True, "flagged")
            audit(
                None,
                "auto_hide",
                kind.value,
                obj.id,
                circle_id=row.circle_id,
                # Audit reasons are data, not interface text: stored untranslated.
                reason="personal information flagged by verified staff"
                if immediate
                else "flagged by several members",
            )
    return row


def _trusted_flag_count(kind: TargetType, target_id: int) -> int:
    flaggers = db.session.scalars(
        select(User)
        .join(Flag, Flag.reporter_id == User.id)
        .where(
            Flag.target_type == kind, Flag.target_id == target_id, Flag.status == FlagStatus.OPEN
        )
    )
    return sum(1 for u in flaggers if trust_level(u) >= 1)


def hold_if_needed(author: User, post, body: str, circle_id: int | None) -> None:
    """A new member's post with a link waits for a moderator (spam defence at trust level 0)."""
    base = current_app.config["BASE_URL"]
    # Our own pages (base URL followed by a path) are not outside links; look-alike hosts are.
    external = [
        u for u in LINK_RE.findall(body or "") if not (u == base or u.startswith(base + "/"))
    ]
    if external and trust_level(author) == 0:
        _set_hidden(post, True, HELD)
        kind = TargetType.QUESTION if isinstance(post, Question) else TargetType.ANSWER
        audit(
            None, "hold", kind.value, post.id, circle_id=circle_id, reason="link from a new member"
        )


def _set_hidden(obj, hidden: bool, reason: str = "") -> None:
    obj.hidden_at = utcnow() if hidden else None
    if hasattr(obj, "hidden_reason"):
        obj.hidden_reason = reason if hidden else ""
    db.session.flush()


# --- the queue --------------------------------------------------------------------------------


@dataclass
class QueueItem:
    kind: TargetType
    target_id: int
    circle_id: int | None
    flags: list[Flag] = field(default_factory=list)
    target: object | None = None
    held: bool = False

    @property
    def reasons(self) -> list[str]:
        return sorted({f.reason.value for f in self.flags})

    @property
    def claimed_by(self):
        return next((f.claimed_by for f in self.flags if f.claimed_by_id), None)


def moderated_circle_ids(user: User):
    return select(CircleMembership.circle_id).where(
        CircleMembership.user_id == user.id,
        CircleMembership.status == MembershipStatus.ACTIVE,
        CircleMembership.role.in_(("owner", "moderator")),
    )


def queue(viewer: User) -> list[QueueItem]:
    """Open flags grouped by item; admins see all, moderators their circles (fixed queries)."""
    from sqlalchemy.orm import joinedload

    stmt = (
        select(Flag)
        .where(Flag.status == FlagStatus.OPEN)
        .options(joinedload(Flag.reporter), joinedload(Flag.claimed_by))
        .order_by(Flag.created_at)
    )
    if viewer.role != Role.ADMIN:
        stmt = stmt.where(
            Flag.circle_id.in_(moderated_circle_ids(viewer)), Flag.target_type != TargetType.PROFILE
        )
    items: dict[tuple, QueueItem] = {}
    for f in db.session.scalars(stmt):
        key = (f.target_type, f.target_id)
        items.setdefault(key, QueueItem(f.target_type, f.target_id, f.circle_id)).flags.append(f)
    # Posts held for review (links from new members) wait here too, with no flag yet.
    for kind, model in ((TargetType.QUESTION, Question), (TargetType.ANSWER, Answer)):
        held = select(model).where(model.hidden_reason == HELD)
        if viewer.role != Role.ADMIN:
            circle_col = Question.circle_id
            if model is Answer:
                held = held.join(Question, Question.id == Answer.question_id)
            held = held.where(circle_col.in_(moderated_circle_ids(viewer)))
        for obj in db.session.scalars(held):
            item = items.setdefault((kind, obj.id), QueueItem(kind, obj.id, None))
            item.held = True
    ids = defaultdict(list)
    for kind, target_id in items:
        ids[kind].append(target_id)
    for kind, id_list in ids.items():
        model = User if kind == TargetType.PROFILE else MODELS[kind]
        for obj in db.session.scalars(select(model).where(model.id.in_(id_list))):
            items[(kind, obj.id)].target = obj
    # Personal information first: it is the reason people stop posting.
    return sorted(
        items.values(),
        key=lambda i: (
            FlagReason.PERSONAL_INFO.value not in i.reasons,
            i.flags[0].created_at if i.flags else utcnow(),
        ),
    )


def claim(actor: User, target_type: str, target_id: int) -> None:
    kind, obj, circle = load_target(actor, target_type, target_id)
    require_moderation(actor, circle, kind)
    flags = _open_flags(kind, obj.id)
    if not flags and getattr(obj, "hidden_reason", "") != HELD:
        raise InvalidTransition(_("Nothing to review here."))
    for f in flags:
        f.claimed_by_id = actor.id
    audit(actor, "claim", kind.value, obj.id, circle_id=circle.id if circle else None)


def _open_flags(kind: TargetType, target_id: int) -> list[Flag]:
    return list(
        db.session.scalars(
            select(Flag).where(
                Flag.target_type == kind,
                Flag.target_id == target_id,
                Flag.status == FlagStatus.OPEN,
            )
        )
    )


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
    elif action == "edit":
        if kind not in (TargetType.QUESTION, TargetType.ANSWER, TargetType.COMMENT):
            raise InvalidTransition(_("This item cannot be edited."))
        edit_post(actor, kind, obj, body or "", reason, circle_id)
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
    from community.notifications import services as notes
    from community.notifications.models import Kind

    notes.notify(
        flaggers,
        Kind.MODERATION,
        actor=actor,
        text=_("The moderators reviewed what you flagged."),
        url="/moderation/my-flags",
    )
    return action


def edit_post(
    actor: User, kind: TargetType, obj, body: str, reason: str, circle_id: int | None
) -> None:
    """A moderator edits out what must go (a resident's name, say); the edit is a revision."""
    from community.questions.models import Revision

    body = (body or "").strip()
    if len(body) < 2:
        raise ValidationFailed(
            _("Write the corrected text."), {"body": [_("Write the corrected text.")]}
        )
    if kind == TargetType.COMMENT:
        before = {"body": obj.body}
        obj.body = body[:600]
    else:
        before = {"body": obj.body_md}
        obj.body_md, obj.body_html, obj.renderer = (
            body,
            markdown.render(body),
            markdown.RENDERER_VERSION,
        )
        obj.edited_at = utcnow()
        db.session.add(
            Revision(
                question_id=obj.id if kind == TargetType.QUESTION else None,
                answer_id=obj.id if kind == TargetType.ANSWER else None,
                editor_id=actor.id,
                title=getattr(obj, "title", None),
                body_md=body,
            )
        )
    audit(
        actor,
        "edit",
        kind.value,
        obj.id,
        circle_id=circle_id,
        reason=reason,
        before=before,
        after={"body": body},
    )


def set_hidden(actor: User, target_type: str, target_id: int, hidden: bool, reason: str) -> None:
    """Hide or restore directly (from the post itself, without a flag)."""
    resolve(actor, target_type, target_id, "hide" if hidden else "restore", reason)


# --- people -----------------------------------------------------------------------------------


def suspend(actor: User, user: User, days: int, reason: str) -> None:
    """Admins suspend an account: it can read but not post anywhere until the end date."""
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may do that."))
    if user is None or user.is_deleted:
        raise NotFound(_("Not found."))
    if user.id == actor.id:
        raise InvalidTransition(_("You cannot suspend yourself."))
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise ValidationFailed(
            _("Enter a number from %(low)d to %(high)d.", low=1, high=3650),
            {"days": [_("Enter a number from %(low)d to %(high)d.", low=1, high=3650)]},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; it is kept in the audit log."),
            {"reason": [_("Give a reason; it is kept in the audit log.")]},
        )
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


def lift_suspension(actor: User, user: User, reason: str = "") -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may do that."))
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


def remove_from_circle(
    actor: User, circle: Circle, membership_id: int, ban: bool, reason: str
) -> None:
    """Moderators remove a member, or ban them (they cannot rejoin or post there)."""
    circles.require_moderator(actor, circle)
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


def move_question(actor: User, question: Question, target: Circle | None, reason: str) -> None:
    """Move a question to another circle: moderator of where it is and of where it goes."""
    require_moderation(actor, question.circle, TargetType.QUESTION)
    if target is not None and not circles.can_moderate(actor, target):
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


def my_flags(user: User) -> list[Flag]:
    return list(
        db.session.scalars(
            select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.created_at.desc())
        )
    )


def audit_query(filters: dict):
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
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
    from community.office_hours.slots import TOKYO

    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO) if value else None
    except ValueError:
        return None
