"""In-app notifications and per-kind mail preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db


class Kind(enum.StrEnum):
    ANSWER = "answer"  # an answer to a question I follow
    COMMENT = "comment"  # a comment on my post
    ACCEPTED = "accepted"  # my answer was accepted
    MENTION = "mention"  # someone wrote @me
    CIRCLE_QUESTION = "circle_question"  # a new question in a circle I watch
    BOOKING = "booking"
    JOIN_DECISION = "join_decision"
    MODERATION = "moderation"
    INVITE = "invite"
    CASE_SUGGESTION = "case_suggestion"  # editors: a new suggestion; members: the decision


class MailPreference(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    NEVER = "never"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, 20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(300))  # a short summary in the recipient's words
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # immediately or in a digest

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class NotificationSetting(db.Model):
    """How a user wants mail for one kind (the default is a daily digest)."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, 20))
    mail: Mapped[MailPreference] = mapped_column(
        str_enum(MailPreference, 12), default=MailPreference.DIGEST
    )
