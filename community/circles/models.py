"""Topic circles and their memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db


class CircleVisibility(enum.StrEnum):
    OPEN = "open"  # anyone joins
    REQUEST = "request"  # a moderator approves; content readable by all
    PRIVATE = "private"  # invisible to non-members everywhere


class CircleRole(enum.StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # a join request waiting for a moderator
    BANNED = "banned"  # removed by a moderator; cannot rejoin or post


class Circle(db.Model):
    __tablename__ = "circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    rules_md: Mapped[str] = mapped_column(Text, default="")
    rules_html: Mapped[str] = mapped_column(Text, default="")
    renderer: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[CircleVisibility] = mapped_column(
        str_enum(CircleVisibility), default=CircleVisibility.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_ja

    @property
    def is_private(self) -> bool:
        return self.visibility == CircleVisibility.PRIVATE


class CircleMembership(db.Model):
    __tablename__ = "circle_memberships"
    __table_args__ = (UniqueConstraint("circle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CircleRole] = mapped_column(str_enum(CircleRole), default=CircleRole.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus), default=MembershipStatus.ACTIVE
    )
    message: Mapped[str] = mapped_column(String(500), default="")  # with a join request
    # New questions in this circle: "all", "mentions" (only when @mentioned) or "none".
    watch: Mapped[str] = mapped_column(String(10), default="mentions")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def can_moderate(self) -> bool:
        return self.is_active and self.role in (CircleRole.OWNER, CircleRole.MODERATOR)
