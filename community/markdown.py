"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises.

Japanese text: CommonMark's flanking rules refuse `**RC床版橋(橋長8m)**が` (punctuation just
inside the `**`, a kana just outside), so the CJK-friendly plugin relaxes them next to CJK
characters, and joins a line break between two CJK characters without a space.

`#case:<slug>` becomes a link to that case, titled, when the case is published (one query for
every mention in the text); any other slug stays plain text, so a draft's title never leaks into
the stored HTML.

Render once, read many (DESIGN.md): `store` renders when a text is written and keeps the source,
the HTML and RENDERER_VERSION together on the row; pages only read the HTML. Rows an older
renderer wrote are rendered again by `flask markdown rerender`, and what mentions a case when
its title or publication changes (both in community/rendered.py)."""

from __future__ import annotations

import re

import nh3
from flask import current_app
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup, escape
from mdit_py_cjk_friendly import cjk_friendly
from sqlalchemy import select

from community.casebook.models import Case, CaseStatus
from community.extensions import db

# Bump when the rendering or the allow-list changes: `flask markdown rerender` (run after
# `db upgrade` by `make run` and the compose `migrate` step) renders again every row stored
# with an older version.
# 2: CJK-friendly emphasis and line breaks; #case mentions as links.
RENDERER_VERSION = 2

# The slug rule of cases (casebook/links.py MENTION_RE, without the URL form).
_CASE_MENTION = re.compile(r"#case:([a-z0-9][a-z0-9-]{1,78}[a-z0-9])")
_WORD_BEFORE = re.compile(r"[A-Za-z0-9_/#]")


def _case_mention(state: StateInline, silent: bool) -> bool:
    """`#case:<slug>` of a published case → a link with its title; else nothing (plain text)."""
    if state.src[state.pos] != "#" or state.linkLevel > 0:
        return False  # inside a link's text, a mention stays text (no link in a link)
    if state.pos > 0 and _WORD_BEFORE.match(state.src[state.pos - 1]):
        return False  # `abc#case:x` or a URL fragment is not a mention
    match = _CASE_MENTION.match(state.src, state.pos)
    cases = state.env.get("cases") or {}
    if match is None or match.group(1) not in cases:
        return False
    if not silent:
        href, label = cases[match.group(1)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": href, "class": "case-mention"}
        state.push("text", "", 0).content = label
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .use(cjk_friendly)
)
_md.inline.ruler.before("emphasis", "case_mention", _case_mention)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}}
# Only the mention link's class survives; a class typed by a member cannot get through
# (raw HTML is off, and nh3 drops any other class).
ALLOWED_CLASSES = {"a": {"case-mention"}}


def mentioned_case_slugs(source: str) -> list[str]:
    """The case slugs `source` mentions (`#case:<slug>`), each once, in order."""
    return list(dict.fromkeys(_CASE_MENTION.findall(source or "")))


def published_cases(source: str) -> dict[str, tuple[str, str]]:
    """slug → (path, label) for the published cases the text mentions: one query, none if none."""
    slugs = mentioned_case_slugs(source)
    if not slugs:
        return {}
    rows = db.session.execute(
        select(Case.slug, Case.title).where(
            Case.slug.in_(slugs), Case.status == CaseStatus.PUBLISHED
        )
    ).all()
    # A path, not a full URL: the HTML is stored and outlives hosts and ports; built from the
    # URL map so that it works outside a request too (`flask markdown rerender`).
    urls = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT"))
    return {
        slug: (urls.build("casebook.show", {"slug": slug}), _("Case: %(title)s", title=title))
        for slug, title in rows
    }


def link_case_mentions(text: str, cases: dict[str, tuple[str, str]]) -> Markup:
    """Plain text (a comment) escaped, with its `#case:` mentions of `cases` as links: the same
    links as in rendered Markdown, for text that is not Markdown."""
    out, pos = [], 0
    for match in _CASE_MENTION.finditer(text or ""):
        start = match.start()
        if match.group(1) not in cases or (start and _WORD_BEFORE.match(text[start - 1])):
            continue
        href, label = cases[match.group(1)]
        out.append(escape(text[pos:start]))
        out.append(Markup('<a class="case-mention" href="{}">{}</a>').format(href, label))
        pos = match.end()
    out.append(escape((text or "")[pos:]))
    return Markup("").join(out)


def render(source: str) -> str:
    """Render user Markdown to sanitised HTML suitable for `|safe` in templates."""
    html = _md.render(source or "", {"cases": published_cases(source)})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
        filter_style_properties={"text-align"},
    )


def version_column(model, field: str) -> str | None:
    """The column holding the renderer version of `field`: `<field>_renderer`, else the row's
    `renderer`, else None (a model without one is rendered again on every rerender run)."""
    for name in (f"{field}_renderer", "renderer"):
        if hasattr(model, name):
            return name
    return None


def store(obj, field: str, source: str | None) -> None:
    """Set `<field>_md`, `<field>_html` and the renderer version on `obj` together: the one way a
    stored Markdown text is written, so that its HTML and version never disagree with it."""
    source = source or ""
    setattr(obj, f"{field}_md", source)
    setattr(obj, f"{field}_html", render(source))
    version = version_column(type(obj), field)
    if version:
        setattr(obj, version, RENDERER_VERSION)
