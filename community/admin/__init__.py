"""Administration: users, roles, verification, verified staff domains and undelivered mail."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from community.admin import outbox_routes, routes  # noqa: E402,F401
