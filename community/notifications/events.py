"""Socket.IO handlers. Every handler needs a signed-in user; rooms are joined only after the
same permission checks as the pages (a private circle's question room refuses outsiders)."""

from __future__ import annotations

import functools

from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room

from community.errors import DomainError
from community.extensions import db, socketio


def authenticated_only(handler):
    """login_required does not apply to Socket.IO handlers (Flask-SocketIO docs)."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            disconnect()
            return None
        try:
            return handler(*args, **kwargs)
        finally:
            db.session.remove()

    return wrapper


@socketio.on("connect")
def on_connect(auth=None):  # noqa: ARG001 - Socket.IO passes the client's auth payload
    if not current_user.is_authenticated:
        return False  # refuse the connection
    join_room(f"user:{current_user.id}")
    db.session.remove()
    return True


@socketio.on("watch_question")
@authenticated_only
def watch_question(data):
    from community.questions import services as questions

    try:
        question = questions.get_visible(current_user, int((data or {}).get("question_id", 0)))
    except (DomainError, TypeError, ValueError):
        return {"ok": False}
    join_room(f"question:{question.id}")
    return {"ok": True}


@socketio.on("unwatch_question")
@authenticated_only
def unwatch_question(data):
    leave_room(f"question:{int((data or {}).get('question_id', 0))}")
    return {"ok": True}


@socketio.on("watch_circle")
@authenticated_only
def watch_circle(data):
    from community.circles import services as circles

    try:
        circle = circles.get_visible(current_user, str((data or {}).get("slug", "")))
    except DomainError:
        return {"ok": False}
    join_room(f"circle:{circle.id}")
    return {"ok": True}
