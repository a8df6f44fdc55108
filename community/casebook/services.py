"""Casebook rules, one import away: the names routes, other packages and tests use.

The rules live in access, saving, history, listing and links; this module re-exports them so
`from community.casebook import services as casebook` keeps working for every caller.
"""

from __future__ import annotations

from community.casebook.access import can_edit, get_visible, visible_clause
from community.casebook.history import revisions, snapshot
from community.casebook.links import (
    MENTION_RE,
    helped_resolve,
    link_question,
    links_for_question,
    mentioned_slugs,
    published_choices,
    questions_for_case,
    sync_mentions,
    unlink,
)
from community.casebook.listing import CaseFilters, facets, list_query, organisations
from community.casebook.saving import save_case
from community.casebook.validation import SLUG_RE, CaseInput, CaseInvalid, parse_yen, validate

__all__ = [
    "MENTION_RE",
    "SLUG_RE",
    "CaseFilters",
    "CaseInput",
    "CaseInvalid",
    "can_edit",
    "facets",
    "get_visible",
    "helped_resolve",
    "link_question",
    "links_for_question",
    "list_query",
    "mentioned_slugs",
    "organisations",
    "parse_yen",
    "published_choices",
    "questions_for_case",
    "revisions",
    "save_case",
    "snapshot",
    "sync_mentions",
    "unlink",
    "validate",
    "visible_clause",
]
