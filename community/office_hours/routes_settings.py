"""Adviser settings pages: profile and booking policy, weekly hours and date exceptions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from community.auth.models import Role
from community.errors import ValidationFailed
from community.extensions import db
from community.forms import EmptyForm, apply_errors
from community.office_hours import bp, services
from community.office_hours.forms import ExceptionForm, RuleForm, SettingsForm
from community.office_hours.models import AvailabilityException, AvailabilityRule
from community.reference import choices


def _require_adviser():
    if not current_user.is_authenticated or current_user.role != Role.ADVISER:
        abort(403)


def _settings_page(form=None, rule_form=None, exception_form=None):
    """The settings page; a form with errors makes it answer 422."""
    s = services.settings_for(current_user)
    if form is None:
        form = SettingsForm(obj=s)
        form.intro.data = s.intro_md
    form.regions.choices = [(p.code, p.name) for p in choices.all_reference().prefectures]
    rules = list(
        db.session.scalars(
            select(AvailabilityRule)
            .where(AvailabilityRule.adviser_id == current_user.id)
            .order_by(AvailabilityRule.weekday, AvailabilityRule.start_time)
        )
    )
    exceptions = list(
        db.session.scalars(
            select(AvailabilityException)
            .where(AvailabilityException.adviser_id == current_user.id)
            .order_by(AvailabilityException.day)
        )
    )
    forms = [f for f in (form, rule_form, exception_form) if f is not None]
    status = 422 if any(f.errors or f.form_errors for f in forms) else 200
    return render_template(
        "office_hours/settings.html",
        form=form,
        rules=rules,
        exceptions=exceptions,
        rule_form=rule_form or RuleForm(formdata=None),
        exception_form=exception_form or ExceptionForm(formdata=None),
        button=EmptyForm(),
    ), status


@bp.route("/office-hours/settings", methods=["GET", "POST"])
@login_required
def settings():
    _require_adviser()
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    form.regions.choices = [(p.code, p.name) for p in choices.all_reference().prefectures]
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, form.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("office_hours.settings"))
    return _settings_page(form=form)


def _add_availability(form, add, message: str, **page_forms):
    """Validate `form`, call the service `add(form)`, and answer like every other form."""
    _require_adviser()
    if form.validate_on_submit():
        try:
            add(form)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(message, "success")
            return redirect(url_for("office_hours.settings"))
    return _settings_page(**page_forms)


@bp.route("/office-hours/settings/rules", methods=["POST"])
@login_required
def add_rule():
    form = RuleForm()
    return _add_availability(
        form,
        lambda f: services.add_rule(
            current_user,
            int(f.weekday.data),
            f.start_time.data,
            f.end_time.data,
            f.slot_minutes.data,
            f.mode.data,
        ),
        _("Weekly hours added."),
        rule_form=form,
    )


@bp.route("/office-hours/settings/exceptions", methods=["POST"])
@login_required
def add_exception():
    form = ExceptionForm()
    return _add_availability(
        form,
        lambda f: services.add_exception(
            current_user,
            f.day.data,
            f.kind.data,
            f.start_time.data,
            f.end_time.data,
            f.slot_minutes.data,
            f.mode.data,
        ),
        _("Date exception added."),
        exception_form=form,
    )


@bp.route("/office-hours/settings/<kind>/<int:row_id>/delete", methods=["POST"])
@login_required
def delete_availability(kind: str, row_id: int):
    _require_adviser()
    if not EmptyForm().validate_on_submit() or kind not in ("rules", "exceptions"):
        abort(400)
    model = AvailabilityRule if kind == "rules" else AvailabilityException
    services.delete_availability(current_user, model, row_id)
    flash(_("Removed."), "info")
    return redirect(url_for("office_hours.settings"))
