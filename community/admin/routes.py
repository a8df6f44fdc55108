"""Admin pages: the user list, roles, verification, verified domains."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from community import policy
from community.admin import bp, services
from community.admin.forms import DomainForm, RoleForm, VerificationForm
from community.auth import services as auth_services
from community.auth.models import Role, User, VerifiedDomain
from community.errors import ValidationFailed
from community.extensions import db
from community.forms import EmptyForm, apply_errors
from community.inputs import page_arg


def admin_required(view):
    """Hide admin pages from everyone else (the services check again)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not policy.is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/users")
@admin_required
def users():
    """The account list with search, roles and staff verification."""
    q = request.args.get("q", "")
    pagination = db.paginate(
        services.user_list_query(q),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "admin/users.html",
        pagination=pagination,
        q=q,
        role_form=RoleForm(),
        verification_form=VerificationForm(),
    )


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id: int):
    """Give an account another role."""
    user = _target(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        auth_services.set_role(current_user, user, Role(form.role.data))
    except ValidationFailed as err:
        flash(err.message, "error")
        return redirect(url_for("admin.users"))
    flash(
        _(
            "%(name)s is now: %(role)s.",
            name=user.display_name,
            role=dict(form.role.choices)[form.role.data],
        ),
        "success",
    )
    return redirect(request.referrer or url_for("admin.users"))


@bp.route("/users/<int:user_id>/verification", methods=["POST"])
@admin_required
def change_verification(user_id: int):
    """Mark an account as verified staff, or not."""
    user = _target(user_id)
    form = VerificationForm()
    if not form.validate_on_submit():
        abort(400)
    value = {"auto": None, "yes": True, "no": False}[form.verified.data]
    auth_services.set_verified(current_user, user, value)
    flash(_("Verification of %(name)s is updated.", name=user.display_name), "success")
    return redirect(request.referrer or url_for("admin.users"))


@bp.route("/domains", methods=["GET", "POST"])
@admin_required
def domains():
    """The staff email domains: list them and add one."""
    form = DomainForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_domain(current_user, form.domain.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Domain added; accounts were checked again."), "success")
            return redirect(url_for("admin.domains"))
    if form.is_submitted() and form.errors:
        status = 422
    rows = list(db.session.scalars(select(VerifiedDomain).order_by(VerifiedDomain.domain)))
    return render_template(
        "admin/domains.html", form=form, rows=rows, delete_form=EmptyForm()
    ), status


@bp.route("/domains/<int:domain_id>/delete", methods=["POST"])
@admin_required
def delete_domain(domain_id: int):
    """Remove a staff email domain."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.remove_domain(current_user, domain_id)
    except ValidationFailed:
        abort(404)
    flash(_("Domain removed; accounts were checked again."), "success")
    return redirect(url_for("admin.domains"))
