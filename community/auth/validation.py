"""Checking what people type into account forms: addresses, usernames, passwords."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from community.errors import ValidationFailed

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,30}$")
RESERVED_USERNAMES = {"admin", "root", "system", "deleted", "kakehashi", "moderator", "support"}
MIN_PASSWORD = 10
MAX_PASSWORD = 200


def normalise_email(value: str) -> str:
    """Validate syntax (no DNS lookups) and return the lower-cased address."""
    try:
        result = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(
            _("Enter a valid email address."), {"email": [_("Enter a valid email address.")]}
        ) from exc
    return result.normalized.lower()


def check_username(value: str) -> str:
    username = (value or "").strip().lower()
    if not USERNAME_RE.match(username):
        msg = _("Use 3–30 characters: lower-case letters, digits and _.")
        raise ValidationFailed(msg, {"username": [msg]})
    if username in RESERVED_USERNAMES or username.startswith("deleted"):
        msg = _("That username is reserved.")
        raise ValidationFailed(msg, {"username": [msg]})
    return username


def check_password_strength(password: str, *, field: str = "password", user_words=()) -> None:
    if len(password or "") < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        msg = _("Use at least %(n)d characters.", n=MIN_PASSWORD)
        raise ValidationFailed(msg, {field: [msg]})
    if any(w and w.lower() in password.lower() for w in user_words):
        msg = _("Do not use your username or email in the password.")
        raise ValidationFailed(msg, {field: [msg]})
