"""Who may see which prefectures of the network view: admins all, coordinators theirs.

Everyone else gets 404, never 403: the view's existence is not revealed to members.
"""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from community import policy
from community.auth.models import User
from community.extensions import db
from community.network.models import CoordinatorAppointment
from community.reference.models import Prefecture
from community.request_memo import per_request


def appointed_prefectures(user: User) -> frozenset[str]:
    """The prefecture codes `user` is appointed to coordinate (one statement, once a request)."""
    name = f"network_prefectures:{user.id}"  # the user asked about, not only the one signed in
    known = per_request(name)
    if known is None:
        codes = db.session.scalars(
            select(CoordinatorAppointment.prefecture_code).where(
                CoordinatorAppointment.user_id == user.id
            )
        )
        known = per_request(name, frozenset(codes))
    return known


def visible_prefectures(user: User) -> frozenset[str] | None:
    """The prefecture codes `user` may see; None means every prefecture (an admin)."""
    if not policy.is_signed_in(user) or user.is_deleted:
        return frozenset()
    if user.is_admin:
        return None
    if not user.is_confirmed:
        return frozenset()
    return appointed_prefectures(user)


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


def prefectures_in_scope(user: User) -> list[Prefecture]:
    """The prefectures `user` may choose in a network filter, by code (one statement)."""
    stmt = select(Prefecture).order_by(Prefecture.code)
    visible = visible_prefectures(user)
    if visible is not None:
        stmt = stmt.where(Prefecture.code.in_(sorted(visible)))
    return list(db.session.scalars(stmt))
