"""JSON endpoints used by the pages' scripts (and later by API clients)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from community.api import questions, routes  # noqa: E402,F401
