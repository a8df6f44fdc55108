"""The posting rate limits, shared by every feature that lets members post (Flask-Limiter's
limit and key functions)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from community.moderation import services as moderation


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
