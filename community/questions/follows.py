"""Following questions and counting views."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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


def record_view(question: Question, viewer_key: str, now: datetime | None = None) -> bool:
    """Count a view unless this viewer already viewed the question today (Japan time)."""
    day = (now or utcnow()).astimezone(TOKYO).date()
    if _insert_ignore(QuestionView, question_id=question.id, viewer=viewer_key[:64], day=day):
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(view_count=Question.view_count + 1)
        )
        return True
    return False
