"""Administration: users, roles, verification and verified staff domains."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from community.admin import routes  # noqa: E402,F401
