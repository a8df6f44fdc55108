"""Socket.IO handlers. Every handler needs a signed-in user; rooms are joined only after the
same permission checks as the pages (a private circle's question room refuses outsiders)."""

from __future__ import annotations

import functools

from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room

from community import metrics, policy
from community.circles import services as circles
from community.errors import DomainError
from community.extensions import db, socketio
from community.inputs import INT_MAX
from community.questions import services as questions

INVALID = {"ok": False, "error": "invalid_arguments"}
SLUG_MAX = 100


def _id_arg(data, key: str) -> int | None:
    """A positive id from a handler's payload ({key: 42} or {key: "42"}), else None."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= INT_MAX else None


def _slug_arg(data, key: str) -> str | None:
    """A circle slug from a handler's payload: short printable ASCII, else None."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not 0 < len(value) <= SLUG_MAX:
        return None
    return value if value.isascii() and value.isprintable() else None


def authenticated_only(handler):
    """login_required does not apply to Socket.IO handlers (Flask-SocketIO docs)."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        if not policy.is_signed_in(current_user):
            disconnect()
            return None
        try:
            return handler(*args, **kwargs)
        finally:
            db.session.remove()

    return wrapper


@socketio.on("connect")
def on_connect(auth=None):  # noqa: ARG001 - Socket.IO passes the client's auth payload
    """Members only; each joins their own room (`user:<id>`) for the bell's count."""
    if not policy.is_signed_in(current_user):
        return False  # refuse the connection
    join_room(f"user:{current_user.id}")
    db.session.remove()
    metrics.socket_opened()
    return True


@socketio.on("disconnect")
def on_disconnect(reason=None):  # noqa: ARG001 - python-socketio passes why it disconnected
    """Count the socket as closed."""
    # Only accepted connections reach here: a refused one never counted.
    metrics.socket_closed()


@socketio.on("watch_question")
@authenticated_only
def watch_question(data):
    """Join the question's room, when the member may see the question."""
    question_id = _id_arg(data, "question_id")
    if question_id is None:
        return INVALID
    try:
        question = questions.get_visible(current_user, question_id)
    except DomainError:
        return {"ok": False}
    join_room(f"question:{question.id}")
    return {"ok": True}


@socketio.on("unwatch_question")
@authenticated_only
def unwatch_question(data):
    """Leave the question's room."""
    question_id = _id_arg(data, "question_id")
    if question_id is None:
        return INVALID
    leave_room(f"question:{question_id}")
    return {"ok": True}


@socketio.on("watch_circle")
@authenticated_only
def watch_circle(data):
    """Join the circle's room, when the member may see the circle."""
    slug = _slug_arg(data, "slug")
    if slug is None:
        return INVALID
    try:
        circle = circles.get_visible(current_user, slug)
    except DomainError:
        return {"ok": False}
    join_room(f"circle:{circle.id}")
    return {"ok": True}
