"""Question pages cached whole for signed-in readers of the same class.

Most members who open a question only read it: they did not ask it, answer it, vote on its
answers, comment in it or link a case to it. For them the page differs from another such
reader's only in

- what the *class* below holds (may they reply, do they moderate the circle, are they
  confirmed, their vote on the question, whether they follow it), which is part of the key;
- their own parts of every page (the bell, the account menu, their banners), which the cached
  page keeps as placeholders (templates/_me.html) and each response renders;
- the CSRF token, one-time keys and the view count, filled in as for visitors.

So such a page is rendered once per thread version and class and shared, like a visitor's
(questions/page_cache.py: the same version, key and store). Anyone with a stake in the thread,
a suspended member (the page quotes their suspension) and questions without answers (the page
suggests people to ask, per reader) take the normal path.

One statement reads the question, the reader's stake in it (the vote on the question, the
follow, whether they wrote or voted anything in the thread), whether their view today is
already counted, their membership of its circle and what their header shows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Integer, and_, bindparam, exists, or_, select

from community import policy
from community.auth.models import Role
from community.casebook.models import CaseLink
from community.circles.models import CircleMembership
from community.moderation import services as moderation
from community.notifications import services as notifications
from community.questions import page_cache, services
from community.questions.models import (
    Answer,
    AnswerVote,
    Comment,
    Question,
    QuestionFollow,
    QuestionVote,
)
from community.questions.page import QuestionPage, permissions


@dataclass(frozen=True)
class Reader:
    """What about a signed-in reader with no stake in the thread changes its page."""

    confirmed: bool
    reply: bool
    moderate: bool
    is_author: bool
    my_vote: int
    following: bool

    def key(self) -> tuple:
        return ("reader", *self.__dict__.values())


@dataclass
class Stamp:
    """What one statement told about the question and the reader (see `stamp`)."""

    question: Question
    reader: Reader
    viewed_today: bool  # this reader's view today is already counted
    unread_here: bool  # they have unread notifications about it, to be marked read


def _stake_columns(viewer, question_id) -> list:
    """The viewer's vote on the question, whether they follow it, and whether they wrote or
    voted anything in its thread."""
    uid, qid = viewer.id, question_id
    vote = (
        select(QuestionVote.value)
        .where(QuestionVote.question_id == qid, QuestionVote.user_id == uid)
        .scalar_subquery()
    )
    follows = exists().where(QuestionFollow.question_id == qid, QuestionFollow.user_id == uid)
    involved = or_(
        exists().where(Answer.question_id == qid, Answer.author_id == uid),
        exists().where(
            AnswerVote.user_id == uid,
            AnswerVote.answer_id == Answer.id,
            Answer.question_id == qid,
        ),
        exists().where(Comment.thread_id == qid, Comment.author_id == uid),
        exists().where(CaseLink.question_id == qid, CaseLink.created_by_id == uid),
    )
    return [vote, follows, involved]


@dataclass(frozen=True)
class _AnyViewer:
    """A signed-in viewer of a given role whose id is a bound parameter: what the rules build
    for them is the same SQL for everyone of that role, so it is built once (building it took
    a fifth of the request)."""

    role: Role
    id = bindparam("viewer_id", type_=Integer)
    is_authenticated = True


@functools.lru_cache(maxsize=8)
def _statement(role: Role):
    """The reader's statement (see `stamp`) for viewers of `role`, with bound parameters."""
    viewer = _AnyViewer(role)
    qid = bindparam("question_id", type_=Integer)
    return page_cache.question_statement(
        qid,
        CircleMembership,
        *_stake_columns(viewer, qid),
        services.viewed_today_column(qid, bindparam("viewer_key"), bindparam("day")),
        notifications.unread_about_column(viewer, qid),
        notifications.unread_count_column(viewer, except_question_id=qid),
        moderation.moderates_any_column(viewer),
        outerjoin=(
            CircleMembership,
            and_(
                CircleMembership.circle_id == Question.circle_id,
                CircleMembership.user_id == viewer.id,
            ),
        ),
    )


def stamp(viewer, question_id: int, viewer_key: str) -> Stamp | None:
    """The question and the viewer's class when the viewer may be served a shared page of it;
    else None (the normal path then answers, 404 included).

    One statement reads the question with its circle, the viewer's stake in it, whether their
    view today is counted, their membership of its circle, and what their header shows (the
    unread count, whether they moderate anywhere), which it hands to the header for this
    request."""
    if viewer.is_suspended:
        return None
    params = {
        "question_id": question_id,
        "viewer_id": viewer.id,
        "viewer_key": viewer_key,
        "day": services.today(),
    }
    row = page_cache.shown_row(_statement(viewer.role), params)
    if row is None:
        return None
    question, m, my_vote, following, involved, viewed, unread_here, unread, moderates = row
    notifications.remember_unread_count(unread or 0)
    moderation.remember_is_moderator(viewer, bool(moderates))
    if involved or question.answer_count == 0:
        return None
    if not policy.can_see_circle(viewer, question.circle, m):
        return None
    perms = permissions(viewer, question, m)
    reader = Reader(
        viewer.is_confirmed, perms.reply, perms.moderate, perms.is_author, my_vote or 0, following
    )
    return Stamp(question, reader, bool(viewed), bool(unread_here))


def fits(data: QuestionPage, reader: Reader) -> bool:
    """Whether the page just loaded shows what the reader's class says (a vote, a follow or a
    post made in between would make it theirs alone: it is then served but not shared)."""
    uid = data.perms.user_id
    return (
        data.my_question_vote == reader.my_vote
        and data.following == reader.following
        and not data.my_answer_votes
        and not data.commented
        and all(r.author_id != uid for r in data.answer_refs)
        and all(c.author_id != uid for cs in data.comments.values() for c in cs)
        and all(link.created_by_id != uid for link in data.case_links)
    )
