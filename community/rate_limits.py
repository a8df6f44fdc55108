"""The posting rate limits, shared by every feature that lets members post (Flask-Limiter's
limit and key functions)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from community.extensions import limiter
from community.moderation import services as moderation

# The pages read most, none with a rate limit of its own: Flask-Limiter is told to skip them
# rather than work out on every request that no limit applies (about a tenth of a cached
# question page's time). tests/test_rate_limit_skips.py checks that none of them has a limit.
UNLIMITED_READS = frozenset(
    {
        "core.home",
        "questions.index",
        "questions.show",
        "casebook.index",
        "casebook.show",
        "circles.index",
        "circles.show",
        "profiles.directory",
        "profiles.show",
    }
)


@limiter.request_filter
def skip_unlimited_reads() -> bool:
    """A GET of one of UNLIMITED_READS (a limit added to one of them would not apply)."""
    return request.method in ("GET", "HEAD") and request.endpoint in UNLIMITED_READS


def post_limit() -> str:
    """New members (trust level 0) post at a lower rate than everyone else."""
    if current_user.is_authenticated and moderation.trust_level(current_user) == 0:
        return current_app.config["RATELIMIT_POST_NEW"]
    return current_app.config["RATELIMIT_POST"]


def user_key() -> str:
    """The rate-limit key: the signed-in member, else the address."""
    return (
        f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "?"
    )
