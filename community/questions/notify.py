"""Who hears of a new question, answer or comment: followers, @mentioned people, circle watchers.

Also pushes the live events for open pages. Called by questions.services after each post.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from community.auth.models import User
from community.extensions import db
from community.questions.models import Answer, Comment, Question, QuestionFollow


def question_url(question: Question, anchor: str = "") -> str:
    """The question's path (also outside a request: the CLI loads demo data through here)."""
    from flask import current_app, has_request_context, url_for

    if has_request_context():
        return url_for("questions.show", question_id=question.id, _anchor=anchor or None)
    path = current_app.url_map.bind("localhost").build(
        "questions.show", {"question_id": question.id}
    )
    return path + (f"#{anchor}" if anchor else "")


def _mentioned_ids(text: str) -> list[int]:
    from community.notifications.services import mentioned_usernames

    names = mentioned_usernames(text)
    return (
        list(db.session.scalars(select(User.id).where(User.username.in_(names)))) if names else []
    )


def _tell_mentioned(author: User, question: Question, mentioned: list[int], url: str) -> None:
    from community.notifications import services as notes
    from community.notifications.models import Kind

    notes.notify(
        mentioned,
        Kind.MENTION,
        actor=author,
        question=question,
        text=_("%(name)s mentioned you: %(title)s", name=author.display_name, title=question.title),
        url=url,
    )


def tell_about_question(author: User, question: Question) -> None:
    """Circle members who watch everything, and people @mentioned, hear of a new question."""
    from community.circles.models import CircleMembership, MembershipStatus
    from community.notifications import live
    from community.notifications import services as notes
    from community.notifications.models import Kind

    if question.hidden_at is not None:  # held for review: nobody hears of it yet
        return
    mentioned = _mentioned_ids(question.body_md)
    _tell_mentioned(author, question, mentioned, question_url(question))
    if question.circle_id is not None:
        watchers = db.session.scalars(
            select(CircleMembership.user_id).where(
                CircleMembership.circle_id == question.circle_id,
                CircleMembership.status == MembershipStatus.ACTIVE,
                CircleMembership.watch == "all",
            )
        )
        notes.notify(
            [w for w in watchers if w not in mentioned],
            Kind.CIRCLE_QUESTION,
            actor=author,
            question=question,
            text=_(
                "New question in %(circle)s: %(title)s",
                circle=question.circle.name,
                title=question.title,
            ),
            url=question_url(question),
        )
        live.question_posted(question.circle_id, question.id)


def tell_about_answer(author: User, question: Question, post: Answer) -> None:
    from community.notifications import live
    from community.notifications import services as notes
    from community.notifications.models import Kind

    if post.hidden_at is not None:
        return
    mentioned = _mentioned_ids(post.body_md)
    followers = db.session.scalars(
        select(QuestionFollow.user_id).where(QuestionFollow.question_id == question.id)
    )
    url = question_url(question, f"answer-{post.id}")
    notes.notify(
        [f for f in followers if f not in mentioned],
        Kind.ANSWER,
        actor=author,
        question=question,
        text=_("%(name)s answered: %(title)s", name=author.display_name, title=question.title),
        url=url,
    )
    _tell_mentioned(author, question, mentioned, url)
    live.answer_posted(question.id, post.id)


def tell_about_comment(author: User, question: Question, answer_post, c: Comment) -> None:
    from community.notifications import live
    from community.notifications import services as notes
    from community.notifications.models import Kind

    owner = answer_post.author_id if answer_post is not None else question.author_id
    mentioned = _mentioned_ids(c.body)
    url = question_url(question, f"comment-{c.id}")
    notes.notify(
        [owner] if owner not in mentioned else [],
        Kind.COMMENT,
        actor=author,
        question=question,
        text=_("%(name)s commented: %(title)s", name=author.display_name, title=question.title),
        url=url,
    )
    _tell_mentioned(author, question, mentioned, url)
    live.comment_posted(question.id, c.id)
