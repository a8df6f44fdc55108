"""Signed, expiring tokens for mailed links; each is bound to state that its use changes."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from community.auth.models import User


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kakehashi.{purpose}")


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def make(purpose: str, user: User, **extra: str) -> str:
    """A token for `purpose` naming the user and extra claims."""
    payload = {"uid": user.id, **extra}
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload, or None when the token is forged, for another purpose, or expired."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a subclass
        return None


def reset_token(user: User) -> str:
    # Bound to the current password hash: once the password changes, the link is spent.
    return make("reset", user, ph=_fingerprint(user.password_hash))


def reset_token_matches(user: User, payload: dict) -> bool:
    return payload.get("ph") == _fingerprint(user.password_hash)
