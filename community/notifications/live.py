"""Live pushes over Socket.IO, sent only after the transaction that caused them commits.

Events carry ids and counts, never content: a browser that learns of a new answer fetches it
over HTTP, where the usual permission checks apply to that viewer.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context

from community.extensions import socketio


def _emit(event: str, data: dict, room: str) -> None:
    try:
        socketio.emit(event, data, to=room)
    except Exception:  # noqa: BLE001 - a push is best effort; the page still shows it on reload
        current_app.logger.exception("socket.io emit failed")


def queue(event: str, data: dict, room: str) -> None:
    if has_request_context():
        g.setdefault("live_outbox", []).append((event, data, room))
    else:
        _emit(event, data, room)


def flush() -> None:
    for event, data, room in g.pop("live_outbox", []):
        if event == "unread":
            from community.notifications.services import count_for

            data = {"unread": count_for(data["user_id"])}
        _emit(event, data, room)


def discard() -> None:
    g.pop("live_outbox", None)


def push_count(user_id: int) -> None:
    """The recipient's bell: the count is read after commit, so it includes this change."""
    queue("unread", {"user_id": user_id}, f"user:{user_id}")


def answer_posted(question_id: int, answer_id: int) -> None:
    queue(
        "answer_posted",
        {"question_id": question_id, "answer_id": answer_id},
        f"question:{question_id}",
    )


def comment_posted(question_id: int, comment_id: int) -> None:
    queue(
        "comment_posted",
        {"question_id": question_id, "comment_id": comment_id},
        f"question:{question_id}",
    )


def question_posted(circle_id: int, question_id: int) -> None:
    queue(
        "question_posted",
        {"circle_id": circle_id, "question_id": question_id},
        f"circle:{circle_id}",
    )
