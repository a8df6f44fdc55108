"""The answers of a question page as HTML, each rendered once per version and viewer class.

Rendering is where a question page spends its time (the SQL is a handful of cheap statements),
and most of an answer's HTML is the same for every reader of the same kind. So an answer is
rendered through the fragment cache (community/fragments.py) under a key made of everything
`questions/_answer.html` shows:

- the answer (text, score, times, hidden state, accepted or not), its author's chip and the
  comments shown under it (their text, authors, hidden state, the cases they mention);
- the viewer's *class*: signed in or not, confirmed, may reply, moderates, asked the question;
  the locale and time zone; the answers' sort (the "show more" link keeps it);
- the templates' own source, so a deploy that changes them starts afresh.

An answer that is personal to the viewer — theirs, one they voted on, or one with a comment of
theirs — is rendered for them alone, never cached: its buttons differ (edit, no flag, a pressed
vote). So are all answers when a form comes back with errors. Because the key is derived from the
data, an edit, a vote, a hidden answer or a renamed author makes a new key at once: there is
nothing to invalidate, and no stale or foreign-permission fragment can be served.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from community import fragments, policy
from community.questions.page import QuestionPage


def templates_version() -> str:
    """A digest of every template's source, worked out once per app: a deploy that changes any
    of them starts the caches afresh."""
    version = current_app.extensions.get("templates_version")
    if version is None:
        env = current_app.jinja_env
        names = sorted(env.list_templates())
        version = fragments.digest(*(env.loader.get_source(env, name)[0] for name in names))
        current_app.extensions["templates_version"] = version
    return version


def viewer_class(p: QuestionPage, viewer) -> tuple:
    """What about the viewer changes an answer's HTML, other than their own posts and votes."""
    signed_in = policy.is_signed_in(viewer)
    return (
        signed_in,
        signed_in and viewer.is_confirmed,
        p.perms.reply,
        p.perms.moderate,
        p.perms.is_author,
        str(get_locale()),
        str(get_timezone()),
        p.pager.sort if p.pager else "votes",
        request.script_root,
    )


def _personal(p: QuestionPage, answer) -> bool:
    uid = p.perms.user_id
    if uid is None:
        return False
    if answer.author_id == uid or answer.id in p.my_answer_votes:
        return True
    return any(c.author_id == uid for c in p.comments.get(("answer", answer.id), []))


def _author(user) -> tuple:
    profile = user.profile
    return (
        user.id,
        user.username,
        user.display_name,
        user.is_deleted,
        user.initials,
        user.avatar_hue,
        user.verified_staff,
        user.role.value,
        profile.organisation if profile is not None else None,
    )


def answer_key(p: QuestionPage, answer, cls: tuple) -> str:
    """The cache key of one answer's HTML for viewers of class `cls`."""
    shown = p.comments_for("answer", answer.id)
    return fragments.digest(
        templates_version(),
        cls,
        p.question.id,
        answer.id == p.question.accepted_answer_id,
        p.question.accepted_answer_id,
        answer.id,
        answer.body_html,
        answer.score,
        answer.created_at,
        answer.edited_at,
        answer.hidden_at,
        answer.hidden_reason,
        _author(answer.author),
        tuple(
            (c.id, c.body, c.author_id, c.author.display_name, c.created_at, c.hidden_at)
            for c in shown
        ),
        p.more_comments("answer", answer.id),
        sorted(p.comment_cases.items()) if shown else (),
    )


def answers_html(p: QuestionPage, viewer, context: dict) -> list[Markup]:
    """The page's answers in order, as HTML; `context` holds the forms the template uses."""
    template = current_app.jinja_env.get_template("questions/_answer.html")
    base = dict(context, p=p, q=p.question)
    current_app.update_template_context(base)

    def render(answer) -> str:
        return template.render(base, a=answer)

    if request.method != "GET":  # a form came back with its errors: nothing shared
        return [Markup(render(a)) for a in p.answers]  # noqa: S704 - autoescaped by Jinja
    cls = viewer_class(p, viewer)
    keyed = {}
    for a in p.answers:
        if not _personal(p, a):
            keyed[answer_key(p, a, cls)] = a

    def render_missing(keys: list[str]) -> dict[str, str]:
        with fragments.placeholders() as shared:
            fresh = {k: render(keyed[k]) for k in keys}
        # Belt and braces: a fragment that somehow holds this session's token is not shared.
        return {k: html for k, html in fresh.items() if not shared.leaks(html)}

    found = fragments.cached(keyed, render_missing)
    by_answer = {a.id: found[k] for k, a in keyed.items() if k in found}
    # Both are Jinja's autoescaped output of questions/_answer.html.
    return [
        Markup(by_answer[a.id] if a.id in by_answer else render(a))  # noqa: S704
        for a in p.answers
    ]
