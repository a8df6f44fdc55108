"""Home page, health check and the language switch."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from community.core import routes  # noqa: E402,F401
