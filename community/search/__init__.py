"""Japanese full-text search."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from community.search import routes, subscribers  # noqa: E402,F401
