"""Coverage pages of the network view (national, prefecture, 空白自治体)."""

from community.network import bp  # noqa: F401
