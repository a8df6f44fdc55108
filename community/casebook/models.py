"""The casebook (事例集): structured cases, their repeating parts, revisions and question links."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.auth.models import User
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db
from community.reference.models import Field, PopulationBand, Prefecture, SupportMenu, Topic


class Direction(enum.StrEnum):
    OUTSIDE = "outside"  # 「外」から: support by existing organisations and dispatched advisers
    INSIDE = "inside"  # 「内」から: in-house talent development and staff exchange


class InterviewKind(enum.StrEnum):
    """Whose words a case's question-and-answer section holds."""

    SUMMARY = "summary"  # 編集部による要約: written by the editors from the sources
    PUBLISHED = "published"  # an interview published elsewhere: who, when, where, cited


class CaseType(enum.StrEnum):
    """What kind of story a case tells: support that worked, or support that was declined or
    did not work (見送り・不調), which the casebook keeps because it teaches as much."""

    STANDARD = "standard"
    NOT_PURSUED = "not_pursued"  # 見送り・不調


class Consent(enum.StrEnum):
    """The organisation's consent to be published (掲載承諾); shown to editors only."""

    NONE = "none"
    REQUESTED = "requested"
    GRANTED = "granted"


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"  # suggested by a member, or submitted by an editor for a second look
    PUBLISHED = "published"


def _link(name: str, column: str, target: str) -> Table:
    return Table(
        name,
        db.metadata,
        Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(target), primary_key=True, index=True),
    )


case_menus = _link("case_menus", "menu_code", "support_menus.code")
case_fields = _link("case_fields", "field_code", "fields.code")
case_topics = _link("case_topics", "topic_code", "topics.code")
case_organisations = _link("case_organisations", "organisation_id", "support_organisations.id")


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    summary_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    overview_md: Mapped[str] = mapped_column(Text, default="")
    overview_html: Mapped[str] = mapped_column(Text, default="")
    organisations: Mapped[str] = mapped_column(String(500), default="")
    prefecture_code: Mapped[str | None] = mapped_column(ForeignKey("prefectures.code"), index=True)
    population_band_code: Mapped[str | None] = mapped_column(
        ForeignKey("population_bands.code"), index=True
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 10), index=True)
    effects_md: Mapped[str] = mapped_column(Text, default="")
    effects_html: Mapped[str] = mapped_column(Text, default="")
    effect_figures: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{label, value}]
    cost_initial: Mapped[int | None] = mapped_column(BigInteger)  # yen
    cost_running: Mapped[int | None] = mapped_column(BigInteger)  # yen per year
    participants: Mapped[str] = mapped_column(Text, default="")
    contact_department: Mapped[str] = mapped_column(String(300), default="")
    # Editor-written text is never shown as the organisation's own words: a section is an
    # interview only with its source (who was asked, when, where it was published, a link).
    interview_kind: Mapped[InterviewKind] = mapped_column(
        str_enum(InterviewKind, 10), default=InterviewKind.SUMMARY
    )
    interview_source: Mapped[str] = mapped_column(String(500), default="")
    interview_url: Mapped[str | None] = mapped_column(String(500))
    # "New" = first published in the edition now open; kept as a column (other pages sort by
    # it) and maintained by casebook.editions: set on first publication, cleared on closing.
    is_new: Mapped[bool] = mapped_column(default=False)
    edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_editions.id", ondelete="SET NULL"), index=True
    )
    # The chapter section the case sits in (community/casebook/chapters.yaml).
    section: Mapped[str | None] = mapped_column(String(30), index=True)
    is_model: Mapped[bool] = mapped_column(default=False)  # ☆モデル事例, set by editors
    case_type: Mapped[CaseType] = mapped_column(
        str_enum(CaseType, 12), default=CaseType.STANDARD, index=True
    )
    consent: Mapped[Consent] = mapped_column(str_enum(Consent, 10), default=Consent.NONE)
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, 10), default=CaseStatus.DRAFT, index=True
    )
    renderer: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    prefecture: Mapped[Prefecture | None] = relationship()
    population_band: Mapped[PopulationBand | None] = relationship()
    menus: Mapped[list[SupportMenu]] = relationship(
        secondary=case_menus, order_by=SupportMenu.position
    )
    fields: Mapped[list[Field]] = relationship(secondary=case_fields, order_by=Field.position)
    topics: Mapped[list[Topic]] = relationship(secondary=case_topics, order_by=Topic.position)
    stage_rows: Mapped[list[CaseStage]] = relationship(
        cascade="all, delete-orphan", order_by="CaseStage.stage"
    )
    schedule: Mapped[list[CaseScheduleRow]] = relationship(
        cascade="all, delete-orphan", order_by="CaseScheduleRow.position"
    )
    costs: Mapped[list[CaseCostRow]] = relationship(
        cascade="all, delete-orphan", order_by="CaseCostRow.position"
    )
    interview: Mapped[list[CaseInterviewPair]] = relationship(
        cascade="all, delete-orphan", order_by="CaseInterviewPair.position"
    )
    sources: Mapped[list[CaseSource]] = relationship(
        cascade="all, delete-orphan", order_by="CaseSource.position"
    )
    organisations_list: Mapped[list[SupportOrganisation]] = relationship(
        secondary=case_organisations, back_populates="cases"
    )
    created_by: Mapped[User | None] = relationship()
    edition: Mapped[CaseEdition | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == CaseStatus.PUBLISHED

    @property
    def stages(self) -> list[int]:
        """Problem stages served (1–3); most cases serve more than one."""
        return [r.stage for r in self.stage_rows]


class CaseEdition(db.Model):
    """An edition (版) of the casebook. One is open at a time: cases first published while it
    is open appear in it (and are "New"); an editor closes it, which opens the next."""

    __tablename__ = "case_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique, so two editors closing the same edition at once cannot both open the next.
    number: Mapped[int] = mapped_column(unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")

    closed_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseEditionBook(db.Model):
    """A closed edition's PDF as it was printed when the edition closed: a published book never
    changes, whatever happens to its cases afterwards (community/casebook/edition_books.py)."""

    __tablename__ = "case_edition_books"

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("case_editions.id", ondelete="CASCADE"), primary_key=True
    )
    # Deferred: the ETag and the size are read without loading megabytes.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    edition: Mapped[CaseEdition] = relationship()


class CaseStage(db.Model):
    __tablename__ = "case_stages"
    __table_args__ = (CheckConstraint("stage BETWEEN 1 AND 3", name="stage_range"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)


class _Row:
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class CaseScheduleRow(_Row, db.Model):
    __tablename__ = "case_schedule_rows"

    period: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)


class CaseCostRow(_Row, db.Model):
    __tablename__ = "case_cost_rows"
    __table_args__ = (
        CheckConstraint("kind IN ('initial', 'running')", name="kind"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
    )

    kind: Mapped[str] = mapped_column(String(10))
    item: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # yen


class CaseInterviewPair(_Row, db.Model):
    __tablename__ = "case_interview_pairs"

    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


class CaseSource(_Row, db.Model):
    """Where a case's figures and dated facts come from: a deep link with its title, the date
    it was read (閲覧日), the date its figures hold for (時点) and what it supports."""

    __tablename__ = "case_sources"

    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))
    accessed_on: Mapped[date | None] = mapped_column(Date)
    # Free text: a source's date is often only a month, a fiscal year or "c. 2015".
    as_of: Mapped[str] = mapped_column(String(100), default="")
    supports: Mapped[str] = mapped_column(String(1000), default="")


class CaseRevision(db.Model):
    """A snapshot of the whole case after each save (who, when, what)."""

    __tablename__ = "case_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    editor: Mapped[User | None] = relationship()


class CaseLink(db.Model):
    """A question linked to a case: by a member with a note, or by a mention in a post."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("question_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship()


class AnswerCitation(db.Model):
    """An answer that cites a case (#case:<slug> or its URL); feeds "helped resolve"."""

    __tablename__ = "answer_citations"
    __table_args__ = (UniqueConstraint("answer_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class SupportOrganisation(db.Model):
    """An organisation in the support catalogue (支援カタログ)."""

    __tablename__ = "support_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    offers_md: Mapped[str] = mapped_column(Text, default="")
    offers_html: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(200), default="")
    prefectures: Mapped[list[str]] = mapped_column(JSON, default=list)  # JIS codes; [] = nationwide
    menu_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    field_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(String(500))

    cases: Mapped[list[Case]] = relationship(
        secondary=case_organisations, back_populates="organisations_list"
    )


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"  # an editor turned it into a case
    DECLINED = "declined"


class CaseSuggestion(db.Model):
    """A member's short suggestion of a case (what happened, where, who, a link, a contact),
    waiting for an editor to turn it into a case or decline it with a reason."""

    __tablename__ = "case_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    what: Mapped[str] = mapped_column(Text)  # what happened
    place: Mapped[str] = mapped_column(String(200), default="")  # municipality or organisation
    people: Mapped[str] = mapped_column(String(300), default="")  # who was involved
    source_url: Mapped[str | None] = mapped_column(String(500))
    contact: Mapped[str] = mapped_column(String(200), default="")  # how editors may reach them
    suggested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[SuggestionStatus] = mapped_column(
        str_enum(SuggestionStatus, 10), default=SuggestionStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    suggested_by: Mapped[User | None] = relationship(foreign_keys=[suggested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    case: Mapped[Case | None] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.status == SuggestionStatus.PENDING
