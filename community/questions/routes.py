"""Q&A pages. Handlers validate a form, call one service and redirect or re-render."""

from __future__ import annotations

import hashlib

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community import fragments, idempotency
from community.circles import services as circles
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import db, limiter
from community.forms import EmptyForm, apply_errors, status_for
from community.inputs import int_arg, page_arg
from community.notifications import services as notifications
from community.questions import (
    bp,
    member_pages,
    page,
    page_cache,
    services,
    suggest,
    thread_html,
)
from community.questions.forms import STAGE_HELP, AnswerForm, AskForm, CloseForm, CommentForm
from community.questions.models import Comment
from community.rate_limits import post_limit, user_key
from community.reference import choices


def _viewer_key() -> str:
    if current_user.is_authenticated:
        return f"u:{current_user.id}"
    raw = f"{request.remote_addr}|{request.user_agent.string}"
    return "a:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


@bp.route("/questions/")
def index():
    return render_template("questions/index.html", **services.list_page(current_user, request.args))


def fill_ask_choices(form: AskForm) -> None:
    """The ask and edit forms' choices: the viewer's circles, fields and topics."""
    ref = choices.all_reference()
    form.circle.choices = [("", _("The open square (everyone)"))] + [
        (c.slug, c.name) for c in circles.my_circles(current_user)
    ]
    form.field.choices = [("", _("Not set"))] + [(f.code, f.name) for f in ref.fields]
    form.topics.choices = [(t.code, t.name) for t in ref.topics]


@bp.route("/questions/ask", methods=["GET", "POST"])
@login_required
@limiter.limit(post_limit, key_func=user_key, exempt_when=lambda: request.method != "POST")
def ask():
    form = AskForm()
    fill_ask_choices(form)
    if request.method == "GET":
        form.circle.data = request.args.get("circle", "")
        kept = current_user.profile.problem_stage if current_user.profile else None
        form.stage.data = request.args.get("stage") or (str(kept) if kept else "")
    if form.validate_on_submit():
        if replayed := idempotency.claim():
            return replayed
        try:
            question = services.ask(current_user, form.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        except PermissionDenied as err:
            # Refused (a suspension, say): the form comes back with the typed text and the
            # reason, as Discourse keeps the composer open; a bare 403 page would lose the text.
            form.form_errors.append(err.message)
            return render_template(
                "questions/ask.html", form=form, stage_help=STAGE_HELP, refused=True
            ), 403
        else:
            _flash_posted(question, _("Your question is posted. You will find answers here."))
            return idempotency.done(url_for("questions.show", question_id=question.id))
    return render_template("questions/ask.html", form=form, stage_help=STAGE_HELP), status_for(form)


def _flash_posted(post, message: str | None) -> None:
    """A held post says so at once, rather than seeming to be published."""
    if post.hidden_reason == "held":
        flash(
            _(
                "Your post is waiting for a moderator's review because it contains an outside "
                "link; others will see it once it is approved."
            ),
            "warning",
        )
    elif message:
        flash(message, "success")


def _load(question_id: int) -> page.QuestionPage:
    args = request.args
    return page.load(
        current_user,
        question_id,
        page_number=page_arg(),
        sort=args.get("sort", "votes"),
        answer_id=int_arg(args, "answer"),
        comment_id=int_arg(args, "comment"),
        expand=args.get("expand", ""),
    )


def _page_html(data: page.QuestionPage, answer_form=None, comment_form=None, **extra) -> str:
    """The question page's HTML, placeholders for the token and one-time keys left in."""
    helpers = []
    if (
        data.question.answer_count == 0
        and not data.question.is_closed
        and current_user.is_authenticated
    ):
        helpers = suggest.candidates(current_user, data.question)
    comment_form = comment_form or CommentForm()
    button = EmptyForm()
    answers = thread_html.answers_html(
        data, current_user, {"button": button, "comment_form": comment_form}
    )
    return render_template(
        "questions/show.html",
        helpers=helpers,
        p=data,
        q=data.question,
        answers_html=answers,
        answer_form=answer_form or AnswerForm(),
        comment_form=comment_form,
        close_form=CloseForm(),
        button=button,
        **extra,
    )


def _render_question(question_id: int, answer_form=None, comment_form=None, status=200):
    data = _load(question_id)
    if status == 200 and request.method == "GET":
        services.record_view(data.question, _viewer_key())
        # Reading the question reads its notifications; the header's bell, rendered below,
        # already counts without them.
        notifications.mark_question_read(current_user, data.question.id)
    html = _page_html(data, answer_form, comment_form)
    return fragments.personalise(html), status


def _visitor_page(question, viewed_today: bool):
    """A visitor's page from the cache of pages by question version (questions/page_cache.py)."""
    key = page_cache.key(question, thread_html.templates_version())
    html = page_cache.get(key)
    if html is None:
        data = _load(question.id)
        with fragments.placeholders():
            html = _page_html(data, views_placeholder=page_cache.VIEWS_PLACEHOLDER)
        page_cache.put(key, html)
    if not viewed_today:
        services.record_view(question, _viewer_key())
    return page_cache.fill(html, question.view_count)


def _reader_page(stamped: member_pages.Stamp):
    """A signed-in reader's page from the cache of pages by question version and reader class
    (questions/member_pages.py); their own parts of the page are rendered per response."""
    question, reader = stamped.question, stamped.reader
    key = page_cache.key(question, thread_html.templates_version(), reader.key())
    html = page_cache.get(key)
    if html is None:
        data = _load(question.id)
        with fragments.placeholders(), fragments.personal_placeholders():
            html = _page_html(data, views_placeholder=page_cache.VIEWS_PLACEHOLDER)
        if member_pages.fits(data, reader):
            page_cache.put(key, html)
    if not stamped.viewed_today:
        services.record_view(question, _viewer_key())
    if stamped.unread_here:
        notifications.mark_question_read(current_user, question.id)
    return fragments.fill_personal(page_cache.fill(html, question.view_count))


@bp.route("/questions/<int:question_id>")
def show(question_id: int):
    if page_cache.cacheable():
        viewer_key = _viewer_key()
        if not current_user.is_authenticated:
            page_cache.read_without_transaction()
            if stamped := page_cache.stamp(question_id, viewer_key):
                return _visitor_page(*stamped)
        elif stamped := member_pages.stamp(current_user, question_id, viewer_key):
            return _reader_page(stamped)
    return _render_question(question_id)


@bp.route("/answers/<int:answer_id>")
def answer_link(answer_id: int):
    """An answer's permanent address: its question's page that holds it."""
    answer = services.get_answer(current_user, answer_id)
    return redirect(
        url_for(
            "questions.show",
            question_id=answer.question_id,
            answer=answer.id,
            _anchor=f"answer-{answer.id}",
        )
    )


@bp.route("/questions/<int:question_id>/answers/<int:answer_id>/fragment")
def answer_fragment(question_id: int, answer_id: int):
    """One answer as HTML, for the live page (the viewer's own permissions apply)."""
    data = page.load(current_user, question_id, answer_id=answer_id)
    # The answer is on the loaded page only if the viewer may see it; load that one alone.
    if answer_id not in {r.id for r in data.answer_refs}:
        abort(404)
    data.load_answers([answer_id])
    answer = data.loaded[answer_id]
    return render_template(
        "questions/_answer.html",
        a=answer,
        q=data.question,
        p=data,
        button=EmptyForm(),
        comment_form=CommentForm(),
    )


@bp.route("/questions/<int:question_id>/comments/<int:comment_id>/fragment")
def comment_fragment(question_id: int, comment_id: int):
    data = page.load(current_user, question_id, comment_id=comment_id)
    comment = db.session.get(Comment, comment_id)
    shown = [c.id for cs in data.comments.values() for c in cs]
    if comment is None or comment.thread_id != question_id or comment.id not in shown:
        abort(404)
    target = f"answer-{comment.answer_id}" if comment.answer_id else "question"
    html = render_template("questions/_comment.html", c=comment, p=data)
    return html, 200, {"X-Comments-For": target}


@bp.route("/questions/<int:question_id>/answers", methods=["POST"])
@login_required
@limiter.limit(post_limit, key_func=user_key)
def post_answer(question_id: int):
    question = services.get_visible(current_user, question_id)
    form = AnswerForm()
    if form.validate_on_submit():
        if replayed := idempotency.claim():
            return replayed
        try:
            answer = services.answer(current_user, question, form.body.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        except PermissionDenied as err:
            form.form_errors.append(err.message)
            return _render_question(question_id, answer_form=form, status=403)
        else:
            _flash_posted(answer, None)
            return idempotency.done(
                url_for(
                    "questions.show",
                    question_id=question.id,
                    answer=answer.id,
                    _anchor=f"answer-{answer.id}",
                )
            )
    return _render_question(question_id, answer_form=form, status=422)


@bp.route("/questions/<int:question_id>/comments", methods=["POST"])
@login_required
@limiter.limit(post_limit, key_func=user_key)
def post_comment(question_id: int):
    question = services.get_visible(current_user, question_id)
    answer = None
    if request.form.get("answer_id"):
        answer = services.get_answer(current_user, int_arg(request.form, "answer_id") or 0)
    form = CommentForm()
    if form.validate_on_submit():
        if replayed := idempotency.claim():
            return replayed
        try:
            c = services.comment(current_user, question, form.body.data, answer)
        except ValidationFailed as err:
            apply_errors(form, err)
        except PermissionDenied as err:
            form.form_errors.append(err.message)
            return _render_question(question_id, comment_form=form, status=403)
        else:
            return idempotency.done(
                url_for(
                    "questions.show",
                    question_id=question.id,
                    comment=c.id,
                    _anchor=f"comment-{c.id}",
                )
            )
    return _render_question(question_id, comment_form=form, status=422)
