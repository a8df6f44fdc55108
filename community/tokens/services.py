"""Creating, listing, revoking and checking personal access tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community.auth.models import User
from community.auth.services import ensure_can_post
from community.db import utcnow
from community.errors import NotFound, ValidationFailed
from community.extensions import db
from community.tokens.models import NAME_MAX, AccessToken, Scope

# Secret scanners (GitHub's, gitleaks) match a fixed prefix; the key is hex, so the first
# underscore after it ends the key and the rest is the secret.
PREFIX = "kkh_"
MAX_ACTIVE = 20
# last_used_at is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user: User, name: str, scope: str) -> tuple[AccessToken, str]:
    """A new token for `user`; returns the row and the token text, which is never stored."""
    ensure_can_post(user)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.for_field("name", _("This field is required."))
    if len(name) > NAME_MAX:
        raise ValidationFailed.for_field("name", _("Use at most %(n)d characters.", n=NAME_MAX))
    try:
        scope_value = Scope(scope)
    except ValueError as exc:
        raise ValidationFailed.for_field("scope", _("Unknown choice.")) from exc
    active = db.session.scalar(
        select(func.count())
        .select_from(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE:
        msg = _("You can have at most %(n)d tokens. Revoke one first.", n=MAX_ACTIVE)
        raise ValidationFailed.for_field("name", msg)
    key = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = AccessToken(
        user_id=user.id, name=name, scope=scope_value, key=key, secret_hash=_digest(secret)
    )
    db.session.add(token)
    db.session.flush()
    return token, f"{PREFIX}{key}_{secret}"


def active_for(user: User) -> list[AccessToken]:
    """The user's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def revoke(user: User, token_id: int) -> AccessToken:
    """Revoke one of the user's own tokens (another's, or a revoked one, is NotFound)."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_("Not found."))
    token.revoked_at = utcnow()
    db.session.flush()
    return token


def authenticate(raw: str) -> AccessToken | None:
    """The live token `raw` names, with its user, or None (unknown, revoked, or its account
    deleted or suspended); marks it used at most once a minute."""
    if not raw.startswith(PREFIX):
        return None
    key, sep, secret = raw[len(PREFIX) :].partition("_")
    if not sep or not key or not secret or len(key) > 16:
        return None
    token = db.session.scalar(
        select(AccessToken).where(AccessToken.key == key).options(joinedload(AccessToken.user))
    )
    # Compared in constant time, so response times do not reveal how much of a secret matched.
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    user = token.user
    if token.revoked_at is not None or user.is_deleted or user.is_suspended:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token
