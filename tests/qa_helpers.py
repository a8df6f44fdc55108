"""Builders for questions and answers in tests, by user id (see tests.factories)."""

from __future__ import annotations

from community.auth.models import User
from community.extensions import db
from tests import factories

BODY = factories.QUESTION_BODY


def ask(user_id: int, title: str = factories.QUESTION_TITLE, **data):
    """A question asked through the service by the user with this id."""
    return factories.ask(db.session.get(User, user_id), title, **data)


def answer(user_id: int, question, body: str = factories.ANSWER_BODY):
    """An answer posted through the service by the user with this id."""
    return factories.answer(db.session.get(User, user_id), question, body)
