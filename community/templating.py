"""What templates may ask, registered in one place: permission tests backed by community.policy,
the current page's nav link, and the helpers every page uses.

Templates name a rule instead of spelling it out: `{% if current_user is signed_in %}`,
`is admin`, `is editor` (administrators too), `is adviser`; a nav link is marked with
`{{ current_page("circles") }}`. Features add their own labels in their blueprint's
context processor."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from community import policy
from community.fragments import one_time_key, personal
from community.notifications.services import unread_count
from community.sitesettings import demo_banner_on
from community.urls import url_self

PERMISSION_TESTS = {
    "signed_in": policy.is_signed_in,
    "admin": policy.is_admin,
    "editor": policy.is_editor,
    "adviser": policy.is_adviser,
}
CURRENT = Markup('aria-current="page"')


def current_page(*places: str, unless: str | None = None) -> Markup:
    """`aria-current="page"` when this request is for one of `places` (a blueprint such as
    "circles", or an endpoint such as "profiles.directory") and not for the endpoint `unless`."""
    if request.endpoint == unless:
        return Markup("")
    for place in places:
        if place == request.endpoint or place == request.blueprint:
            return CURRENT
    return Markup("")


def register(app: Flask) -> None:
    """Add the permission tests, the nav helper and the per-page helpers to Jinja."""
    app.jinja_env.tests.update(PERMISSION_TESTS)
    app.add_template_global(current_page)
    app.add_template_global(url_self)
    # One-time tokens in hand-written forms (a placeholder inside a cached fragment).
    app.add_template_global(one_time_key, "idempotency_key")
    # The reader's own parts of base.html, or placeholders in a page cached for many readers.
    app.add_template_global(personal)

    @app.context_processor
    def page_helpers():
        return {
            "current_locale": lambda: str(get_locale() or "ja"),
            "unread_count": lambda: unread_count(current_user),
            "demo_banner": demo_banner_on,
        }
