"""Profiles: where an engineer works, what they know and what they can help with."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db
from community.reference.models import Field, Municipality, PopulationBand, Prefecture, Topic

BIO_MAX = 4000  # characters of Markdown; the form and set_bio read this

if TYPE_CHECKING:
    from community.auth.models import User


class OrganisationKind(enum.StrEnum):
    """Where a member works: a municipality (picked from the list) or another typed body."""

    MUNICIPALITY = "municipality"  # 市区町村 (the picker)
    PREFECTURE = "prefecture"  # 都道府県庁 (the picker's 都道府県 rows)
    UNIVERSITY = "university"
    KOSEN = "kosen"
    CENTRE = "centre"  # 建設技術センター and similar public bodies
    NATIONAL = "national"  # 国の機関 (MLIT's regional bureaus …)
    COMPANY = "company"
    OTHER = "other"


PICKED_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.PREFECTURE)


class Visibility(enum.StrEnum):
    MEMBERS = "members"
    PUBLIC = "public"


profile_fields = Table(
    "profile_fields",
    db.metadata,
    Column("profile_id", ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True),
    Column("field_code", ForeignKey("fields.code"), primary_key=True, index=True),
)
profile_help_topics = Table(
    "profile_help_topics",
    db.metadata,
    Column("profile_id", ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topics.code"), primary_key=True, index=True),
)
profile_learn_topics = Table(
    "profile_learn_topics",
    db.metadata,
    Column("profile_id", ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topics.code"), primary_key=True, index=True),
)


class Profile(db.Model):
    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation: Mapped[str] = mapped_column(String(120), default="")
    prefecture_code: Mapped[str | None] = mapped_column(ForeignKey("prefectures.code"), index=True)
    population_band_code: Mapped[str | None] = mapped_column(
        ForeignKey("population_bands.code"), index=True
    )
    # The organisation as data (issue 16): a municipality by code, or a kind and the free text.
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.code"), index=True
    )
    organisation_kind: Mapped[OrganisationKind | None] = mapped_column(
        str_enum(OrganisationKind, 20)
    )
    # Set when the free-text organisation could not be matched to one municipality.
    organisation_review: Mapped[bool] = mapped_column(default=False)
    # Technical staff in the member's municipality (them included); shown only in aggregates.
    technical_staff: Mapped[int | None]
    department: Mapped[str] = mapped_column(String(120), default="")
    job_title: Mapped[str] = mapped_column(String(80), default="")
    years_experience: Mapped[int | None]
    # 課題ステータス chosen in the support navigator; offered when asking a question.
    problem_stage: Mapped[int | None]
    qualifications: Mapped[str] = mapped_column(String(300), default="")
    bio_md: Mapped[str] = mapped_column(Text, default="")
    # Rendered once when written (DESIGN.md: render once, read many).
    bio_html: Mapped[str] = mapped_column(Text, default="")
    bio_renderer: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, 10), default=Visibility.MEMBERS
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
    prefecture: Mapped[Prefecture | None] = relationship()
    population_band: Mapped[PopulationBand | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    fields: Mapped[list[Field]] = relationship(secondary=profile_fields, order_by=Field.position)
    help_topics: Mapped[list[Topic]] = relationship(
        secondary=profile_help_topics, order_by=Topic.position
    )
    learn_topics: Mapped[list[Topic]] = relationship(
        secondary=profile_learn_topics, order_by=Topic.position
    )

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC
