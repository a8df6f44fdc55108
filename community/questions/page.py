"""Everything a question page shows, loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from community import markdown, policy
from community.auth.models import User
from community.casebook import services as casebook
from community.circles import services as circles
from community.circles.models import CircleMembership
from community.errors import NotFound
from community.extensions import db
from community.questions import services
from community.questions.models import Answer, AnswerVote, Comment, Question, QuestionVote


@dataclass
class Permissions:
    """What the viewer may do on this page, worked out once (not per post)."""

    reply: bool = False
    moderate: bool = False
    is_author: bool = False
    user_id: int | None = None

    def can_edit(self, post) -> bool:
        return self.user_id is not None and post.author_id == self.user_id

    def can_vote(self, post) -> bool:
        return self.reply and post.author_id != self.user_id


@dataclass
class QuestionPage:
    question: Question
    answers: list[Answer]
    comments: dict[tuple[str, int], list[Comment]]
    my_question_vote: int
    my_answer_votes: dict[int, int]
    following: bool
    perms: Permissions
    membership: CircleMembership | None
    case_links: list = field(default_factory=list)
    case_choices: list = field(default_factory=list)
    # The original of a duplicate, only when the viewer may see it (it may be in a circle
    # that this question's readers do not belong to).
    duplicate_of: Question | None = None

    # slug → (path, label) of the published cases the comments mention (one query a page).
    comment_cases: dict = field(default_factory=dict)

    def comments_for(self, kind: str, post_id: int) -> list[Comment]:
        return self.comments.get((kind, post_id), [])

    def comment_html(self, c: Comment) -> Markup:
        """A comment's text, escaped, with `#case:` mentions as links (comments are not Markdown,
        so they are not stored rendered; the cases are looked up once for the page)."""
        return markdown.link_case_mentions(c.body, self.comment_cases)


def _shown(model, perms: Permissions):
    """Hidden posts: moderators see them all, authors their own (with a banner); others none."""
    if perms.moderate:
        return model.id.is_not(None)
    if perms.user_id is None:
        return model.hidden_at.is_(None)
    return or_(model.hidden_at.is_(None), model.author_id == perms.user_id)


def load(viewer, question_id: int) -> QuestionPage:
    """The question, its answers, comments and the viewer's votes (a fixed number of queries)."""
    question = _question(viewer, question_id)
    m = policy.membership(viewer, question.circle)
    _require_visible(viewer, question, m)
    perms = _permissions(viewer, question, m)
    answers = _answers(question, perms)
    comments = _comments(question, perms)
    my_q, my_a, following = _viewer_state(viewer, question, perms)
    page = QuestionPage(question, answers, comments, my_q, my_a, following, perms, m)
    page.comment_cases = markdown.published_cases(
        "\n".join(c.body for thread in comments.values() for c in thread)
    )
    if policy.can_see_question(viewer, question.duplicate_of):
        page.duplicate_of = question.duplicate_of
    page.case_links = casebook.links_for_question(question.id)
    if perms.reply:
        page.case_choices = casebook.published_choices()
    return page


def _question(viewer, question_id: int) -> Question:
    """The question with what its header shows, or NotFound."""
    question = db.session.scalar(
        select(Question)
        .where(Question.id == question_id)
        .options(
            joinedload(Question.author).joinedload(User.profile),
            joinedload(Question.circle),
            joinedload(Question.field),
            joinedload(Question.duplicate_of).joinedload(Question.circle),
            selectinload(Question.topics),
            selectinload(Question.tags),
        )
    )
    if question is None:
        services.get_visible(viewer, question_id)  # raises NotFound
    return question


def _require_visible(viewer, question: Question, m: CircleMembership | None) -> None:
    """NotFound unless the viewer sees the circle, and a hidden question only if allowed."""
    if not policy.can_see_circle(viewer, question.circle, m):
        raise NotFound(_("Not found."))
    if question.hidden_at is not None and not policy.can_see_hidden(viewer, question):
        raise NotFound(_("Not found."))


def _permissions(viewer, question: Question, m: CircleMembership | None) -> Permissions:
    signed_in = policy.is_signed_in(viewer)
    return Permissions(
        reply=circles.can_reply(viewer, question.circle, m)
        and not question.is_closed
        and not question.locked,
        moderate=policy.can_moderate(viewer, question.circle, m),
        is_author=signed_in and viewer.id == question.author_id,
        user_id=viewer.id if signed_in else None,
    )


def _answers(question: Question, perms: Permissions) -> list[Answer]:
    """The answers shown: the accepted one first, the rest by votes then age (Stack Overflow)."""
    answers = list(
        db.session.scalars(
            select(Answer)
            .where(Answer.question_id == question.id, _shown(Answer, perms))
            .options(joinedload(Answer.author).joinedload(User.profile))
            .order_by(Answer.score.desc(), Answer.created_at)
        )
    )
    answers.sort(key=lambda a: a.id != question.accepted_answer_id)
    return answers


def _comments(question: Question, perms: Permissions) -> dict[tuple[str, int], list[Comment]]:
    """The comments shown, oldest first, by the post they are under."""
    comments: dict[tuple[str, int], list[Comment]] = defaultdict(list)
    for c in db.session.scalars(
        select(Comment)
        .where(Comment.thread_id == question.id, _shown(Comment, perms))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at)
    ):
        key = ("answer", c.answer_id) if c.answer_id else ("question", c.question_id)
        comments[key].append(c)
    return dict(comments)


def _viewer_state(viewer, question: Question, perms: Permissions):
    """(vote on the question, votes on its answers by id, following) for a signed-in viewer."""
    if perms.user_id is None:
        return 0, {}, False
    my_q = (
        db.session.scalar(
            select(QuestionVote.value).where(
                QuestionVote.question_id == question.id, QuestionVote.user_id == viewer.id
            )
        )
        or 0
    )
    my_a = dict(
        db.session.execute(
            select(AnswerVote.answer_id, AnswerVote.value)
            .join(Answer, Answer.id == AnswerVote.answer_id)
            .where(Answer.question_id == question.id, AnswerVote.user_id == viewer.id)
        ).all()
    )
    return my_q, my_a, services.is_following(viewer, question)
