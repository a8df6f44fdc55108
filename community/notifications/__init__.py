"""Notifications: the bell, the list, mail preferences, digests and live pushes."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from community.notifications import events, routes, subscribers  # noqa: E402,F401
