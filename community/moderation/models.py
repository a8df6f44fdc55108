"""Flags, the audit log and suspensions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db


class TargetType(enum.StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    COMMENT = "comment"
    CASE_LINK = "case_link"
    PROFILE = "profile"


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    HARASSMENT = "harassment"
    OFF_TOPIC = "off_topic"
    PERSONAL_INFO = "personal_info"  # 個人情報: residents' names, addresses, photos …
    OTHER = "other"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a moderator acted
    DISMISSED = "dismissed"  # a moderator found nothing wrong


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reporter_id"),
        Index("ix_flags_open_target", "status", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[TargetType] = mapped_column(str_enum(TargetType, 12))
    target_id: Mapped[int]
    # The circle the target lives in (None: the open square or a profile): scopes the queue.
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[FlagReason] = mapped_column(str_enum(FlagReason, 16))
    text: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[FlagStatus] = mapped_column(
        str_enum(FlagStatus, 10), default=FlagStatus.OPEN, index=True
    )
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(30), default="")  # the action taken
    outcome_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])


class AuditEntry(db.Model):
    """One moderator or admin action. Written once; the application never updates or deletes it."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None]
    circle_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _immutable(mapper, connection, target):  # noqa: ARG001 - SQLAlchemy's signature
    raise PermissionError("audit entries cannot be changed or deleted")
