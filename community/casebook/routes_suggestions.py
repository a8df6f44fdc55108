"""Members' short case suggestions and the editors' queue (suggest, mine, queue, decline, turn
into a case). Handlers validate a form, call one service and redirect or re-render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community import idempotency
from community.casebook import bp, suggestions
from community.casebook.forms import DeclineForm, SuggestionForm
from community.casebook.routes import editor_page
from community.errors import DomainError, PermissionDenied, ValidationFailed
from community.extensions import limiter
from community.forms import apply_errors, status_for
from community.rate_limits import post_limit, user_key


@bp.route("/cases/suggest", methods=["GET", "POST"])
@login_required
@limiter.limit(post_limit, key_func=user_key, exempt_when=lambda: request.method != "POST")
def suggest():
    """The short form: what happened, where, who, a link and a contact."""
    if not current_user.is_confirmed:
        abort(403)
    form = SuggestionForm()
    if form.validate_on_submit():
        if replayed := idempotency.claim():
            return replayed
        data = suggestions.SuggestionInput(
            **{name: form.data.get(name) or "" for name in suggestions.FIELDS}
        )
        try:
            suggestions.suggest(current_user, data)
        except ValidationFailed as err:
            apply_errors(form, err)
        except PermissionDenied as err:
            form.form_errors.append(err.message)
            return render_template("casebook/suggest.html", form=form), 403
        else:
            flash(_("Thank you for the suggestion. The editors will look at it."), "success")
            return idempotency.done(url_for("casebook.my_suggestions"))
    return render_template("casebook/suggest.html", form=form), status_for(form)


@bp.route("/cases/suggestions/mine")
@login_required
def my_suggestions():
    """The member's own suggestions and what became of them."""
    return render_template("casebook/my_suggestions.html", items=suggestions.mine(current_user))


def _queue_page(decline_errors: dict | None = None, typed: dict | None = None, status=200):
    try:
        items = suggestions.queue(current_user)
    except PermissionDenied:
        abort(403)
    return render_template(
        "casebook/suggestions.html",
        items=items,
        pending=sum(1 for s in items if s.is_pending),
        decline_form=DeclineForm(formdata=None),
        decline_errors=decline_errors or {},
        typed=typed or {},
    ), status


@bp.route("/cases/suggestions")
@login_required
def suggestion_queue():
    """The editors' review queue: pending suggestions first."""
    return _queue_page()


def _editor_suggestion(suggestion_id: int):
    try:
        return suggestions.get_for_editor(current_user, suggestion_id)
    except PermissionDenied:
        abort(403)
    except DomainError:
        abort(404)


@bp.route("/cases/suggestions/<int:suggestion_id>/decline", methods=["POST"])
@login_required
def decline_suggestion(suggestion_id: int):
    """Decline with a reason, which the member is told."""
    suggestion = _editor_suggestion(suggestion_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        suggestions.decline(current_user, suggestion, form.reason.data or "")
    except ValidationFailed as err:
        errors = [m for ms in err.fields.values() for m in ms] or [err.message]
        return _queue_page({suggestion.id: errors}, {suggestion.id: form.reason.data}, 422)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("The suggestion is declined and the member is told why."), "info")
    return redirect(url_for("casebook.suggestion_queue"))


@bp.route("/cases/suggestions/<int:suggestion_id>/case", methods=["GET", "POST"])
@login_required
def suggestion_to_case(suggestion_id: int):
    """The case form, prefilled from the suggestion; saving creates the case (a draft or in
    review) and marks the suggestion accepted."""
    suggestion = _editor_suggestion(suggestion_id)
    if not suggestion.is_pending:
        flash(_("This suggestion has already been decided."), "info")
        return redirect(url_for("casebook.suggestion_queue"))
    return editor_page(
        None,
        prefill=suggestions.draft_for(suggestion),
        save=lambda data: suggestions.accept(current_user, suggestion, data),
        suggestion=suggestion,
    )
