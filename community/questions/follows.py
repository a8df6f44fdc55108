"""Following questions and counting views."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from community import policy
from community.auth.models import User
from community.db import utcnow
from community.extensions import db
from community.questions.models import Question, QuestionFollow, QuestionView

TOKYO = ZoneInfo("Asia/Tokyo")


def _insert_ignore(model, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was written.

    RETURNING tells reliably whether the row went in (rowcount does not on every driver).
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(stmt).first() is not None


def follow(user: User, question: Question) -> None:
    """The user hears of new answers to the question (following twice is one follow)."""
    _insert_ignore(QuestionFollow, question_id=question.id, user_id=user.id, created_at=utcnow())


def unfollow(user: User, question: Question) -> None:
    """The user no longer hears of new answers to the question."""
    db.session.execute(
        delete(QuestionFollow).where(
            QuestionFollow.question_id == question.id, QuestionFollow.user_id == user.id
        )
    )


def is_following(user, question: Question) -> bool:
    """Whether the user follows the question (a visitor never does)."""
    if not policy.is_signed_in(user):
        return False
    return bool(
        db.session.scalar(
            select(func.count()).where(
                QuestionFollow.question_id == question.id, QuestionFollow.user_id == user.id
            )
        )
    )


def _today(now: datetime | None = None):
    return (now or utcnow()).astimezone(TOKYO).date()


def viewed_today_column(question_id, viewer_key, day=None):
    """Whether this viewer's view of the question today (or on `day`) is already counted, as an
    EXISTS (a page that reads it in its own statement skips `record_view`'s write). The values
    may be bound parameters, for a statement built once and run many times."""
    if isinstance(viewer_key, str):
        viewer_key = viewer_key[:64]
    return exists().where(
        QuestionView.question_id == question_id,
        QuestionView.viewer == viewer_key,
        QuestionView.day == (_today() if day is None else day),
    )


def today():
    """The day a view is counted on (Japan time)."""
    return _today()


def record_view(question, viewer_key: str, now: datetime | None = None) -> bool:
    """Count a view unless this viewer already viewed the question today (Japan time); True
    when it was counted, and `question.view_count` (a Question, or a cached visitor page's
    page_cache.Seen) is then the new count. The view's row and the count are written together:
    in one statement on PostgreSQL (the INSERT in a WITH), which also serves a request whose
    connection commits each statement by itself (page_cache.read_without_transaction)."""
    key, day = viewer_key[:64], _today(now)
    if db.session.get_bind().dialect.name != "postgresql":
        if not _insert_ignore(QuestionView, question_id=question.id, viewer=key, day=day):
            return False
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(view_count=Question.view_count + 1)
        )
        if not isinstance(question, Question):  # the ORM keeps only its own objects current
            question.view_count += 1
        return True
    added = (
        pg_insert(QuestionView)
        .values(question_id=question.id, viewer=key, day=day)
        .on_conflict_do_nothing()
        .returning(QuestionView.id)
        .cte("added")
    )
    count = db.session.execute(
        update(Question)
        .where(Question.id == question.id, exists(select(added.c.id)))
        .values(view_count=Question.view_count + 1)
        .returning(Question.view_count)
        .execution_options(synchronize_session=False)
    ).scalar()
    if count is None:
        return False
    if isinstance(question, Question):
        set_committed_value(question, "view_count", count)
    else:
        question.view_count = count
    connection = db.session.connection()
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        # A page view's transaction need not wait for the disk: a crash may lose the last few
        # views counted, never anything else (the GET that counts writes nothing else that
        # matters), and the commit returns ~5 ms sooner on a plain disk.
        connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
    return True
