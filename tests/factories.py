"""Test data builders that go through the real services."""

from __future__ import annotations

import itertools

from community.auth.models import Role, User
from community.auth.services import create_user
from community.extensions import db
from community.profiles.services import update_profile

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    role: Role | str = Role.MEMBER,
    confirmed: bool = True,
    password: str = PASSWORD,
    display_name: str | None = None,
    **profile,
) -> User:
    """A user with a profile; profile keys as in the profile form (fields, prefecture, …)."""
    n = next(_seq)
    username = username or f"user{n}"
    email = email or f"{username}@example.com"
    user = create_user(
        email, password, Role(role), username=username, display_name=display_name or f"User {n}",
        confirmed=confirmed,
    )
    if profile:
        data = {"display_name": user.display_name, **profile}
        update_profile(user, user, data)
    db.session.flush()
    return user
