"""Home page, getting started and site pages, health check and the language switch."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from community.core import pages, routes  # noqa: E402,F401
