"""Getting started: the onboarding checklist, and the about, terms, privacy and contact pages."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from community import policy
from community.core import bp, onboarding
from community.forms import EmptyForm

# Long prose lives in one template per language (core/pages/<name>.<lang>.html) rather than in
# dozens of gettext strings; Japanese, the default, is the fallback.
STATIC_PAGES = ("about", "terms", "privacy", "contact")


@bp.before_app_request
def _remember_casebook_visit():
    # Only casebook pages load the user here: /healthz and the rest must not touch the database.
    if request.blueprint == "casebook":
        onboarding.note_casebook_visit(request.blueprint, policy.is_signed_in(current_user))


def _page(name: str):
    lang = getattr(get_locale(), "language", "ja")
    config = current_app.config
    return render_template(
        [f"core/pages/{name}.{lang}.html", f"core/pages/{name}.ja.html"],
        page=name,
        operator=config.get("OPERATOR_NAME", ""),
        contact_email=config.get("CONTACT_EMAIL", ""),
    )


@bp.route("/about")
def about():
    """About Kakehashi."""
    return _page("about")


@bp.route("/terms")
def terms():
    """Terms of use."""
    return _page("terms")


@bp.route("/privacy")
def privacy():
    """Privacy policy."""
    return _page("privacy")


@bp.route("/contact")
def contact():
    """How to contact the operator."""
    return _page("contact")


@bp.route("/welcome")
@login_required
def welcome():
    """「はじめに」: what to do next, worked out from what the member has done."""
    return render_template(
        "core/welcome.html", checklist=onboarding.checklist(current_user), form=EmptyForm()
    )


@bp.route("/welcome/dismiss", methods=["POST"])
@login_required
def welcome_dismiss():
    """Hide the getting-started checklist from the home page."""
    if EmptyForm().validate_on_submit():
        if request.form.get("show") == "1":
            onboarding.restore(current_user)
            return redirect(url_for("core.home"))
        onboarding.dismiss(current_user)
    return redirect(url_for("core.home"))
