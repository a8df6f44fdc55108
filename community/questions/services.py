"""Question and answer rules. Every function takes the acting user and raises domain errors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from community import markdown
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.circles import services as circles
from community.circles.models import Circle
from community.db import utcnow
from community.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.questions.models import (
    Answer,
    AnswerVote,
    CloseReason,
    Comment,
    Question,
    QuestionFollow,
    QuestionStatus,
    QuestionView,
    QuestionVote,
    Revision,
    Stage,
    Tag,
)
from community.questions.text import parse_tags
from community.reference.models import Field, Topic

TITLE_MIN, TITLE_MAX = 10, 150
BODY_MIN, BODY_MAX = 20, 20_000
ANSWER_MIN = 10
COMMENT_MIN, COMMENT_MAX = 2, 600
MAX_TOPICS = 3
TOKYO = ZoneInfo("Asia/Tokyo")


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def _check_length(field: str, text: str, low: int, high: int) -> str:
    text = (text or "").strip()
    if len(text) < low:
        raise _field_error(field, _("Write at least %(n)d characters.", n=low))
    if len(text) > high:
        raise _field_error(field, _("Use at most %(n)d characters.", n=high))
    return text


# --- visibility -------------------------------------------------------------------------------


def visible_questions_clause(viewer):
    """Questions a viewer may find in lists: not in hidden circles, not hidden by moderators."""
    return and_(
        circles.visible_circle_id_clause(Question.circle_id, viewer), Question.hidden_at.is_(None)
    )


def can_see_hidden(viewer, question: Question) -> bool:
    """Hidden posts stay visible, with a banner, to their author and the circle's moderators."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.id == question.author_id or circles.can_moderate(viewer, question.circle)


def get_visible(viewer, question_id: int) -> Question:
    """The question, or NotFound when it is missing or in a circle hidden from the viewer."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Not found."))
    circles.require_view(viewer, question.circle)
    if question.hidden_at is not None and not can_see_hidden(viewer, question):
        raise NotFound(_("Not found."))
    return question


def get_answer(viewer, answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_("Not found."))
    get_visible(viewer, answer.question_id)
    if answer.hidden_at is not None and not (
        getattr(viewer, "id", None) == answer.author_id
        or circles.can_moderate(viewer, answer.question.circle)
    ):
        raise NotFound(_("Not found."))
    return answer


# --- asking and editing -----------------------------------------------------------------------


def _resolve_circle(slug: str | None) -> Circle | None:
    if not slug:
        return None
    circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
    if circle is None:
        raise _field_error("circle", _("Unknown circle."))
    return circle


def _apply_classification(question: Question, data: dict) -> None:
    field_code = data.get("field") or None
    if field_code and db.session.get(Field, field_code) is None:
        raise _field_error("field", _("Unknown choice."))
    question.field_code = field_code
    codes = list(dict.fromkeys(data.get("topics") or []))
    if len(codes) > MAX_TOPICS:
        raise _field_error("topics", _("Choose at most %(n)d topics.", n=MAX_TOPICS))
    topics = list(db.session.scalars(select(Topic).where(Topic.code.in_(codes)))) if codes else []
    if len(topics) != len(codes):
        raise _field_error("topics", _("Unknown choice."))
    question.topics = topics
    names = parse_tags(data.get("tags") or "")
    existing = (
        {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
        if names
        else {}
    )
    question.tags = [existing.get(n) or Tag(name=n) for n in names]
    stage = data.get("stage")
    if stage in ("", None):
        question.stage = None
    else:
        try:
            question.stage = Stage(int(stage)).value
        except (TypeError, ValueError) as exc:
            raise _field_error("stage", _("Unknown choice.")) from exc


def _sync_case_mentions(question: Question, body: str, author: User, answer_post=None) -> None:
    """`#case:<slug>` or a case URL in a post links that case to the question."""
    from community.casebook.services import sync_mentions

    sync_mentions(question, body, author, answer_post)


def _notify():
    """Who hears of new posts lives in questions/notify.py (imported late: it imports us)."""
    from community.questions import notify

    return notify


def _hold_if_needed(author: User, post, body: str, circle_id) -> None:
    from community.moderation.services import hold_if_needed

    hold_if_needed(author, post, body, circle_id)


def _set_body(post, body: str) -> None:
    post.body_md = body
    post.body_html = markdown.render(body)
    post.renderer = markdown.RENDERER_VERSION


def ask(author: User, data: dict) -> Question:
    """Post a question in a circle the author belongs to, or in the open square (circle empty)."""
    ensure_can_post(author)
    circle = _resolve_circle(data.get("circle"))
    if circle is not None:
        circles.require_view(author, circle)
        if not circles.can_ask(author, circle):
            raise _field_error("circle", _("Join this circle before asking in it."))
    title = _check_length("title", data.get("title"), TITLE_MIN, TITLE_MAX)
    body = _check_length("body", data.get("body"), BODY_MIN, BODY_MAX)
    question = Question(author_id=author.id, circle=circle, title=title)
    _set_body(question, body)
    _apply_classification(question, data)
    db.session.add(question)
    db.session.flush()
    db.session.add(
        Revision(question_id=question.id, editor_id=author.id, title=title, body_md=body)
    )
    follow(author, question)
    _sync_case_mentions(question, body, author)
    _hold_if_needed(author, question, body, question.circle_id)
    _notify().tell_about_question(author, question)
    return question


def edit_question(actor: User, question: Question, data: dict) -> Question:
    """Authors edit their question; each edit keeps a revision."""
    ensure_can_post(actor)
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the author can edit this question."))
    title = _check_length("title", data.get("title"), TITLE_MIN, TITLE_MAX)
    body = _check_length("body", data.get("body"), BODY_MIN, BODY_MAX)
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
    _sync_case_mentions(question, body, actor)
    _hold_if_needed(actor, question, body, question.circle_id)
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
    from community.search.index import mark_dirty

    mark_dirty("question", question.id)  # a bulk DELETE passes by the session's events


# --- answers and comments ---------------------------------------------------------------------


def _refresh_status(question: Question) -> None:
    if question.accepted_answer_id is not None:
        question.status = QuestionStatus.RESOLVED
    elif question.answer_count > 0:
        question.status = QuestionStatus.ANSWERED
    else:
        question.status = QuestionStatus.OPEN


def answer(author: User, question: Question, body: str) -> Answer:
    circles.require_reply(author, question.circle)
    if question.is_closed or question.locked:
        raise InvalidTransition(_("This question is closed."))
    body = _check_length("body", body, ANSWER_MIN, BODY_MAX)
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
    _refresh_status(question)
    db.session.add(Revision(answer_id=post.id, editor_id=author.id, body_md=body))
    follow(author, question)
    db.session.flush()
    _sync_case_mentions(question, body, author, post)
    _hold_if_needed(author, post, body, question.circle_id)
    _notify().tell_about_answer(author, question, post)
    return post


def edit_answer(actor: User, post: Answer, body: str) -> Answer:
    ensure_can_post(actor)
    if actor.id != post.author_id:
        raise PermissionDenied(_("Only the author can edit this answer."))
    body = _check_length("body", body, ANSWER_MIN, BODY_MAX)
    if body != post.body_md:
        _set_body(post, body)
        post.edited_at = utcnow()
        db.session.add(Revision(answer_id=post.id, editor_id=actor.id, body_md=body))
    db.session.flush()
    _sync_case_mentions(post.question, body, actor, post)
    _hold_if_needed(actor, post, body, post.question.circle_id)
    return post


def comment(
    author: User, question: Question, body: str, answer_post: Answer | None = None
) -> Comment:
    circles.require_reply(author, question.circle)
    if question.locked:
        raise InvalidTransition(_("This question is locked."))
    if answer_post is not None and answer_post.question_id != question.id:
        raise NotFound(_("Not found."))
    body = _check_length("body", body, COMMENT_MIN, COMMENT_MAX)
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
    _notify().tell_about_comment(author, question, answer_post, c)
    return c


# --- votes and acceptance ---------------------------------------------------------------------


def vote(user: User, post: Question | Answer, value: int) -> int:
    """Up (1) or down (-1); the same vote again withdraws it. Returns the new score.

    The score changes by an atomic UPDATE in the same transaction as the vote row, and the
    unique (post, user) constraint stops double votes even when two requests race.
    """
    question = post if isinstance(post, Question) else post.question
    circles.require_reply(user, question.circle)
    if value not in (1, -1):
        raise ValidationFailed(_("Unknown vote."))
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot vote on your own post."))
    model, key = (
        (QuestionVote, "question_id") if isinstance(post, Question) else (AnswerVote, "answer_id")
    )
    target = type(post)
    existing = db.session.scalar(
        select(model)
        .where(getattr(model, key) == post.id, model.user_id == user.id)
        .with_for_update()
    )
    if existing is None:
        delta = value
        db.session.add(model(**{key: post.id}, user_id=user.id, value=value))
    elif existing.value == value:
        delta = -value
        db.session.delete(existing)
    else:
        delta = 2 * value
        existing.value = value
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("Your vote was already counted.")) from exc
    db.session.execute(
        update(target).where(target.id == post.id).values(score=target.score + delta)
    )
    return db.session.scalar(select(target.score).where(target.id == post.id))


def accept(actor: User, question: Question, answer_post: Answer | None) -> Question:
    """The asker accepts one answer, changes it, or (None) withdraws the acceptance."""
    ensure_can_post(actor)
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if answer_post is not None and answer_post.question_id != question.id:
        raise NotFound(_("Not found."))
    question.accepted_answer_id = answer_post.id if answer_post else None
    _refresh_status(question)
    question.last_activity_at = utcnow()
    db.session.flush()
    if answer_post is not None:
        from community.notifications import services as notes
        from community.notifications.models import Kind

        notes.notify(
            [answer_post.author_id],
            Kind.ACCEPTED,
            actor=actor,
            question=question,
            text=_("Your answer was accepted: %(title)s", title=question.title),
            url=_notify().question_url(question),
        )
    return question


def close(
    actor: User, question: Question, reason: CloseReason, duplicate_of_id: int | None = None
) -> Question:
    """Moderators close a question as a duplicate (pointing to the original) or off-topic."""
    circles.require_moderator(actor, question.circle)
    if question.is_closed:
        raise InvalidTransition(_("This question is already closed."))
    if reason == CloseReason.DUPLICATE:
        original = db.session.get(Question, duplicate_of_id or 0)
        if (
            original is None
            or original.id == question.id
            or not circles.can_view(actor, original.circle)
        ):
            raise _field_error("duplicate_of", _("Give the number of the original question."))
        question.duplicate_of_id = original.id
    question.close_reason = reason
    db.session.flush()
    return question


def reopen(actor: User, question: Question) -> Question:
    circles.require_moderator(actor, question.circle)
    if not question.is_closed:
        raise InvalidTransition(_("This question is not closed."))
    question.close_reason = None
    question.duplicate_of_id = None
    db.session.flush()
    return question


def set_pinned(actor: User, question: Question, pinned: bool) -> None:
    if question.circle is None:
        raise InvalidTransition(_("Only questions in a circle can be pinned."))
    circles.require_moderator(actor, question.circle)
    question.pinned = pinned
    db.session.flush()


# --- follows and views ------------------------------------------------------------------------


def _insert_ignore(model, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was written.

    RETURNING tells reliably whether the row went in (rowcount does not on every driver).
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(stmt).first() is not None


def follow(user: User, question: Question) -> None:
    _insert_ignore(QuestionFollow, question_id=question.id, user_id=user.id, created_at=utcnow())


def unfollow(user: User, question: Question) -> None:
    db.session.execute(
        delete(QuestionFollow).where(
            QuestionFollow.question_id == question.id, QuestionFollow.user_id == user.id
        )
    )


def is_following(user, question: Question) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        db.session.scalar(
            select(func.count()).where(
                QuestionFollow.question_id == question.id, QuestionFollow.user_id == user.id
            )
        )
    )


def record_view(question: Question, viewer_key: str, now: datetime | None = None) -> bool:
    """Count a view unless this viewer already viewed the question today (Japan time)."""
    day = (now or utcnow()).astimezone(TOKYO).date()
    if _insert_ignore(QuestionView, question_id=question.id, viewer=viewer_key[:64], day=day):
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(view_count=Question.view_count + 1)
        )
        return True
    return False


# --- finding ----------------------------------------------------------------------------------

SORTS = {
    "newest": (Question.created_at.desc(),),
    "activity": (Question.last_activity_at.desc(),),
    "votes": (Question.score.desc(), Question.created_at.desc()),
}


def list_query(
    viewer,
    *,
    circle: Circle | None = None,
    field: str = "",
    topic: str = "",
    stage: str = "",
    status: str = "",
    sort: str = "activity",
    mine_only: bool = False,
):
    """Questions the viewer may see, filtered and sorted (the caller paginates)."""
    from sqlalchemy.orm import joinedload, selectinload

    stmt = select(Question).where(visible_questions_clause(viewer))
    if circle is not None:
        stmt = stmt.where(Question.circle_id == circle.id)
    if field:
        stmt = stmt.where(Question.field_code == field)
    if topic:
        stmt = stmt.where(Question.topics.any(Topic.code == topic))
    if stage in ("1", "2", "3"):
        stmt = stmt.where(Question.stage == int(stage))
    if status == "unanswered":
        stmt = stmt.where(Question.answer_count == 0, Question.close_reason.is_(None))
    elif status == "resolved":
        stmt = stmt.where(Question.status == QuestionStatus.RESOLVED)
    elif status == "open":
        stmt = stmt.where(Question.status != QuestionStatus.RESOLVED)
    if mine_only and getattr(viewer, "is_authenticated", False):
        stmt = stmt.where(Question.circle_id.in_(circles.member_circle_ids(viewer)))
    return stmt.order_by(*SORTS.get(sort, SORTS["activity"]), Question.id.desc()).options(
        joinedload(Question.author),
        joinedload(Question.circle),
        joinedload(Question.field),
        selectinload(Question.topics),
        selectinload(Question.tags),
    )


def similar(viewer, title: str, exclude_id: int | None = None, limit: int = 5) -> list[Question]:
    """Questions sharing the most words with `title` (the full-text index), best first."""
    from community.search.services import related

    ids = related(viewer, title, "question", limit, exclude_id)
    found = (
        {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
        if ids
        else {}
    )
    return [found[i] for i in ids if i in found]


def pinned_in(circle: Circle) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(
                Question.circle_id == circle.id,
                Question.pinned.is_(True),
                Question.hidden_at.is_(None),
            )
            .order_by(Question.created_at.desc())
        )
    )
