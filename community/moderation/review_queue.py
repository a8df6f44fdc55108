"""The review queue: open flags and held posts grouped by item, and claiming an item."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from community.auth.models import Role, User
from community.circles.models import CircleMembership, MembershipStatus
from community.db import utcnow
from community.errors import InvalidTransition
from community.extensions import db
from community.moderation.audit_log import audit
from community.moderation.models import Flag, FlagReason, FlagStatus, TargetType
from community.moderation.targets import HELD, MODELS, load_target, open_flags, require_moderation
from community.questions.models import Answer, Question
from community.request_memo import per_request


@dataclass
class QueueItem:
    kind: TargetType
    target_id: int
    circle_id: int | None
    flags: list[Flag] = field(default_factory=list)
    target: object | None = None
    held: bool = False
    title: str = ""  # the question's title (or the member's name) the item belongs to
    excerpt: str = ""  # the flagged text itself, shortened

    @property
    def reasons(self) -> list[str]:
        return sorted({f.reason.value for f in self.flags})

    @property
    def claimed_by(self):
        return next((f.claimed_by for f in self.flags if f.claimed_by_id), None)


def moderated_circle_ids(user: User):
    """The ids of the circles the user owns or moderates, as a subquery."""
    return select(CircleMembership.circle_id).where(
        CircleMembership.user_id == user.id,
        CircleMembership.status == MembershipStatus.ACTIVE,
        CircleMembership.role.in_(("owner", "moderator")),
    )


def moderates_any_column(user: User):
    """Whether the user owns or moderates any circle, as an EXISTS."""
    return moderated_circle_ids(user).exists()


def remember_is_moderator(user: User, moderates_any: bool) -> None:
    """The header's "is a moderator" for the rest of this request, read by the caller's own
    statement (`moderates_any_column`)."""
    per_request("is_moderator", user.is_admin or moderates_any)


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
    question_ids: dict[tuple, int] = {}
    for kind, id_list in ids.items():
        model = User if kind == TargetType.PROFILE else MODELS[kind]
        for obj in db.session.scalars(select(model).where(model.id.in_(id_list))):
            item = items[(kind, obj.id)]
            item.target = obj
            if kind == TargetType.PROFILE:
                item.title = obj.display_name
            elif kind == TargetType.QUESTION:
                item.title, item.excerpt = obj.title, obj.body_md
            else:
                text = {TargetType.CASE_LINK: "note", TargetType.COMMENT: "body"}
                item.excerpt = getattr(obj, text.get(kind, "body_md")) or ""
                question_ids[(kind, obj.id)] = (
                    obj.thread_id if kind == TargetType.COMMENT else obj.question_id
                )
    # The titles of the questions that answers, comments and links belong to: one query.
    if question_ids:
        titles = dict(
            db.session.execute(
                select(Question.id, Question.title).where(
                    Question.id.in_(set(question_ids.values()))
                )
            ).all()
        )
        for key, qid in question_ids.items():
            items[key].title = titles.get(qid, "")
    # Personal information first: it is the reason people stop posting.
    return sorted(
        items.values(),
        key=lambda i: (
            FlagReason.PERSONAL_INFO.value not in i.reasons,
            i.flags[0].created_at if i.flags else utcnow(),
        ),
    )


def claim(actor: User, target_type: str, target_id: int) -> None:
    """A moderator takes an item in the queue (its open flags, or a held post); audited."""
    kind, obj, circle = load_target(actor, target_type, target_id)
    require_moderation(actor, circle, kind)
    flags = open_flags(kind, obj.id)
    if not flags and getattr(obj, "hidden_reason", "") != HELD:
        raise InvalidTransition(_("Nothing to review here."))
    for f in flags:
        f.claimed_by_id = actor.id
    audit(actor, "claim", kind.value, obj.id, circle_id=circle.id if circle else None)
