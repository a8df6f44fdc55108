"""The support navigator (課題ステータス → support) and the support catalogue."""

from flask import Blueprint

bp = Blueprint("support", __name__)

from community.support import routes  # noqa: E402,F401
