"""Site-wide pages."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user

from community import policy
from community.auth.services import set_locale
from community.core import bp, onboarding, stats
from community.core.readiness import check_all
from community.extensions import csrf
from community.forms import EmptyForm
from community.i18n import LANG_COOKIE, supported
from community.office_hours.services import bookings_for
from community.profiles.services import DirectoryFilters, search_directory
from community.questions.home import home_feeds
from community.urls import safe_next


@bp.route("/")
def home():
    """The home page: newcomers, my feeds, figures, featured cases, my next office hours."""
    newest = search_directory(current_user, DirectoryFilters(), page=1, per_page=6).items
    feeds = home_feeds(current_user)
    figures = stats.network_figures(current_user)
    checklist = None
    if onboarding.show_on_home(current_user):
        checklist = onboarding.checklist(current_user)
        if checklist.complete:
            checklist = None
    return render_template(
        "core/home.html",
        newest=newest,
        stats=figures,
        feeds=feeds,
        featured=stats.featured_cases(),
        upcoming=bookings_for(current_user)[0][:3] if policy.is_signed_in(current_user) else [],
        checklist=checklist,
        # Only with the checklist: a form's token would give every visitor a session cookie.
        dismiss_form=EmptyForm() if checklist else None,
    )


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """Liveness: the process answers. No I/O, so a database or Redis outage never fails it."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
@csrf.exempt
def readyz():
    """Readiness: the database (and Redis when configured) answer within about a second; the
    mail queue's depth is reported beside them."""
    checks, figures = check_all(current_app._get_current_object())
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "error", **checks, **figures}
    return jsonify(body), 200 if ready else 503


# Sec-Fetch-Site values of a request a page of this site sent (or the user typed).
OWN_FETCH_SITES = frozenset({"same-origin", "none"})


@bp.route("/lang", methods=["POST"])
@csrf.exempt  # checked below: the token for a member, the browser's fetch metadata for a visitor
def switch_language():
    """Remember the chosen language in a cookie (and on the account when signed in).

    A visitor's form carries no CSRF token: a token would need a session, and the session
    cookie would then be written on every page a visitor reads (and make it uncacheable) for
    this one form. Changing a member's account still takes the token. For a visitor, what a
    forged request could do is set the language cookie; browsers that say where a request comes
    from (Sec-Fetch-Site) have other sites' requests refused."""
    lang = supported(request.form.get("lang"))
    if lang is None:
        return redirect(safe_next())
    if policy.is_signed_in(current_user):
        if current_app.config.get("WTF_CSRF_ENABLED", True):  # as the global check does
            csrf.protect()  # 400 without the token, as every other form
        set_locale(current_user, lang)
    elif request.headers.get("Sec-Fetch-Site", "none") not in OWN_FETCH_SITES:
        return redirect(safe_next())
    response = make_response(redirect(safe_next()))
    response.set_cookie(
        LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True
    )
    return response
