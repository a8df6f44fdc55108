"""Site-wide pages."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from community import policy
from community.auth.models import Role, User
from community.auth.services import set_locale
from community.core import bp, onboarding
from community.extensions import csrf, db
from community.forms import EmptyForm
from community.i18n import LANG_COOKIE, supported
from community.profiles.models import Profile
from community.profiles.services import DirectoryFilters, search_directory
from community.urls import safe_next


@bp.route("/")
def home():
    from community.questions.home import home_feeds

    newest = search_directory(current_user, DirectoryFilters(), page=1, per_page=6).items
    feeds = home_feeds(current_user)
    people = (
        select(func.count())
        .select_from(User)
        .join(Profile)
        .where(User.deleted_at.is_(None), policy.visible_profiles_clause(current_user))
    )
    stats = {
        "people": db.session.scalar(people),
        "advisers": db.session.scalar(people.where(User.role == Role.ADVISER)),
        "prefectures": db.session.scalar(
            select(func.count(func.distinct(Profile.prefecture_code)))
            .select_from(User)
            .join(Profile)
            .where(User.deleted_at.is_(None))
        ),
    }
    checklist = None
    if onboarding.show_on_home(current_user):
        checklist = onboarding.checklist(current_user)
        if checklist.complete:
            checklist = None
    return render_template(
        "core/home.html",
        newest=newest,
        stats=stats,
        feeds=feeds,
        featured=_featured_cases(),
        upcoming=_upcoming_bookings(),
        checklist=checklist,
        dismiss_form=EmptyForm(),
    )


def _featured_cases(limit: int = 3):
    from community.casebook.models import Case, CaseStatus

    return list(
        db.session.scalars(
            select(Case)
            .where(Case.status == CaseStatus.PUBLISHED)
            .order_by(Case.is_new.desc(), Case.published_at.desc())
            .limit(limit)
        )
    )


def _upcoming_bookings(limit: int = 3):
    if not current_user.is_authenticated:
        return []
    from community.office_hours.services import bookings_for

    return bookings_for(current_user)[0][:limit]


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
    from community.core.readiness import check_all

    checks, figures = check_all(current_app._get_current_object())
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "error", **checks, **figures}
    return jsonify(body), 200 if ready else 503


@bp.route("/lang", methods=["POST"])
def switch_language():
    form = EmptyForm()
    lang = supported(request.form.get("lang"))
    if not form.validate_on_submit() or lang is None:
        return redirect(safe_next())
    if current_user.is_authenticated:
        set_locale(current_user, lang)
    response = make_response(redirect(safe_next()))
    response.set_cookie(
        LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True
    )
    return response
