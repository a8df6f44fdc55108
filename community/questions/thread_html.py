"""The answers of a question page as HTML, each rendered once per thread version and viewer class.

Rendering is where a question page spends its time (the SQL is a handful of cheap statements),
and most of an answer's HTML is the same for every reader of the same kind. So each answer is
kept in the fragment cache (community/fragments.py) under a key made of:

- the question's `version` (and creation time), which every change to what its page shows
  bumps in the same transaction (questions/page_cache.py): an edit, a vote, a comment, a hidden
  answer, a renamed author, an accepted answer;
- the answer's id and whether its comments are expanded;
- the viewer's *class*: signed in or not, confirmed, may reply, moderates, asked the question;
  the locale and time zone; the answers' sort (the "show more" link keeps it);
- the templates' source, so a deploy that changes them starts afresh.

Only the references of the page's answers (id, author) are read up front; rows, authors and
comments are loaded for the answers that must be rendered: those missing from the cache, and
those personal to the viewer — theirs, voted on by them, or with a comment of theirs — which are
rendered for them alone, never cached, because their buttons differ (edit, no flag, a pressed
vote). Everything is rendered afresh when a form comes back with errors. A stale or
foreign-permission fragment cannot be served: a change makes a new version, and what differs
between viewers is either in the class or rendered per viewer.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from community import fragments, policy
from community.questions.page import QuestionPage

# Keys change with every version of the thread; old entries only take memory until they expire.
FRAGMENT_TTL = 3600


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


def _personal(p: QuestionPage, ref) -> bool:
    uid = p.perms.user_id
    if uid is None:
        return False
    return ref.author_id == uid or ref.id in p.my_answer_votes or ref.id in p.commented


def answer_key(p: QuestionPage, answer_id: int, cls: tuple) -> str:
    """The cache key of one answer's HTML for viewers of class `cls`."""
    q = p.question
    return fragments.digest(
        templates_version(),
        cls,
        q.id,
        q.created_at,  # an id can come back after a delete on SQLite
        q.version,
        answer_id,
        p.expanded == f"answer-{answer_id}",
    )


def answers_html(p: QuestionPage, viewer, context: dict) -> list[Markup]:
    """The page's answers in order, as HTML; `context` holds the forms the template uses."""
    template = current_app.jinja_env.get_template("questions/_answer.html")
    base = dict(context, p=p, q=p.question)
    current_app.update_template_context(base)

    def render(answer) -> str:
        return template.render(base, a=answer)

    refs = p.answer_refs
    if request.method != "GET":  # a form came back with its errors: nothing shared
        return [Markup(render(a)) for a in p.answers]  # noqa: S704 - autoescaped by Jinja
    cls = viewer_class(p, viewer)
    keyed = {answer_key(p, r.id, cls): r.id for r in refs if not _personal(p, r)}
    backend = fragments.store()
    found = backend.get_many(list(keyed)) if backend is not None else {}
    cached = {keyed[k]: html for k, html in found.items()}
    p.load_answers([r.id for r in refs if r.id not in cached])
    fresh = {}
    with fragments.placeholders() as shared:
        for key, answer_id in keyed.items():
            if answer_id not in cached and answer_id in p.loaded:
                html = render(p.loaded[answer_id])
                # Belt and braces: HTML holding this session's token is never shared.
                if not shared.leaks(html):
                    fresh[key] = cached[answer_id] = html
    if fresh and backend is not None:
        backend.set_many(fresh, ttl=FRAGMENT_TTL)
    # All of it is Jinja's autoescaped output of questions/_answer.html.
    return [
        Markup(cached[r.id] if r.id in cached else render(p.loaded[r.id]))  # noqa: S704
        for r in refs
        if r.id in cached or r.id in p.loaded
    ]
