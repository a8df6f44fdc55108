"""The network view's tables: coordinators (群マネ担当) appointed by an admin to watch one or more
prefectures, and the stored monthly figures of closed months."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, utcnow
from community.extensions import db
from community.questions.models import Answer, Question
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


class MonthFigures(db.Model):
    """The raw figures of one closed JST month for one filter, as kpis_sql returns them.

    Whole payloads per filter, not sums: the median and the shares do not add up across
    prefectures or fields. `generation` is the month's MonthChange.generation when the figures
    were read: a change committed meanwhile makes the row stale (figures_store.py)."""

    __tablename__ = "network_month_figures"
    __table_args__ = (UniqueConstraint("month", "by_kind", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in JST
    by_kind: Mapped[str] = mapped_column(String(10))  # month | prefecture
    filter_key: Mapped[str] = mapped_column(String(64))  # digest of prefectures and field
    payload: Mapped[str] = mapped_column(Text)  # JSON: the four families of figures
    generation: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MonthChange(db.Model):
    """How many times posts, bookings or accounts of a closed month changed (figures_watch.py);
    a month with no row has generation 0."""

    __tablename__ = "network_month_changes"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The KPI page computes the current month live. Its answers are found by time, not by a scan of
# every answer (about 100 ms at 1,000,000 answers), and joined to their questions' authors and
# fields from an index alone rather than the questions' wide rows (at 200,000 questions and a
# month of 37,000 answers: 200 → 100 ms on PostgreSQL). Declared here, with the figures served.
Index("ix_answers_created_at", Answer.created_at)
Index(
    "ix_questions_shown_authors",
    Question.id,
    Question.author_id,
    Question.field_code,
    postgresql_where=Question.hidden_at.is_(None),
    sqlite_where=Question.hidden_at.is_(None),
)
