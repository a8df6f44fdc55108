"""One-time form tokens: a submit that is sent again answers with the first result.

A form that creates something carries a token made when the page was rendered (a hidden field:
`IdempotentForm` for WTForms forms rendered with hidden_tag(), the `idempotency_key()` template
global for hand-written forms). The route calls `claim()` after validating and before creating,
and `done(url)` instead of `redirect(url)`. The key row is written in the same transaction as
the creation, so a response lost on the way (timeout) and the user's retry, or a double click,
give one object and the same redirect.

Races: `claim()` inserts the key first (INSERT ... ON CONFLICT DO NOTHING). On PostgreSQL a second
transaction with the same key waits on the unique index until the first commits or rolls back,
then reads its result; it never runs the creation. On SQLite writers are serialised anyway.

A request without a token works as before, with no protection: pages rendered before tokens
existed and API clients must keep working, and CSRF, not this, is what guards against forgery.
API clients may send the key as an `Idempotency-Key` header.

Keys are kept for a day (KEY_TTL): each successful submit deletes the same user's older keys,
and `prune()` clears the whole table (for a periodic job).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import abort, flash, g, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from community.db import UTCDateTime, utcnow
from community.errors import Conflict
from community.extensions import db

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
KEY_TTL = timedelta(days=1)
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    # What was sent with the key (path and fields): the same key with other content is not a
    # retry but a page sent again after the user changed it (Back, edit, submit).
    fingerprint: Mapped[str] = mapped_column(String(64))
    result_url: Mapped[str | None] = mapped_column(Text)  # empty while the creation is under way
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


# What a form rendered into a cached, shared fragment carries instead of its token
# (community/fragments.py fills in a fresh one per response).
KEY_PLACEHOLDER = "\x00once\x00"


def new_key() -> str:
    """A fresh one-time token for a form being rendered."""
    return secrets.token_urlsafe(16)


def rendered_key() -> str:
    """The token of a form being rendered: a placeholder while a shared fragment is rendered
    (`fragments.placeholders`), else a fresh one."""
    return KEY_PLACEHOLDER if g.get("fragment_keys") else new_key()


class OneTimeKeyField(HiddenField):
    """The hidden one-time token: drawn when the form is rendered (so that a form rendered into
    a shared fragment carries the placeholder, filled in per response), or the submitted one
    when a form comes back with errors (nothing was saved under it)."""

    def _value(self) -> str:
        return self.data or rendered_key()


class IdempotentForm:
    """Mixin for forms that create something: a hidden one-time token, rendered by hidden_tag()."""

    idempotency_key = OneTimeKeyField()


def _key() -> str | None:
    key = request.form.get(FIELD) or request.headers.get(HEADER)
    if not key:
        return None
    if not _KEY_RE.fullmatch(key):
        abort(400)  # only a tampered form sends something we did not make
    return key


def _fingerprint() -> str:
    fields = sorted(
        (name, value)
        for name, values in request.form.lists()
        if name not in (FIELD, "csrf_token")
        for value in values
    )
    return hashlib.sha256(repr((request.path, fields)).encode()).hexdigest()


def claim():
    """Before creating: the redirect to the first result when this token was already used.

    Returns None when the route should go on and create (then answer with `done`). Raises
    Conflict when the token was used for different content.
    """
    g.pop("idempotency_claim", None)
    key = _key()
    if key is None or not current_user.is_authenticated:
        return None
    fingerprint = _fingerprint()
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(IdempotencyKey)
        .values(user_id=current_user.id, key=key, fingerprint=fingerprint, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
    )
    # Ours, or the committed row of the submit that got there first. FOR UPDATE: a row left
    # without a result (that submit failed) is taken over by one retry at a time.
    row = db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row.result_url is not None:
        if row.fingerprint != fingerprint:
            raise Conflict(
                _(
                    "This form was already sent with different content. Open the page again "
                    "to send something new."
                )
            )
        flash(_("This was already sent; nothing was saved twice."), "info")
        return redirect(row.result_url)
    row.fingerprint = fingerprint
    g.idempotency_claim = row
    return None


def done(url: str):
    """After creating: record `url` as the result of this token and redirect there."""
    row = g.pop("idempotency_claim", None)
    if row is not None:
        row.result_url = url
        db.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == row.user_id,
                IdempotencyKey.created_at < utcnow() - KEY_TTL,
            )
        )
        db.session.flush()
    return redirect(url)


def prune(older_than: timedelta = KEY_TTL) -> int:
    """Delete every key older than `older_than`; returns how many went."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - older_than)
    )
    return result.rowcount


__all__ = ["FIELD", "IdempotencyKey", "IdempotentForm", "claim", "done", "new_key", "prune"]
