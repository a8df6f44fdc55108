"""Test data builders that go through the real services.

Call them inside an application context; they flush and leave the commit to the caller.
Wherever a user is wanted, a User or a username will do.
"""

from __future__ import annotations

import itertools
from datetime import time, timedelta

from sqlalchemy import select

from community.auth.models import Role, User
from community.auth.services import create_user
from community.casebook import services as casebook
from community.casebook.models import Case
from community.circles import services as circle_services
from community.circles.models import Circle, CircleMembership, CircleRole, MembershipStatus
from community.db import utcnow
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import AvailabilityRule, Mode
from community.profiles.services import update_profile
from community.questions import services as qa
from community.questions.models import Answer, Question

PASSWORD = "correct horse battery"
QUESTION_TITLE = "判定区分Ⅲの橋の優先順位の付け方"
QUESTION_BODY = (
    "町の橋梁の点検について、判定区分の付け方で悩んでいます。詳しい方に教えてほしいです。"
)
ANSWER_BODY = "うちでは健全度と交通量で点数化しています。"
_seq = itertools.count(1)


def user_named(username: str) -> User | None:
    """The user with this username, or None."""
    return db.session.scalar(select(User).where(User.username == username))


def _as_user(user: User | str) -> User:
    return user_named(user) if isinstance(user, str) else user


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
    from community.profiles.services import codes_to_rows, set_bio
    from community.reference.models import Field, Topic

    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = generate_password_hash(PASSWORD)
    field_rows = codes_to_rows(Field, list(fields), "fields")
    topic_rows = codes_to_rows(Topic, list(help_topics), "help_topics")
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


def make_circle(
    owner: User | str, slug: str, visibility: str = "open", *, members=(), moderators=(), **data
) -> Circle:
    """A circle saved through the service by `owner` (an admin), with active members and
    moderators; other keys as in the circle form (names default to the slug)."""
    circle = circle_services.save_circle(
        _as_user(owner),
        None,
        {
            "slug": slug,
            "name_ja": f"{slug}の輪",
            "name_en": slug,
            "visibility": visibility,
            **data,
        },
    )
    for name, role in [(m, CircleRole.MEMBER) for m in members] + [
        (m, CircleRole.MODERATOR) for m in moderators
    ]:
        db.session.add(
            CircleMembership(
                circle_id=circle.id,
                user_id=_as_user(name).id,
                role=role,
                status=MembershipStatus.ACTIVE,
            )
        )
    db.session.flush()
    return circle


def ask(
    author: User | str, title: str = QUESTION_TITLE, body: str = QUESTION_BODY, **data
) -> Question:
    """A question asked through the service; other keys as in the ask form (circle, field,
    stage, topics, tags)."""
    return qa.ask(_as_user(author), {"title": title, "body": body, **data})


def answer(author: User | str, question: Question, body: str = ANSWER_BODY) -> Answer:
    """An answer posted through the service."""
    return qa.answer(_as_user(author), question, body)


def make_case(author: User | str, slug: str, **changes) -> Case:
    """A case saved through the service by `author` (an editor), published unless said
    otherwise; other keys as in casebook.CaseInput."""
    data = {
        "slug": slug,
        "title": f"事例 {slug} のタイトル",
        "summary_points": "ポイント",
        "overview": f"{slug} の概要です。",
        "direction": "outside",
        "status": "published",
        **changes,
    }
    return casebook.save_case(_as_user(author), None, casebook.CaseInput(**data))


def open_every_day(adviser: User, requires_confirmation: bool | None = None):
    """Office hours 9–18 every day in 60-minute online slots, bookable without notice; the start
    of the first free slot more than two days ahead."""
    s = oh.settings_for(adviser)
    s.min_notice_hours = 0
    if requires_confirmation is not None:
        s.requires_confirmation = requires_confirmation
    for weekday in range(7):
        db.session.add(
            AvailabilityRule(
                adviser_id=adviser.id,
                weekday=weekday,
                start_time=time(9),
                end_time=time(18),
                slot_minutes=60,
                mode=Mode.ONLINE,
            )
        )
    db.session.flush()
    later = utcnow() + timedelta(days=2)
    return next(slot.start for slot in oh.free_slots_for(adviser) if slot.start > later)
