"""Values worked out once per request and user: the header asks some of them more than once,
and a page that already read them in a statement of its own hands them over."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

_UNSET = object()


def per_request(name: str, value=_UNSET):
    """Read (or store) a value cached for this request and user only; None when not stored.

    Keyed by the request object, not just kept on `g`: an app context (and its `g`) can outlive
    one request, as when tests or the CLI hold one open around several."""
    if not has_request_context():
        return None if value is _UNSET else value
    key = (id(request._get_current_object()), getattr(current_user, "id", None))
    cache = g.setdefault("_per_request", {})
    if value is _UNSET:
        hit = cache.get(name)
        return hit[1] if hit and hit[0] == key else None
    cache[name] = (key, value)
    return value
