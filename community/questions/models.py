"""Questions, answers, comments, votes, revisions, follows, tags and views."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from community.auth.models import User
from community.circles.models import Circle
from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db
from community.reference.models import Field, Topic

# What people write, in characters: the forms, the services and the columns read these.
TITLE_MIN, TITLE_MAX = 10, 150
BODY_MIN, BODY_MAX = 20, 20_000
ANSWER_MIN = 10
COMMENT_MIN, COMMENT_MAX = 2, 600


class Stage(enum.IntEnum):
    """課題ステータス: the three problem stages of the planning document."""

    UNKNOWN_PROBLEM = 1  # 何が課題かも分からない
    UNKNOWN_METHOD = 2  # 課題への解決手法が分からない
    LACKING_KNOWHOW = 3  # 解決手法の実施ノウハウが不足している


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


class CloseReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    OFF_TOPIC = "off_topic"


question_topics = Table(
    "question_topics",
    db.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topics.code"), primary_key=True, index=True),
)
question_tags = Table(
    "question_tags",
    db.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A free tag: `name` is the key (NFKC, lower case) that matching and URLs use, `label` the
    form it was first written in, which pages show (判定区分Ⅲ, not 判定区分iii)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(40))


# Lists show only questions no moderator hid (policy.visible_questions_clause), so their
# indexes leave hidden ones out; "unanswered" is the list filter of listing.list_filters.
LISTED = "hidden_at IS NULL"
UNANSWERED = "hidden_at IS NULL AND answer_count = 0 AND close_reason IS NULL"


def listed_index(name: str, *columns: str, where: str = LISTED) -> Index:
    """A partial index over listed questions in one list order (listing.SORTS), so that a deep
    page's ids are read from the index alone. `circle_id` ends the global ones because every
    list filters on it (private circles), and a filter the index holds needs no table read."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("stage IS NULL OR stage BETWEEN 1 AND 3", name="stage_range"),
        Index("ix_questions_circle_activity", "circle_id", "last_activity_at"),
        listed_index("ix_questions_listed_activity", "last_activity_at", "id", "circle_id"),
        listed_index("ix_questions_listed_newest", "created_at", "id", "circle_id"),
        listed_index("ix_questions_listed_votes", "score", "created_at", "id", "circle_id"),
        listed_index(
            "ix_questions_unanswered_newest", "created_at", "id", "circle_id", where=UNANSWERED
        ),
        # A circle page's tabs: latest (newest), top (votes), unanswered.
        listed_index("ix_questions_circle_newest", "circle_id", "created_at", "id"),
        listed_index("ix_questions_circle_votes", "circle_id", "score", "created_at", "id"),
        listed_index(
            "ix_questions_circle_unanswered", "circle_id", "created_at", "id", where=UNANSWERED
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    renderer: Mapped[int] = mapped_column(default=0)
    field_code: Mapped[str | None] = mapped_column(ForeignKey("fields.code"), index=True)
    stage: Mapped[int | None]
    status: Mapped[QuestionStatus] = mapped_column(
        str_enum(QuestionStatus), default=QuestionStatus.OPEN, index=True
    )
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", use_alter=True, ondelete="SET NULL")
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)  # no new answers or comments
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    # Counters kept by the services with atomic UPDATEs, so lists sort without aggregates.
    score: Mapped[int] = mapped_column(default=0, index=True)
    answer_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)
    # Bumped in the transaction of every change to what the question's page shows
    # (questions/page_cache.py): the key of the page cached for visitors.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    circle: Mapped[Circle | None] = relationship()
    field: Mapped[Field | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=question_topics, order_by=Topic.position)
    tags: Mapped[list[Tag]] = relationship(secondary=question_tags, order_by=Tag.name)
    duplicate_of: Mapped[Question | None] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id]
    )
    answers: WriteOnlyMapped[Answer] = relationship(
        back_populates="question", foreign_keys="Answer.question_id", passive_deletes=True
    )

    @property
    def is_closed(self) -> bool:
        return self.close_reason is not None


class Answer(db.Model):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    renderer: Mapped[int] = mapped_column(default=0)
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")

    question: Mapped[Question] = relationship(back_populates="answers", foreign_keys=[question_id])
    author: Mapped[User] = relationship()


class Comment(db.Model):
    """A short plain-text remark on a question or an answer (exactly one of the two)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (answer_id IS NULL)", name="one_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    # The question the comment belongs to either way: one query loads a page's comments.
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(String(600))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")

    author: Mapped[User] = relationship()


class QuestionVote(db.Model):
    __tablename__ = "question_votes"
    __table_args__ = (
        UniqueConstraint("question_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnswerVote(db.Model):
    __tablename__ = "answer_votes"
    __table_args__ = (
        UniqueConstraint("answer_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Revision(db.Model):
    """One version of a question or answer; the first is the original post."""

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (answer_id IS NULL)", name="one_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    editor: Mapped[User] = relationship()


class QuestionFollow(db.Model):
    __tablename__ = "question_follows"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuestionView(db.Model):
    """One row per viewer per question per day (Japan time): repeat views do not count."""

    __tablename__ = "question_views"
    __table_args__ = (UniqueConstraint("question_id", "viewer", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    viewer: Mapped[str] = mapped_column(String(64))  # "u:<id>" or a hash of the anonymous session
    day: Mapped[date] = mapped_column(Date)


class QuestionInvite(db.Model):
    """Someone asked a member to answer a question (once per question and member)."""

    __tablename__ = "question_invites"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
