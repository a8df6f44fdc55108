"""Flags raised by members, hiding on enough trusted flags, and holding new members' links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.auth.models import User
from community.circles.models import Circle
from community.db import savepoint
from community.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from community.extensions import db
from community.moderation.audit_log import audit
from community.moderation.models import Flag, FlagReason, FlagStatus, TargetType
from community.moderation.notices import tell_author, tell_moderators
from community.moderation.people import trust_level
from community.moderation.targets import HELD, load_target, mark_hidden
from community.questions.models import Question
from community.urls import base_url

LINK_RE = re.compile(r"(?:https?://|www\.)\S+")


def flag(reporter: User, target_type: str, target_id: int, reason: str, text: str = "") -> Flag:
    """One flag per member per item; enough flags, or a 個人情報 flag by verified staff, hide it."""
    if not getattr(reporter, "is_authenticated", False) or not reporter.is_confirmed:
        raise PermissionDenied(_("Confirm your email address before flagging."))
    kind, obj, circle = load_target(reporter, target_type, target_id)
    try:
        reason_enum = FlagReason(reason)
    except ValueError as exc:
        raise ValidationFailed.for_field("reason", _("Choose a reason.")) from exc
    text = (text or "").strip()
    if reason_enum == FlagReason.OTHER and not text:
        raise ValidationFailed.for_field("text", _("Tell the moderators what is wrong."))
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
    try:
        with savepoint(db.session):
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("You already flagged this.")) from exc
    if kind != TargetType.PROFILE and getattr(obj, "hidden_at", None) is None:
        immediate = reason_enum == FlagReason.PERSONAL_INFO and reporter.verified_staff
        if (
            immediate
            or _trusted_flag_count(kind, obj.id) >= current_app.config["FLAG_HIDE_THRESHOLD"]
        ):
            mark_hidden(obj, True, "flagged")
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
            tell_author(kind, obj, "auto_hide", "", None)
    tell_moderators(kind, obj, circle, reason=reason_enum, reporter=reporter)
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


# Government hosts (国の機関 go.jp, 地方公共団体 lg.jp) are what members cite; spam does not
# come from them, so a new member's link there is not held.
TRUSTED_SUFFIXES = ("go.jp", "lg.jp")


def _trusted_host(url: str) -> bool:
    """A link to a government host: the host itself, not a look-alike such as go.jp.example."""
    host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    # The link pattern runs on to the next space, so 「…go.jp）を参照」 ends in the host.
    host = re.match(r"[a-z0-9.-]*", host).group().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in TRUSTED_SUFFIXES)


def hold_if_needed(author: User, post, body: str, circle_id: int | None) -> None:
    """A new member's post with a link waits for a moderator (spam defence at trust level 0).

    Verified municipal staff are known people, not spammers: their posts are never held."""
    if author.verified_staff:
        return
    base = base_url()
    # Our own pages (base URL followed by a path) are not outside links; look-alike hosts are.
    external = [
        u
        for u in LINK_RE.findall(body or "")
        if not (u == base or u.startswith(base + "/")) and not _trusted_host(u)
    ]
    if external and trust_level(author) == 0:
        mark_hidden(post, True, HELD)
        kind = TargetType.QUESTION if isinstance(post, Question) else TargetType.ANSWER
        audit(
            None, "hold", kind.value, post.id, circle_id=circle_id, reason="link from a new member"
        )
        circle = db.session.get(Circle, circle_id) if circle_id else None
        tell_moderators(kind, post, circle)


def my_flags(user: User) -> list[Flag]:
    """The flags the user raised, newest first."""
    return list(
        db.session.scalars(
            select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.created_at.desc())
        )
    )
