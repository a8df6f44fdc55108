"""Builders for questions and answers in tests (through the real services)."""

from __future__ import annotations

from community.auth.models import User
from community.extensions import db
from community.questions import services as qa

BODY = "町の橋梁の点検について、判定区分の付け方で悩んでいます。詳しい方に教えてほしいです。"


def ask(user_id: int, title: str = "判定区分Ⅲの橋の優先順位の付け方", **data):
    user = db.session.get(User, user_id)
    payload = {"title": title, "body": BODY, **data}
    return qa.ask(user, payload)


def answer(user_id: int, question, body: str = "うちでは健全度と交通量で点数化しています。"):
    return qa.answer(db.session.get(User, user_id), question, body)
