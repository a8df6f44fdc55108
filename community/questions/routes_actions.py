"""Acting on a posted question or answer: votes, acceptance, following, editing and its
history, deleting, closing and reopening, pinning, invitations. The pages and posting live in
routes.py; both register on the questions blueprint."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.errors import Conflict, InvalidTransition, ValidationFailed
from community.extensions import limiter
from community.forms import EmptyForm, apply_errors, status_for
from community.inputs import int_arg, page_arg
from community.moderation import services as moderation
from community.questions import bp, revisions, services, suggest
from community.questions.actions import AS_READ, VOTE_STATES
from community.questions.forms import STAGE_HELP, AnswerForm, AskForm, CloseForm
from community.questions.models import CloseReason
from community.questions.routes import fill_ask_choices  # shared with the pages
from community.rate_limits import user_key


def _edit_limit() -> str:
    """Edits are limited as posts are (each keeps a revision), new members more tightly."""
    if current_user.is_authenticated and moderation.trust_level(current_user) == 0:
        return current_app.config["RATELIMIT_POST_NEW"]
    return current_app.config["RATELIMIT_EDIT"]


def _not_post() -> bool:
    return request.method != "POST"


def _vote_response(question_id: int, anchor: str, score: int, value: int):
    if request.accept_mimetypes.best == "application/json":
        state = next(name for name, v in VOTE_STATES.items() if v == value)
        return jsonify({"score": score, "vote": state})
    return redirect(url_for("questions.show", question_id=question_id, _anchor=anchor))


def _vote_value() -> int:
    """The vote the user wants to have: up, none or down (or 1, 0, -1), never "toggle"."""
    raw = request.form.get("value", "")
    value = VOTE_STATES.get(raw, {"1": 1, "0": 0, "-1": -1}.get(raw))
    if value is None:
        abort(400)
    return value


@bp.route("/questions/<int:question_id>/vote", methods=["POST"])
@login_required
def vote_question(question_id: int):
    question = services.get_visible(current_user, question_id)
    value = _vote_value()
    score = services.vote(current_user, question, value)
    return _vote_response(question.id, "question", score, value)


@bp.route("/answers/<int:answer_id>/vote", methods=["POST"])
@login_required
def vote_answer(answer_id: int):
    answer = services.get_answer(current_user, answer_id)
    value = _vote_value()
    score = services.vote(current_user, answer, value)
    return _vote_response(answer.question_id, f"answer-{answer.id}", score, value)


@bp.route("/questions/<int:question_id>/accept", methods=["POST"])
@login_required
def accept(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    answer_id = int_arg(request.form, "answer_id")
    answer = services.get_answer(current_user, answer_id) if answer_id else None
    # The page says which answer it showed as accepted, so that a choice made meanwhile in
    # another tab is not silently replaced.
    seen = (
        request.form.get("accepted_id", type=int) or None
        if "accepted_id" in request.form
        else AS_READ
    )
    services.accept(current_user, question, answer, seen)
    flash(_("Marked as the accepted answer.") if answer else _("Acceptance withdrawn."), "success")
    return redirect(
        url_for("questions.show", question_id=question.id, _anchor=f"answer-{answer_id or ''}")
    )


@bp.route("/questions/<int:question_id>/follow", methods=["POST"])
@login_required
def follow(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.is_following(current_user, question):
        services.unfollow(current_user, question)
        flash(_("You no longer follow this question."), "info")
    else:
        services.follow(current_user, question)
        flash(_("You follow this question."), "success")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_edit_limit, key_func=user_key, exempt_when=_not_post)
def edit(question_id: int):
    question = services.get_visible(current_user, question_id)
    if question.author_id != current_user.id:
        abort(403)
    form = AskForm()
    fill_ask_choices(form)
    if request.method == "GET":
        form.title.data, form.body.data = question.title, question.body_md
        form.field.data = question.field_code or ""
        form.topics.data = [t.code for t in question.topics]
        form.tags.data = " ".join(t.label for t in question.tags)
        form.stage.data = str(question.stage or "")
    elif form.validate_on_submit():
        try:
            services.edit_question(current_user, question, form.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Your question is updated."), "success")
            return redirect(url_for("questions.show", question_id=question.id))
    return render_template(
        "questions/ask.html", form=form, stage_help=STAGE_HELP, question=question
    ), status_for(form)


@bp.route("/answers/<int:answer_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_edit_limit, key_func=user_key, exempt_when=_not_post)
def edit_answer(answer_id: int):
    answer = services.get_answer(current_user, answer_id)
    if answer.author_id != current_user.id:
        abort(403)
    form = AnswerForm()
    if request.method == "GET":
        form.body.data = answer.body_md
    elif form.validate_on_submit():
        try:
            services.edit_answer(current_user, answer, form.body.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Your answer is updated."), "success")
            return redirect(
                url_for(
                    "questions.show", question_id=answer.question_id, _anchor=f"answer-{answer.id}"
                )
            )
    return render_template("questions/edit_answer.html", form=form, answer=answer), status_for(form)


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def delete(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_question(current_user, question)
    flash(_("Your question is deleted."), "info")
    return redirect(url_for("questions.index"))


@bp.route("/questions/<int:question_id>/close", methods=["POST"])
@login_required
def close(question_id: int):
    question = services.get_visible(current_user, question_id)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.close(
            current_user, question, CloseReason(form.reason.data), form.duplicate_of.data
        )
    except ValidationFailed as err:
        flash(err.message, "error")
    else:
        flash(_("The question is closed."), "info")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/questions/<int:question_id>/reopen", methods=["POST"])
@login_required
def reopen(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.reopen(current_user, question)
    flash(_("The question is open again."), "info")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/questions/<int:question_id>/pin", methods=["POST"])
@login_required
def pin(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.set_pinned(current_user, question, not question.pinned)
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/questions/<int:question_id>/invite", methods=["POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key)
def invite(question_id: int):
    question = services.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        suggest.invite(current_user, question, request.form.get("username", ""))
    except InvalidTransition:
        raise  # answered or closed: a 409 page, not a note
    except Conflict as err:
        flash(err.message, "info")
    else:
        flash(_("Invitation sent."), "success")
    return redirect(url_for("questions.show", question_id=question.id, _anchor="could-answer"))


@bp.route("/questions/<int:question_id>/history")
def history(question_id: int):
    question = services.get_visible(current_user, question_id)
    return render_template(
        "questions/history.html",
        post=question,
        question=question,
        history=revisions.history(question_id=question.id, page=page_arg()),
    )


@bp.route("/answers/<int:answer_id>/history")
def answer_history(answer_id: int):
    answer = services.get_answer(current_user, answer_id)
    return render_template(
        "questions/history.html",
        post=answer,
        question=answer.question,
        history=revisions.history(answer_id=answer.id, page=page_arg()),
    )
