"""Everything a question page shows, loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import defer, joinedload, selectinload

from community import markdown, policy
from community.auth.models import User
from community.casebook import services as casebook
from community.circles import services as circles
from community.circles.models import CircleMembership
from community.errors import NotFound
from community.extensions import db
from community.questions import services
from community.questions.models import Answer, AnswerVote, Comment, Question, QuestionVote

ANSWERS_PER_PAGE = 30
COMMENTS_SHOWN = 5  # more under a post are behind "show N more" (Stack Overflow shows five)
# The orders a reader may choose (the accepted answer comes first in each, as on Stack Overflow).
SORTS = ("votes", "oldest", "newest")


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
class AnswerPager:
    """Where this page sits among the answers the viewer may see (the `pager` macro's shape)."""

    page: int
    per_page: int
    total: int  # answers the viewer sees, hidden ones included for those who may see them
    shown: int  # answers everyone sees (the heading's count)
    sort: str = "votes"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def is_last(self) -> bool:
        return self.page >= self.pages

    def iter_pages(self, left_edge=1, left_current=2, right_current=2, right_edge=1):
        last = 0
        for n in range(1, self.pages + 1):
            if (
                n <= left_edge
                or self.page - left_current <= n <= self.page + right_current
                or n > self.pages - right_edge
            ):
                if last + 1 != n:
                    yield None
                yield n
                last = n


@dataclass(frozen=True)
class AnswerRef:
    """An answer of this page before it is loaded: enough to key its cached HTML."""

    id: int
    author_id: int


@dataclass
class QuestionPage:
    """One page of a question. Answers are known first by reference (`answer_refs`, in order);
    their rows, authors and comments are loaded only for those rendered (`load_answers`), since
    most come from the cache (questions/thread_html.py)."""

    question: Question
    answer_refs: list[AnswerRef]
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
    pager: AnswerPager | None = None
    # The post whose comments are all shown ("question" or "answer-<id>"); others show a few.
    expanded: str = ""
    # Answers on this page under which the viewer commented (their HTML is the viewer's own).
    commented: set[int] = field(default_factory=set)
    loaded: dict[int, Answer] = field(default_factory=dict)

    @property
    def answers(self) -> list[Answer]:
        """Every answer of this page, loaded (for callers that need them all)."""
        self.load_answers([r.id for r in self.answer_refs])
        return [self.loaded[r.id] for r in self.answer_refs if r.id in self.loaded]

    def load_answers(self, ids) -> None:
        """Load these answers of the page with their authors and comments (two queries)."""
        wanted = [i for i in ids if i not in self.loaded]
        if not wanted:
            return
        rows = db.session.scalars(
            select(Answer)
            .where(Answer.id.in_(wanted), Answer.question_id == self.question.id)
            .options(joinedload(Answer.author).joinedload(User.profile))
        )
        self.loaded.update((a.id, a) for a in rows)
        comments = _comments(self.question, self.perms, wanted, with_question=False)
        self.comments.update(comments)
        text = "\n".join(c.body for thread in comments.values() for c in thread)
        if "#case:" in text or "/cases/" in text:
            self.comment_cases = {**self.comment_cases, **markdown.published_cases(text)}

    def comments_for(self, kind: str, post_id: int) -> list[Comment]:
        """The comments shown under a post: all when it is expanded, else the first few."""
        thread = self.comments.get((kind, post_id), [])
        if self.expanded == post_key(kind, post_id):
            return thread
        return thread[:COMMENTS_SHOWN]

    def more_comments(self, kind: str, post_id: int) -> int:
        """How many comments under a post are behind "show more"."""
        return len(self.comments.get((kind, post_id), [])) - len(self.comments_for(kind, post_id))

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


def post_key(kind: str, post_id: int) -> str:
    return "question" if kind == "question" else f"answer-{post_id}"


def load(
    viewer,
    question_id: int,
    page_number: int = 1,
    sort: str = "votes",
    answer_id: int | None = None,
    comment_id: int | None = None,
    expand: str = "",
) -> QuestionPage:
    """One page of the question: the question, up to ANSWERS_PER_PAGE answers, their comments
    and the viewer's votes, in a fixed number of queries whatever the thread's size.

    `answer_id` / `comment_id` (a permalink) choose the page that holds that post, and a
    comment's post shows all its comments."""
    question = _question(viewer, question_id)
    m = policy.membership(viewer, question.circle)
    _require_visible(viewer, question, m)
    perms = permissions(viewer, question, m)
    sort = sort if sort in SORTS else "votes"
    if comment_id is not None:
        located = _comment_post(question, perms, comment_id)
        if located is not None:
            expand = post_key(*located)
            answer_id = located[1] if located[0] == "answer" else None
            if answer_id is None:
                page_number = 1
    if answer_id is not None:
        page_number = _page_of(question, perms, sort, answer_id) or page_number
    refs, pager = _answer_refs(question, perms, sort, page_number)
    ids = [r.id for r in refs]
    comments = _comments(question, perms, [])
    my_q, my_a, following = _viewer_state(viewer, question, perms, ids)
    page = QuestionPage(question, refs, comments, my_q, my_a, following, perms, m)
    page.pager = pager
    page.expanded = expand
    page.commented = _commented(question, perms, ids)
    page.comment_cases = markdown.published_cases(
        "\n".join(c.body for thread in comments.values() for c in thread)
    )
    if question.duplicate_of_id and policy.can_see_question(viewer, question.duplicate_of):
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
            # The original of a duplicate only for the few closed as one (a query then), and
            # not the Markdown source: the page shows the stored HTML.
            defer(Question.body_md),
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


def permissions(viewer, question: Question, m: CircleMembership | None) -> Permissions:
    signed_in = policy.is_signed_in(viewer)
    return Permissions(
        reply=circles.can_reply(viewer, question.circle, m)
        and not question.is_closed
        and not question.locked,
        moderate=policy.can_moderate(viewer, question.circle, m),
        is_author=signed_in and viewer.id == question.author_id,
        user_id=viewer.id if signed_in else None,
    )


def _order(question: Question, sort: str) -> list:
    """The answers' order: the accepted one first, then the chosen sort; ids break ties so that
    pages never overlap."""
    accepted_first = case((Answer.id == (question.accepted_answer_id or 0), 0), else_=1)
    if sort == "oldest":
        return [accepted_first, Answer.created_at, Answer.id]
    if sort == "newest":
        return [accepted_first, Answer.created_at.desc(), Answer.id.desc()]
    return [accepted_first, Answer.score.desc(), Answer.created_at, Answer.id]


def _answer_refs(
    question: Question, perms: Permissions, sort: str, page_number: int
) -> tuple[list[AnswerRef], AnswerPager]:
    """One page of the answers shown (Stack Overflow's order: accepted, then by votes), as
    references; the rows are loaded by QuestionPage.load_answers when rendered."""
    total, hidden = db.session.execute(
        select(func.count(), func.count(Answer.hidden_at)).where(
            Answer.question_id == question.id, _shown(Answer, perms)
        )
    ).one()
    pager = AnswerPager(page_number, ANSWERS_PER_PAGE, total, total - hidden, sort)
    pager.page = min(max(page_number, 1), pager.pages)
    rows = db.session.execute(
        select(Answer.id, Answer.author_id)
        .where(Answer.question_id == question.id, _shown(Answer, perms))
        .order_by(*_order(question, sort))
        .limit(ANSWERS_PER_PAGE)
        .offset((pager.page - 1) * ANSWERS_PER_PAGE)
    )
    return [AnswerRef(i, a) for i, a in rows], pager


def _commented(question: Question, perms: Permissions, answer_ids: list[int]) -> set[int]:
    """The answers among `answer_ids` under which the viewer has a comment."""
    if perms.user_id is None or not answer_ids:
        return set()
    return set(
        db.session.scalars(
            select(Comment.answer_id)
            .where(
                Comment.thread_id == question.id,
                Comment.author_id == perms.user_id,
                Comment.answer_id.in_(answer_ids),
            )
            .distinct()
        )
    )


def _page_of(question: Question, perms: Permissions, sort: str, answer_id: int) -> int | None:
    """The page that holds an answer the viewer may see, or None."""
    ids = db.session.scalars(
        select(Answer.id)
        .where(Answer.question_id == question.id, _shown(Answer, perms))
        .order_by(*_order(question, sort))
    ).all()
    try:
        return ids.index(answer_id) // ANSWERS_PER_PAGE + 1
    except ValueError:
        return None


def _comment_post(question: Question, perms: Permissions, comment_id: int):
    """("question", id) or ("answer", id): the post a comment the viewer may see is under."""
    row = db.session.execute(
        select(Comment.question_id, Comment.answer_id).where(
            Comment.id == comment_id, Comment.thread_id == question.id, _shown(Comment, perms)
        )
    ).first()
    if row is None:
        return None
    return ("answer", row.answer_id) if row.answer_id else ("question", row.question_id)


def _comments(
    question: Question, perms: Permissions, answer_ids: list[int], with_question: bool = True
) -> dict[tuple[str, int], list[Comment]]:
    """The comments shown under the question (unless not `with_question`) and under these
    answers, oldest first, by post."""
    comments: dict[tuple[str, int], list[Comment]] = defaultdict(list)
    on_page = Comment.answer_id.in_(answer_ids or [0])
    if with_question:
        on_page = or_(Comment.question_id == question.id, on_page)
    for c in db.session.scalars(
        select(Comment)
        .where(Comment.thread_id == question.id, on_page, _shown(Comment, perms))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ):
        key = ("answer", c.answer_id) if c.answer_id else ("question", c.question_id)
        comments[key].append(c)
    return dict(comments)


def _viewer_state(viewer, question: Question, perms: Permissions, answer_ids: list[int]):
    """(vote on the question, votes on this page's answers by id, following), signed in."""
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
            select(AnswerVote.answer_id, AnswerVote.value).where(
                AnswerVote.answer_id.in_(answer_ids or [0]), AnswerVote.user_id == viewer.id
            )
        ).all()
    )
    return my_q, my_a, services.is_following(viewer, question)
