"""Checking what people type into account forms: addresses, usernames, passwords."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from community.errors import ValidationFailed

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,30}$")
RESERVED_USERNAMES = {"admin", "root", "system", "deleted", "kakehashi", "moderator", "support"}
MIN_PASSWORD = 10
MAX_PASSWORD = 200


def narrow(value):
    """NFKC and trimmed: what a Japanese IME types with full-width input on
    (ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ, an ideographic space) becomes the ASCII
    the person meant. For addresses, usernames and login names only: never for
    passwords, which must stay exactly as typed."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFKC", value).strip()


def normalise_email(value: str) -> str:
    """Validate syntax (no DNS lookups) and return the lower-cased address."""
    try:
        result = validate_email(narrow(value or ""), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.for_field("email", _("Enter a valid email address.")) from exc
    return result.normalized.lower()


def check_username(value: str) -> str:
    username = narrow(value or "").lower()
    if not USERNAME_RE.match(username):
        msg = _("Use 3–30 characters: lower-case letters, digits and _.")
        raise ValidationFailed.for_field("username", msg)
    if username in RESERVED_USERNAMES or username.startswith("deleted"):
        msg = _("That username is reserved.")
        raise ValidationFailed.for_field("username", msg)
    return username


# The most guessed passwords and the words people build them from (with digits or symbols
# added at the end: "password123!"), plus this site's own name.
COMMON_PASSWORD_WORDS = {
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwertyuiop", "iloveyou",
    "welcome", "letmein", "admin", "administrator", "sunshine", "princess", "football",
    "baseball", "dragon", "monkey", "master", "abc", "abcd", "abcdef", "superman", "starwars",
    "trustno1", "kakehashi", "nippon", "japan", "tokyo", "sakura", "doraemon", "pokemon",
}  # fmt: skip
# Keyboard rows and the digit row: "asdfghjkl" or "0987654321" are guessed as easily.
_RUNS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")
_TRAILING = re.compile(r"[\d\W_]+$")


def _is_run(text: str) -> bool:
    return any(text in row or text in row[::-1] for row in _RUNS)


def password_problem(password: str, user_words=()) -> str | None:
    """What is wrong with a new password, said specifically (the hint under the field
    already gives the rule), or None when it will do."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return _(
            "Too short: %(missing)d more characters needed (at least %(n)d).",
            missing=MIN_PASSWORD - len(password),
            n=MIN_PASSWORD,
        )
    if len(password) > MAX_PASSWORD:
        return _(
            "Too long: %(count)d characters; the most is %(n)d.",
            count=len(password),
            n=MAX_PASSWORD,
        )
    lowered = password.lower()
    for word in user_words:
        if word and len(word) >= 3 and word.lower() in lowered:
            return _("The password contains your username or email address (%(word)s).", word=word)
    if len(set(lowered)) <= 2 or _is_run(lowered):
        return _(
            "A repeated character or a simple run such as 1234 or qwerty is easy to guess;"
            " choose another."
        )
    core = _TRAILING.sub("", lowered)
    if not core:
        return _("Only digits and symbols are easy to guess; add some letters.")
    if lowered in COMMON_PASSWORD_WORDS or core in COMMON_PASSWORD_WORDS:
        return _("This is one of the most common passwords and easy to guess; choose another.")
    return None


def check_password_strength(password: str, *, field: str = "password", user_words=()) -> None:
    """Raise ValidationFailed with a specific message when the password will not do."""
    msg = password_problem(password, user_words)
    if msg:
        raise ValidationFailed.for_field(field, msg)
