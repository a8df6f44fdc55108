"""The 群マネ network view: coverage of municipalities and monthly figures."""

from flask import Blueprint

bp = Blueprint("network", __name__)

from community.network import kpi_routes, routes  # noqa: E402,F401
