"""Language and time zone selection (Japanese first, English second)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
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


def _translations():
    """This context's translations, looked up once per locale rather than once per string:
    Flask-Babel finds the domain, the locale and the catalogue again on every call, which on a
    question page is a few hundred lookups. Keyed by the locale object, so `force_locale` (mail in
    the recipient's language) gets its own catalogue and the page's comes back after it."""
    locale = get_locale()
    cached = g.get("_translations")
    if cached is None or cached[0] is not locale:
        cached = g._translations = (locale, get_translations())
    return cached[1]


def install_fast_gettext(app: Flask) -> None:
    """Templates' `_`, `gettext` and `ngettext` through `_translations` (same results)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
