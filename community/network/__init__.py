"""The 群マネ network view: coverage of municipalities and monthly figures."""

from flask import Blueprint

bp = Blueprint("network", __name__)

# figures_watch connects the session hooks that keep the stored monthly figures correct.
from community.network import figures_watch, kpi_routes, routes  # noqa: E402,F401
