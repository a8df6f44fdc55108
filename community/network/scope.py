"""Who may see which prefectures of the network view: admins all, coordinators theirs."""

from __future__ import annotations

from werkzeug.exceptions import NotFound

from community.auth.models import User


def visible_prefectures(user: User) -> frozenset[str] | None:
    """The prefecture codes `user` may see; None means every prefecture (an admin)."""
    if user.is_authenticated and user.is_admin:
        return None
    return frozenset()


def require_network_access(user: User) -> None:
    """Raise 404 unless `user` may open the network view at all."""
    scope = visible_prefectures(user)
    if scope is not None and not scope:
        raise NotFound()


def require_prefecture(user: User, code: str) -> None:
    """Raise 404 unless `user` may see prefecture `code`."""
    scope = visible_prefectures(user)
    if scope is not None and code not in scope:
        raise NotFound()
