"""Account pages. Each handler validates a form, calls one service and answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import HTTPException

from community.auth import bp, credentials, services
from community.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from community.auth.validation import narrow
from community.errors import ValidationFailed
from community.extensions import limiter
from community.forms import EmptyForm, apply_errors, status_for
from community.i18n import select_locale
from community.urls import safe_next


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _mail_limit() -> str:
    return current_app.config["RATELIMIT_MAIL"]


def _login_identifier_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_IDENTIFIER"]


def _register_identifier_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER_IDENTIFIER"]


def _typed(field: str) -> Callable[[], str]:
    """Rate-limit key: the email or username typed, so many clients share one budget for it."""

    def key() -> str:
        from flask import request

        typed = narrow(request.form.get(field) or "").lower()
        # A digest: the limit store need not hold people's addresses.
        return f"{field}:{hashlib.sha256(typed.encode()).hexdigest()}"

    return key


def _post_only() -> bool:
    from flask import request

    return request.method != "POST"


def _nothing_typed(field: str) -> Callable[[], bool]:
    """Exempt reading the page, and a form without the field (it is refused anyway)."""

    def exempt() -> bool:
        from flask import request

        if _post_only():
            return True
        try:
            return not (request.form.get(field) or "").strip()
        except HTTPException:
            # A body too large to read: the view answers with the same error (413). Raised
            # here, the limiter would take it for a failing store and switch to memory.
            return True

    return exempt


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, exempt_when=_post_only)
@limiter.limit(
    _register_identifier_limit, key_func=_typed("email"), exempt_when=_nothing_typed("email")
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(
                email=form.email.data,
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                locale=select_locale(),
            )
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            # Same page whether or not the address had an account (no enumeration).
            return render_template("auth/check_mail.html", email=form.email.data.strip())
    return render_template("auth/register.html", form=form), status_for(form)


@bp.route("/auth/confirm/<token>")
def confirm(token: str):
    user = services.confirm_email(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 400
    flash(_("Thank you. Your email address is confirmed."), "success")
    # A new member lands on the getting-started checklist (community/core/onboarding.py).
    if current_user.is_authenticated:
        return redirect(url_for("core.welcome"))
    return redirect(url_for("auth.login", next=url_for("core.welcome")))


@bp.route("/auth/confirm/resend", methods=["POST"])
@login_required
@limiter.limit(_mail_limit)
def resend_confirmation():
    form = EmptyForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(current_user)
        email = current_user.email
        flash(_("A new confirmation link to %(email)s is queued for sending.", email=email), "info")
    return redirect(safe_next())


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, exempt_when=_post_only)
@limiter.limit(
    _login_identifier_limit, key_func=_typed("identifier"), exempt_when=_nothing_typed("identifier")
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = credentials.authenticate(form.identifier.data, form.password.data)
        except services.LoginLocked as err:
            form.form_errors.append(err.message)
            return render_template("auth/login.html", form=form), err.status
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next())
        form.form_errors.append(_("The email/username or password is not correct."))
    return render_template("auth/login.html", form=form), status_for(form)


@bp.route("/auth/logout", methods=["GET", "POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "info")
        return redirect(url_for("core.home"))
    # GET only asks: logging out by a plain link would let other sites log people out.
    return render_template("auth/logout.html", form=form)


@bp.route("/auth/reset", methods=["GET", "POST"])
@limiter.limit(_mail_limit, exempt_when=_post_only)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        credentials.request_password_reset(form.identifier.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form), status_for(form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if credentials.user_for_reset_token(token) is None:
        return render_template("auth/link_invalid.html"), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            credentials.reset_password(token, form.password.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            logout_user()
            flash(_("Your password is changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), status_for(form)


@bp.route("/settings/account", methods=["GET"])
@login_required
def account():
    return render_template(
        "auth/account.html", password_form=ChangePasswordForm(), email_form=ChangeEmailForm()
    )


@bp.route("/settings/account/password", methods=["POST"])
@login_required
@limiter.limit(_login_limit)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            # The token rotated; log this browser in again under the new one.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices were logged out."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", password_form=form, email_form=ChangeEmailForm()
    ), 422


@bp.route("/settings/account/email", methods=["POST"])
@login_required
@limiter.limit(_mail_limit)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            credentials.request_email_change(current_user, form.password.data, form.email.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(
                _("We sent a link to the new address. Your email changes when you follow it."),
                "info",
            )
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", password_form=ChangePasswordForm(), email_form=form
    ), 422


@bp.route("/auth/email/<token>")
def confirm_email_change(token: str):
    user = credentials.confirm_email_change(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 400
    logout_user()
    flash(_("Your email address is changed. Please log in again."), "success")
    return redirect(url_for("auth.login"))
