"""Adviser office hours: adviser settings, weekly rules, date exceptions, bookings."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db


class Mode(enum.StrEnum):
    ONLINE = "online"
    ONSITE = "onsite"
    PHONE = "phone"


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"  # waiting for the adviser (when confirmation is required)
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


AGENDA_MAX = 2000  # characters; the booking form and the services read this
ACTIVE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class AdviserSettings(db.Model):
    """How an adviser offers office hours (one row per adviser)."""

    __tablename__ = "adviser_settings"
    __table_args__ = (
        CheckConstraint("buffer_minutes BETWEEN 0 AND 120", name="buffer"),
        CheckConstraint("min_notice_hours BETWEEN 0 AND 720", name="notice"),
        CheckConstraint("max_days_ahead BETWEEN 1 AND 180", name="window"),
        CheckConstraint("max_active_per_member BETWEEN 1 AND 10", name="cap"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    intro_md: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    regions: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # prefecture codes; [] = all Japan
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    buffer_minutes: Mapped[int] = mapped_column(default=15)
    min_notice_hours: Mapped[int] = mapped_column(default=24)
    max_days_ahead: Mapped[int] = mapped_column(default=30)
    max_active_per_member: Mapped[int] = mapped_column(default=2)
    requires_confirmation: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class AvailabilityRule(db.Model):
    """A weekly window, in Japan time, cut into slots of `slot_minutes`."""

    __tablename__ = "availability_rules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("slot_minutes BETWEEN 15 AND 120", name="slot"),
        CheckConstraint("end_time > start_time", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adviser_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # Monday = 0
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(default=60)
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, 10), default=Mode.ONLINE)


class AvailabilityException(db.Model):
    """A day off (all day, or a time range) or extra hours on one date, in Japan time."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('off', 'extra')", name="kind"),
        CheckConstraint("slot_minutes BETWEEN 15 AND 120", name="slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adviser_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(5))
    start_time: Mapped[time | None] = mapped_column(Time)  # None with "off" = the whole day
    end_time: Mapped[time | None] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(default=60)
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, 10), default=Mode.ONLINE)


def _uid() -> str:
    return f"{uuid.uuid4()}@kakehashi"


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        # No double booking: one active booking per adviser and start time, enforced by the
        # database so that two requests racing for a slot cannot both win.
        Index(
            "uq_bookings_active_slot",
            "adviser_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status IN ('requested', 'confirmed')"),
            postgresql_where=text("status IN ('requested', 'confirmed')"),
        ),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("ends_at > starts_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=_uid)  # stable iCalendar UID
    adviser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, 10))
    agenda: Mapped[str] = mapped_column(Text)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, 12), index=True)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(String(1000), default="")
    adviser_note: Mapped[str] = mapped_column(Text, default="")  # private to the adviser
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, bumped on changes
    # Optimistic lock: every UPDATE says `WHERE version = <what this request read>`, so of two
    # requests changing one booking at once the second updates no row (StaleDataError) instead of
    # overwriting the first. Works alike on SQLite and PostgreSQL; see common.saving_change.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    adviser: Mapped[User] = relationship(foreign_keys=[adviser_id])
    member: Mapped[User] = relationship(foreign_keys=[member_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CalendarFeed(db.Model):
    """A private, revocable calendar feed URL per user."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
