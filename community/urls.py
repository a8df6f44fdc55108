"""URL helpers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

# Whitespace and control characters have no place in a local path; CR/LF would split headers.
_UNSAFE_IN_PATH = re.compile(r"[\s\x00-\x1f\x7f-\x9f\\]")


def base_url() -> str:
    """Scheme and host of links that leave the page (mail, calendar feeds), without a slash.

    KAKEHASHI_BASE_URL when it is set, as every deployment sets it (production refuses to start
    without it: a Host header must never choose where mailed links point). Unset, in development,
    the host and port this request came in on, so that `flask run --port 5301` mails links to
    5301; outside a request (the mail worker, cron) the development default.
    """
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return current_app.config["DEFAULT_BASE_URL"]


def local_path(target: str | None, prefix: str = "/") -> str | None:
    """`target` when it is a path on this site under `prefix`, else None."""
    target = target or ""
    if (
        target.startswith(prefix)
        and not target.startswith("//")
        and not _UNSAFE_IN_PATH.search(target)
        and not urlsplit(target).netloc
    ):
        return target
    return None


def safe_next(default_endpoint: str = "core.home") -> str:
    """The `next` target when it stays on this site, else the default page."""
    target = request.args.get("next") or request.form.get("next")
    return local_path(target) or url_for(default_endpoint)


def url_self(endpoint: str | None = None, **changes) -> str:
    """This page's URL (or `endpoint`'s) with its query string, `changes` applied (None drops).

    Query keys that url_for would read as its own options (`_method`, `_external`, …,
    `endpoint`) or that name a path part are left out: a visitor's query string must not be
    able to break or redirect the links a page builds from it.
    """
    view_args = request.view_args or {}
    values = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key != "endpoint" and key not in view_args
    }
    values.update(view_args)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return url_for(endpoint or request.endpoint, **values)
