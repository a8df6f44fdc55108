"""Language and time zone selection (Japanese first, English second)."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "lang"


def supported(lang: str | None) -> str | None:
    """Return lang when the app offers it, else None."""
    return lang if lang in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The signed-in user's choice, then the browser's remembered choice, then Japanese."""
    if not has_request_context():  # CLI, mail sent by cron
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and supported(current_user.locale):
        return current_user.locale
    return supported(request.cookies.get(LANG_COOKIE)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Tokyo"
