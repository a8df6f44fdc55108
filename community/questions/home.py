"""The home page's question lists: my circles' new questions, unanswered ones in my fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from community import policy
from community.extensions import db
from community.profiles.models import profile_fields
from community.questions import services
from community.questions.models import Question


@dataclass
class HomeFeeds:
    my_circles: list[Question] = field(default_factory=list)
    in_my_fields: list[Question] = field(default_factory=list)
    recent: list[Question] = field(default_factory=list)


def home_feeds(viewer, limit: int = 8) -> HomeFeeds:
    """Lists for the home page; visitors get the newest visible questions."""
    feeds = HomeFeeds()
    if not policy.is_signed_in(viewer):
        feeds.recent = list(
            db.session.scalars(services.list_query(viewer, sort="newest").limit(limit))
        )
        return feeds
    feeds.my_circles = list(
        db.session.scalars(services.list_query(viewer, sort="newest", mine_only=True).limit(limit))
    )
    my_fields = select(profile_fields.c.field_code).where(profile_fields.c.profile_id == viewer.id)
    feeds.in_my_fields = list(
        db.session.scalars(
            services.list_query(viewer, status="unanswered", sort="newest")
            .where(Question.field_code.in_(my_fields))
            .limit(limit)
        )
    )
    return feeds
