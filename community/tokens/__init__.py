"""Personal access tokens: members create, name, scope and revoke keys for the JSON API."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)

from community.tokens import routes  # noqa: E402,F401
