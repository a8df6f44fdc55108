"""The 群マネ network view: coverage of municipalities and monthly figures."""

from flask import Blueprint

bp = Blueprint("network", __name__)

# figures_watch and stage_history connect session hooks: the stored monthly figures stay
# correct, and every change of a member's problem stage is recorded.
from community.network import (  # noqa: E402,F401
    figures_watch,
    kpi_routes,
    routes,
    stage_history,
    stage_routes,
)
