"""Who hears of a new question, answer, comment, acceptance or invitation.

Followers, @mentioned people and circle watchers get a notification (and mail, as their
settings say); open pages get a live push. Connected to the domain events in
community/signals.py when the notifications package is imported (see its docstring for when
each is delivered: rows in the transaction, pushes after commit)."""

from __future__ import annotations

from blinker import ANY
from flask_babel import gettext as _
from sqlalchemy import select

from community import signals
from community.auth.models import Role, User
from community.auth.services import absolute_url
from community.circles.models import CircleMembership, MembershipStatus
from community.extensions import db
from community.moderation.labels import reason_label
from community.moderation.models import TargetType
from community.moderation.notices import item_title, kind_label, moderator_ids
from community.notifications import live
from community.notifications import services as notes
from community.notifications.models import Kind
from community.questions.models import Answer, Comment, Question, QuestionFollow
from community.urls import base_url


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
    names = notes.mentioned_usernames(text)
    return (
        list(db.session.scalars(select(User.id).where(User.username.in_(names)))) if names else []
    )


def _tell_mentioned(author: User, question: Question, mentioned: list[int], url: str) -> None:
    notes.notify(
        mentioned,
        Kind.MENTION,
        actor=author,
        question=question,
        text=_("%(name)s mentioned you: %(title)s", name=author.display_name, title=question.title),
        url=url,
    )


@signals.question_asked.connect_via(ANY, weak=False)
def tell_about_question(question: Question, *, author: User, **_kw) -> None:
    """Circle members who watch everything, and people @mentioned, hear of a new question."""
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


@signals.answer_posted.connect_via(ANY, weak=False)
def tell_about_answer(post: Answer, *, author: User, question: Question, **_kw) -> None:
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


@signals.comment_posted.connect_via(ANY, weak=False)
def tell_about_comment(
    c: Comment, *, author: User, question: Question, answer: Answer | None, **_kw
) -> None:
    owner = answer.author_id if answer is not None else question.author_id
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


@signals.answer_accepted.connect_via(ANY, weak=False)
def tell_accepted(question: Question, *, actor: User, answer: Answer, **_kw) -> None:
    notes.notify(
        [answer.author_id],
        Kind.ACCEPTED,
        actor=actor,
        question=question,
        text=_("Your answer was accepted: %(title)s", title=question.title),
        url=question_url(question),
    )


@signals.answer_requested.connect_via(ANY, weak=False)
def tell_invited(invite, *, inviter: User, invitee: User, question: Question, **_kw) -> None:
    """A notification (mailed at once by default, as the person's settings say)."""
    notes.notify(
        [invitee.id],
        Kind.INVITE,
        actor=inviter,
        question=question,
        text=_(
            "%(name)s asks you to answer: %(title)s",
            name=inviter.display_name,
            title=question.title,
        ),
        url=absolute_url("questions.show", question_id=question.id).removeprefix(base_url()),
    )


# --- moderation: moderators hear of items to review, authors and flaggers of the outcome ------


@signals.review_requested.connect_via(ANY, weak=False)
def tell_moderators(obj, *, kind, circle, reason=None, reporter=None, **_kw) -> None:
    """One notification per moderator for a new flag or a held post (mail as each one chose).

    Profiles are admins' alone, as in the queue."""
    ids = moderator_ids(None if kind == TargetType.PROFILE else circle)
    what = _("%(kind)s: %(title)s", kind=kind_label(kind), title=item_title(kind, obj)[:80])
    if reason is None:
        text = _("A post is held for review: %(what)s", what=what)
    else:
        text = _("New flag (%(reason)s) on %(what)s", reason=reason_label(reason), what=what)
    notes.notify(
        ids,
        Kind.MODERATION,
        actor=reporter,
        text=text,
        # Paths, not url_for: services also run outside requests (CLI, jobs, tests).
        url=f"/moderation/items/{kind.value}/{obj.id}",
    )


def _tell_author(obj, kind, action: str, reason: str, actor) -> None:
    """The author learns what a moderator did to their post and why (nothing vanishes unsaid)."""
    author_id = getattr(obj, "author_id", None)
    if author_id is None:
        return
    texts = {
        "edit": _("A moderator edited your %(kind)s; it is visible again. Reason: %(reason)s"),
        "hide": _("A moderator hid your %(kind)s. Reason: %(reason)s"),
        "restore": _("A moderator made your %(kind)s visible again. Reason: %(reason)s"),
        # Hidden by members' flags, before any moderator has looked (Discourse tells them too).
        "auto_hide": _(
            "Your %(kind)s was reported by members and is hidden until a moderator reviews it."
        ),
    }
    question_id = {
        "question": getattr(obj, "id", None),
        "answer": getattr(obj, "question_id", None),
        "comment": getattr(obj, "thread_id", None),
    }.get(kind.value)
    anchor = {"answer": f"answer-{obj.id}", "comment": f"comment-{obj.id}"}.get(kind.value)
    url = f"/questions/{question_id}" + (f"#{anchor}" if anchor else "")
    notes.notify(
        [author_id],
        Kind.MODERATION,
        actor=actor,
        text=texts[action] % {"kind": kind_label(kind), "reason": reason[:150]},
        url=url,
    )


@signals.post_hidden.connect_via(ANY, weak=False)
def tell_hidden(obj, *, kind, actor, reason: str, automatic: bool = False, **_kw) -> None:
    _tell_author(obj, kind, "auto_hide" if automatic else "hide", reason, actor)


@signals.post_restored.connect_via(ANY, weak=False)
def tell_restored(obj, *, kind, actor, reason: str, **_kw) -> None:
    _tell_author(obj, kind, "restore", reason, actor)


@signals.post_redacted.connect_via(ANY, weak=False)
def tell_redacted(obj, *, kind, actor, reason: str, **_kw) -> None:
    _tell_author(obj, kind, "edit", reason, actor)


@signals.flags_resolved.connect_via(ANY, weak=False)
def tell_flaggers(actor: User, *, reporter_ids: list[int], **_kw) -> None:
    notes.notify(
        reporter_ids,
        Kind.MODERATION,
        actor=actor,
        text=_("The moderators reviewed what you flagged."),
        url="/moderation/my-flags",
    )


@signals.membership_decided.connect_via(ANY, weak=False)
def tell_join_decision(circle, *, actor: User, user_id: int, approved: bool, **_kw) -> None:
    text = (
        _("Your request to join %(name)s was approved.", name=circle.name)
        if approved
        else _("Your request to join %(name)s was declined.", name=circle.name)
    )
    path = absolute_url("circles.show", slug=circle.slug).removeprefix(base_url())
    notes.notify([user_id], Kind.JOIN_DECISION, actor=actor, text=text, url=path)


# --- the casebook: editors hear of members' suggestions, members of the decision --------------


@signals.case_suggested.connect_via(ANY, weak=False)
def tell_editors(suggestion, *, author: User, **_kw) -> None:
    """Every editor (and administrator) hears of a new suggestion, so the queue is seen."""
    editors = db.session.scalars(
        select(User.id).where(User.role.in_((Role.EDITOR, Role.ADMIN)), User.deleted_at.is_(None))
    )
    notes.notify(
        list(editors),
        Kind.CASE_SUGGESTION,
        actor=author,
        text=_(
            "%(name)s suggested a case: %(title)s",
            name=author.display_name,
            title=suggestion.title[:120],
        ),
        url="/cases/suggestions",
    )


@signals.case_suggestion_decided.connect_via(ANY, weak=False)
def tell_suggester(suggestion, *, actor: User, accepted: bool, reason: str, **_kw) -> None:
    """The member learns whether the editors took up the suggestion, and why not."""
    if accepted:
        text = _("Your case suggestion was taken up: %(title)s", title=suggestion.title[:120])
    else:
        text = _(
            "Your case suggestion was declined: %(title)s. Reason: %(reason)s",
            title=suggestion.title[:80],
            reason=reason[:150],
        )
    notes.notify(
        [suggestion.suggested_by_id],
        Kind.CASE_SUGGESTION,
        actor=actor,
        text=text,
        url="/cases/suggestions/mine",
    )
