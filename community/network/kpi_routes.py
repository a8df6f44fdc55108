"""Monthly figures (KPIs) of the network view: pages, charts and CSV."""

from community.network import bp  # noqa: F401
