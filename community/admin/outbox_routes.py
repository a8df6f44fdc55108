"""Admin page for mail that could not be delivered: /admin/mail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.admin import bp, outbox
from community.admin.routes import admin_required
from community.errors import DomainError
from community.extensions import db
from community.forms import EmptyForm
from community.inputs import page_arg


@bp.route("/mail")
@admin_required
def mail():
    """Mail that needs attention: failed, or waiting too long."""
    pagination = db.paginate(
        outbox.attention_query(), page=page_arg(), per_page=50, error_out=False
    )
    return render_template("admin/mail.html", pagination=pagination)


@bp.route("/mail/<int:mail_id>/retry", methods=["POST"])
@admin_required
def retry_mail(mail_id: int):
    """Queue a failed or waiting mail again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        row = outbox.retry(current_user, mail_id)
    except DomainError as err:
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
        return redirect(url_for("admin.mail")), 303
    flash(_("The mail to %(to)s will be sent again shortly.", to=row.recipient), "success")
    return redirect(url_for("admin.mail"))
