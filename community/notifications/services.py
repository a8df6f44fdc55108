"""Who is told what: in-app notifications, mail now or in a daily digest."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import joinedload

from community import mail, policy
from community.auth.models import User
from community.auth.services import absolute_url
from community.db import utcnow
from community.errors import NotFound
from community.extensions import db
from community.notifications import live
from community.notifications.models import Kind, MailPreference, Notification, NotificationSetting
from community.questions.models import Question
from community.request_memo import per_request
from community.text import like_prefix
from community.urls import base_url

MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9_]{3,30})\b")
# Mail defaults: what needs a reply soon goes out at once, the rest in the daily digest.
DEFAULT_MAIL = {
    Kind.ANSWER: MailPreference.IMMEDIATELY,
    Kind.ACCEPTED: MailPreference.IMMEDIATELY,
    Kind.MENTION: MailPreference.IMMEDIATELY,
    Kind.INVITE: MailPreference.IMMEDIATELY,
    # Booking mail is the parties' record of a time and a link (Cal.com always sends it); it is
    # written by office_hours.notices in its own words, and "never" there is honoured.
    Kind.BOOKING: MailPreference.IMMEDIATELY,
    Kind.JOIN_DECISION: MailPreference.IMMEDIATELY,
    Kind.MODERATION: MailPreference.DIGEST,
    Kind.COMMENT: MailPreference.DIGEST,
    Kind.CIRCLE_QUESTION: MailPreference.DIGEST,
    Kind.CASE_SUGGESTION: MailPreference.DIGEST,
}


def mentioned_usernames(text: str) -> list[str]:
    """The usernames `text` mentions (`@name`), lower-cased, each once, in order."""
    return list(dict.fromkeys(MENTION_RE.findall((text or "").lower())))


def mention_candidates(prefix: str, limit: int = 8) -> list[tuple[str, str]]:
    """(username, display name) of accounts with a profile whose username starts with `prefix`,
    for @mention autocomplete; none unless the prefix could start a username."""
    prefix = (prefix or "").strip().lower()[:30]
    if not prefix.replace("_", "").isalnum():
        return []
    rows = db.session.execute(
        select(User.username, User.display_name)
        .where(
            User.username.like(like_prefix(prefix), escape="\\"),
            User.deleted_at.is_(None),
            User.profile.has(),
        )
        .order_by(User.username)
        .limit(limit)
    )
    return [(username, name) for username, name in rows]


def _may_see(user: User, question) -> bool:
    """Never tell someone about content they may not see (private circles, hidden posts)."""
    if question is None:
        return True
    return question.hidden_at is None and policy.can_see_circle(user, question.circle)


def _still_visible(stmt, user):
    """`stmt` on Notification without what the user may no longer open (they left its private
    circle, it moved into one, it was hidden): the stored text holds the question's title.

    An outer join, so each notification costs one primary-key lookup of its question."""
    return stmt.outerjoin(Question, Question.id == Notification.question_id).where(
        or_(Notification.question_id.is_(None), policy.openable_questions_clause(user))
    )


def notify(
    user_ids: Iterable[int],
    kind: Kind,
    *,
    actor=None,
    question=None,
    text: str,
    url: str,
    send_mail: bool = True,
) -> list[Notification]:
    """Create notifications (not for the actor, deleted accounts or people who cannot see it).

    `send_mail=False`: the caller mails in its own words (bookings) and sets `mailed_at`."""
    ids = {i for i in user_ids if i and i != getattr(actor, "id", None)}
    if not ids:
        return []
    users = list(
        db.session.scalars(select(User).where(User.id.in_(ids), User.deleted_at.is_(None)))
    )
    prefs = preferences_for([u.id for u in users])
    made = []
    for user in users:
        if not _may_see(user, question):
            continue
        n = Notification(
            user_id=user.id,
            kind=kind,
            actor_id=getattr(actor, "id", None),
            question_id=getattr(question, "id", None),
            text=text[:300],
            url=url[:300],
        )
        db.session.add(n)
        made.append(n)
        if send_mail and prefs[user.id].get(kind, DEFAULT_MAIL[kind]) == MailPreference.IMMEDIATELY:
            n.mailed_at = utcnow()
            mail.queue(
                user.email,
                text[:120],
                "notification",
                user=user,
                text=text,
                url=absolute_url("notifications.index"),
                target=url,
                base_url=base_url(),
            )
    db.session.flush()
    for user_id in {n.user_id for n in made}:
        push_count(user_id)
    return made


def preferences_for(user_ids: list[int]) -> dict[int, dict[Kind, MailPreference]]:
    """user id → {kind: mail preference} for the kinds each person changed (one query);
    a kind missing from the inner dict follows DEFAULT_MAIL."""
    out: dict[int, dict] = defaultdict(dict)
    if user_ids:
        for s in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id.in_(user_ids))
        ):
            out[s.user_id][s.kind] = s.mail
    return out


def set_preference(user: User, kind: Kind, value: MailPreference) -> None:
    """Record how the user wants mail about one kind of notification."""
    row = db.session.scalar(
        select(NotificationSetting).where(
            NotificationSetting.user_id == user.id, NotificationSetting.kind == kind
        )
    )
    if row is None:
        db.session.add(NotificationSetting(user_id=user.id, kind=kind, mail=value))
    else:
        row.mail = value
    db.session.flush()


def unread_count(user) -> int:
    """Unread notifications the user may still see (the count in the header); a page that
    counted them in its own statement (`unread_count_column`) hands the count over."""
    if not policy.is_signed_in(user):
        return 0
    known = per_request("unread_count")
    if known is not None:
        return known
    return db.session.scalar(_unread(user)) or 0


def unread_count_column(user, except_question_id: int | None = None):
    """The header's count as a scalar subquery, leaving out the notifications about a question
    that the request is about to mark read (`mark_question_read`)."""
    return _unread(user, except_question_id).scalar_subquery()


def _unread(user, except_question_id: int | None = None):
    stmt = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    if except_question_id is not None:
        stmt = stmt.where(
            or_(
                Notification.question_id.is_(None),
                Notification.question_id != except_question_id,
            )
        )
    return _still_visible(stmt, user)


def unread_about_column(user, question_id: int):
    """Whether the user has unread notifications about the question (so that opening it has
    some to mark read), as an EXISTS."""
    return exists().where(
        Notification.user_id == user.id,
        Notification.question_id == question_id,
        Notification.read_at.is_(None),
    )


def remember_unread_count(count: int) -> None:
    """The header's count for the rest of this request, counted by the caller's statement."""
    per_request("unread_count", count)


def recent(user: User, limit: int = 50) -> list[Notification]:
    """The user's newest notifications that they may still open, newest first."""
    return list(
        db.session.scalars(
            _still_visible(select(Notification).where(Notification.user_id == user.id), user)
            .options(joinedload(Notification.actor))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def open_notification(user: User, notification_id: int) -> str:
    """Mark one of the user's notifications read and return where it points; NotFound when it
    is someone else's or about something the user may no longer see."""
    n = db.session.scalar(
        _still_visible(
            select(Notification).where(
                Notification.id == notification_id, Notification.user_id == user.id
            ),
            user,
        )
    )
    if n is None:
        raise NotFound(_("Not found."))
    if n.read_at is None:
        n.read_at = utcnow()
    return n.url


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many were."""
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount


def mark_question_read(user, question_id: int) -> int:
    """Opening a question reads the viewer's notifications about it: one UPDATE on the
    (user_id, read_at) index, however many there are. Other open tabs get the new count."""
    if not policy.is_signed_in(user):
        return 0
    done = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.question_id == question_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        push_count(user.id)
    return done


def send_digest(now: datetime | None = None) -> int:
    """One mail per person with their digest items; each item is mailed once at most."""
    now = now or utcnow()
    pending = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.mailed_at.is_(None), Notification.read_at.is_(None))
            .order_by(Notification.user_id, Notification.id)
        )
    )
    prefs = preferences_for(list({n.user_id for n in pending}))
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in pending:
        if prefs[n.user_id].get(n.kind, DEFAULT_MAIL[n.kind]) == MailPreference.DIGEST:
            by_user[n.user_id].append(n)
    sent = 0
    for user_id, items in by_user.items():
        # Claim first: a second run at the same moment finds nothing left to send.
        claimed = db.session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in items]), Notification.mailed_at.is_(None))
            .values(mailed_at=now)
        ).rowcount
        user = db.session.get(User, user_id)
        if user is not None and not user.is_deleted:
            # Checked at sending time: the user may have left a private circle since.
            shown = set(
                db.session.scalars(
                    _still_visible(
                        select(Notification.id).where(Notification.id.in_([n.id for n in items])),
                        user,
                    )
                )
            )
            items = [n for n in items if n.id in shown]
        if claimed and items and user is not None and not user.is_deleted:
            mail.queue(
                user.email,
                _("Your Kakehashi digest"),
                "digest",
                user=user,
                items=items,
                url=absolute_url("notifications.index"),
                base_url=base_url(),
            )
            sent += 1
    db.session.flush()
    return sent


def count_for(user_id: int) -> int:
    """The unread count pushed to a user's open pages (as unread_count)."""
    user = db.session.get(User, user_id)
    return unread_count(user) if user is not None else 0


def push_count(user_id: int) -> None:
    """The recipient's bell: the count is read after commit, so it includes this change."""
    live.queue("unread", lambda: {"unread": count_for(user_id)}, f"user:{user_id}")
