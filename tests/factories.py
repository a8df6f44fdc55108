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
        email,
        password,
        Role(role),
        username=username,
        display_name=display_name or f"User {n}",
        confirmed=confirmed,
    )
    if profile:
        data = {"display_name": user.display_name, **profile}
        update_profile(user, user, data)
    db.session.flush()
    return user


_HASH_CACHE: dict[str, str] = {}


def make_people(
    n: int,
    *,
    prefix: str = "p",
    fields=("bridge",),
    help_topics=("inspection",),
    prefecture: str = "16",
    band: str = "lt10k",
    visibility: str = "public",
) -> list[User]:
    """Many confirmed users with full profiles, fast: one password hash shared by all."""
    from werkzeug.security import generate_password_hash

    from community.db import utcnow
    from community.profiles.models import Profile, Visibility
    from community.profiles.services import _codes_to_rows, set_bio
    from community.reference.models import Field, Topic

    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = generate_password_hash(PASSWORD)
    field_rows = _codes_to_rows(Field, list(fields), "fields")
    topic_rows = _codes_to_rows(Topic, list(help_topics), "help_topics")
    users = []
    for i in range(n):
        user = User(
            email=f"{prefix}{i}@example.com",
            username=f"{prefix}{i}",
            display_name=f"Person {prefix}{i}",
            password_hash=_HASH_CACHE[PASSWORD],
            email_confirmed_at=utcnow(),
        )
        profile = Profile(
            organisation=f"町{i}",
            prefecture_code=prefecture,
            population_band_code=band,
            visibility=Visibility(visibility),
        )
        profile.fields = list(field_rows)
        profile.help_topics = list(topic_rows)
        profile.learn_topics = list(topic_rows)
        set_bio(profile, f"bio {i}")
        user.profile = profile
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    return users
