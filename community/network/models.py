"""Coordinators (群マネ担当): members appointed by an admin to watch one or more prefectures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, utcnow
from community.extensions import db
from community.reference.models import Prefecture


class CoordinatorAppointment(db.Model):
    """One (user, prefecture) appointment; the user's Role is unchanged by it."""

    __tablename__ = "coordinator_appointments"
    __table_args__ = (UniqueConstraint("user_id", "prefecture_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefecture_code: Mapped[str] = mapped_column(ForeignKey("prefectures.code"), index=True)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    appointed_by: Mapped[User | None] = relationship(foreign_keys=[appointed_by_id])
    prefecture: Mapped[Prefecture] = relationship()
