"""/settings/tokens: create (shown once), list and revoke personal access tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.errors import ValidationFailed
from community.forms import EmptyForm, apply_errors, status_for
from community.tokens import bp, services
from community.tokens.forms import CreateTokenForm


def _page(form: CreateTokenForm, new_token: str | None = None, status: int = 200):
    html = render_template(
        "settings/tokens.html",
        form=form,
        button=EmptyForm(),
        tokens=services.active_for(current_user),
        new_token=new_token,
    )
    # The page that shows a token must not stay in any cache.
    return html, status, {"Cache-Control": "no-store"}


@bp.route("/settings/tokens", methods=["GET"])
@login_required
def index():
    return _page(CreateTokenForm())


@bp.route("/settings/tokens", methods=["POST"])
@login_required
def create():
    form = CreateTokenForm()
    if form.validate_on_submit():
        try:
            _token, text = services.create(current_user, form.name.data, form.scope.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            # Rendered, not redirected: the token is never put into the session or a URL.
            return _page(CreateTokenForm(formdata=None), new_token=text)
    return _page(form, status=status_for(form))


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        return _page(CreateTokenForm(), status=400)
    token = services.revoke(current_user, token_id)
    flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
