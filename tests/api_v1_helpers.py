"""Shared by the API tests: tokens made through the service, and bearer headers."""

from __future__ import annotations

from community.extensions import db
from community.tokens import services as tokens
from tests.factories import user_named


def make_token(app, username: str, scope: str = "write", name: str = "bot") -> str:
    """A new token of `username` (the text, as shown once)."""
    with app.app_context():
        _row, text = tokens.create(user_named(username), name, scope)
        db.session.commit()
        return text


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
