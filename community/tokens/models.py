"""A personal access token: only its SHA-256 is stored; the secret is shown once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db

NAME_MAX = 80


class Scope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class AccessToken(db.Model):
    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    scope: Mapped[Scope] = mapped_column(str_enum(Scope, 10), default=Scope.READ)
    # The token's public part (kkh_<key>_…): finds the row without comparing secrets in SQL,
    # and lets the member tell their tokens apart in the list.
    key: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE

    def __repr__(self) -> str:
        return f"<AccessToken {self.key} {self.scope}>"
