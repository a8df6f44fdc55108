"""Question and answer rules. Every function takes the acting user and raises domain errors.

Asking, editing, answering and commenting live here; visibility, votes and state changes,
follows and views, and listing live in modules of their own and are re-exported below, so that
`questions.services` stays the one entry point the rest of the application calls."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from community import markdown, policy, signals
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.circles import services as circles
from community.circles.models import Circle
from community.db import utcnow
from community.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.questions.actions import accept, close, reopen, set_pinned, vote
from community.questions.common import check_length, refresh_status
from community.questions.follows import (
    follow,
    is_following,
    record_view,
    today,
    unfollow,
    viewed_today_column,
)
from community.questions.listing import (
    SORTS,
    find_tag,
    list_page,
    list_query,
    paginate,
    pinned_in,
    similar,
)
from community.questions.models import (
    ANSWER_MIN,
    BODY_MAX,
    BODY_MIN,
    COMMENT_MAX,
    COMMENT_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Answer,
    Comment,
    Question,
    Revision,
    Stage,
    Tag,
)
from community.questions.text import parse_tags
from community.questions.visibility import get_answer, get_visible
from community.reference.models import Field, Topic

MAX_TOPICS = 3


# --- asking and editing -----------------------------------------------------------------------


def _resolve_circle(slug: str | None) -> Circle | None:
    if not slug:
        return None
    circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
    if circle is None:
        raise ValidationFailed.for_field("circle", _("Unknown circle."))
    return circle


def _apply_classification(question: Question, data: dict) -> None:
    field_code = data.get("field") or None
    if field_code and db.session.get(Field, field_code) is None:
        raise ValidationFailed.for_field("field", _("Unknown choice."))
    question.field_code = field_code
    codes = list(dict.fromkeys(data.get("topics") or []))
    if len(codes) > MAX_TOPICS:
        raise ValidationFailed.for_field("topics", _("Choose at most %(n)d topics.", n=MAX_TOPICS))
    topics = list(db.session.scalars(select(Topic).where(Topic.code.in_(codes)))) if codes else []
    if len(topics) != len(codes):
        raise ValidationFailed.for_field("topics", _("Unknown choice."))
    question.topics = topics
    tags = parse_tags(data.get("tags") or "")
    keys = [key for key, _label in tags]
    existing = (
        {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(keys)))}
        if keys
        else {}
    )
    # A tag keeps the form it was first written in; later spellings join it by the key.
    question.tags = [existing.get(key) or Tag(name=key, label=label) for key, label in tags]
    stage = data.get("stage")
    if stage in ("", None):
        question.stage = None
    else:
        try:
            question.stage = Stage(int(stage)).value
        except (TypeError, ValueError) as exc:
            raise ValidationFailed.for_field("stage", _("Unknown choice.")) from exc


def _written(author: User, question: Question, body: str, answer_post=None) -> None:
    """Announce a written body before anything tells people of it: subscribers decide a
    moderation hold and link `#case:` mentions in this transaction (community/signals.py)."""
    post = answer_post if answer_post is not None else question
    signals.post_written.send(
        post,
        author=author,
        body=body,
        question=question,
        answer=answer_post,
        circle_id=question.circle_id,
    )


def _set_body(post, body: str) -> None:
    markdown.store(post, "body", body)


def ask(author: User, data: dict) -> Question:
    """Post a question in a circle the author belongs to, or in the open square (circle empty)."""
    ensure_can_post(author)
    circle = _resolve_circle(data.get("circle"))
    if circle is not None:
        policy.require_see_circle(author, circle)
        if not circles.can_ask(author, circle):
            raise ValidationFailed.for_field("circle", _("Join this circle before asking in it."))
    title = check_length("title", data.get("title"), TITLE_MIN, TITLE_MAX)
    body = check_length("body", data.get("body"), BODY_MIN, BODY_MAX)
    question = Question(author_id=author.id, circle=circle, title=title)
    _set_body(question, body)
    _apply_classification(question, data)
    db.session.add(question)
    db.session.flush()
    db.session.add(
        Revision(question_id=question.id, editor_id=author.id, title=title, body_md=body)
    )
    follow(author, question)
    _written(author, question, body)
    signals.question_asked.send(question, author=author)
    return question


def edit_question(actor: User, question: Question, data: dict) -> Question:
    """Authors edit their question; each edit keeps a revision."""
    ensure_can_post(actor)
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the author can edit this question."))
    title = check_length("title", data.get("title"), TITLE_MIN, TITLE_MAX)
    body = check_length("body", data.get("body"), BODY_MIN, BODY_MAX)
    changed = title != question.title or body != question.body_md
    question.title = title
    _set_body(question, body)
    _apply_classification(question, data)
    if changed:
        question.edited_at = utcnow()
        db.session.add(
            Revision(question_id=question.id, editor_id=actor.id, title=title, body_md=body)
        )
    db.session.flush()
    _written(actor, question, body)
    signals.question_edited.send(question, actor=actor)
    return question


def delete_question(actor: User, question: Question) -> None:
    """Authors delete their question while it has no answers (after that, moderators hide it)."""
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the author can delete this question."))
    if question.answer_count > 0:
        raise InvalidTransition(
            _("A question with answers cannot be deleted; others rely on them.")
        )
    db.session.execute(delete(Question).where(Question.id == question.id))
    db.session.expunge(question)
    signals.question_deleted.send(question.id)  # a bulk DELETE passes by the session's events


# --- answers and comments ---------------------------------------------------------------------


def answer(author: User, question: Question, body: str) -> Answer:
    """Post an answer to an open question; the author follows it from now on."""
    circles.require_reply(author, question.circle)
    if question.is_closed or question.locked:
        raise InvalidTransition(_("This question is closed."))
    body = check_length("body", body, ANSWER_MIN, BODY_MAX)
    post = Answer(question_id=question.id, author_id=author.id)
    _set_body(post, body)
    db.session.add(post)
    db.session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(answer_count=Question.answer_count + 1, last_activity_at=utcnow())
    )
    db.session.flush()
    db.session.refresh(question)
    refresh_status(question)
    db.session.add(Revision(answer_id=post.id, editor_id=author.id, body_md=body))
    follow(author, question)
    db.session.flush()
    _written(author, question, body, post)
    signals.answer_posted.send(post, author=author, question=question)
    return post


def edit_answer(actor: User, post: Answer, body: str) -> Answer:
    """The author rewrites an answer; a changed body keeps a revision."""
    ensure_can_post(actor)
    if actor.id != post.author_id:
        raise PermissionDenied(_("Only the author can edit this answer."))
    body = check_length("body", body, ANSWER_MIN, BODY_MAX)
    if body != post.body_md:
        _set_body(post, body)
        post.edited_at = utcnow()
        db.session.add(Revision(answer_id=post.id, editor_id=actor.id, body_md=body))
    db.session.flush()
    _written(actor, post.question, body, post)
    signals.answer_edited.send(post, actor=actor, question=post.question)
    return post


def comment(
    author: User, question: Question, body: str, answer_post: Answer | None = None
) -> Comment:
    """Comment under the question, or under one of its answers (`answer_post`)."""
    circles.require_reply(author, question.circle)
    if question.locked:
        raise InvalidTransition(_("This question is locked."))
    if answer_post is not None and answer_post.question_id != question.id:
        raise NotFound(_("Not found."))
    body = check_length("body", body, COMMENT_MIN, COMMENT_MAX)
    c = Comment(
        question_id=None if answer_post else question.id,
        answer_id=answer_post.id if answer_post else None,
        thread_id=question.id,
        author_id=author.id,
        body=body,
    )
    db.session.add(c)
    question.last_activity_at = utcnow()
    db.session.flush()
    signals.comment_posted.send(c, author=author, question=question, answer=answer_post)
    return c


# The package's API: what is implemented in the modules imported above is called through here.
__all__ = [
    "SORTS",
    "accept",
    "answer",
    "ask",
    "close",
    "comment",
    "delete_question",
    "edit_answer",
    "edit_question",
    "find_tag",
    "follow",
    "get_answer",
    "get_visible",
    "is_following",
    "list_page",
    "list_query",
    "paginate",
    "pinned_in",
    "record_view",
    "viewed_today_column",
    "today",
    "reopen",
    "set_pinned",
    "similar",
    "unfollow",
    "vote",
]
