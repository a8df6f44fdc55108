"""Live pushes over Socket.IO, sent only after the transaction that caused them commits.

Events carry ids and counts, never content: a browser that learns of a new answer fetches it
over HTTP, where the usual permission checks apply to that viewer.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, has_request_context

from community.extensions import socketio

# What a push carries: the data, or a function that reads it when the push is sent (after
# commit), such as the unread count that must include this request's change.
Payload = dict | Callable[[], dict]


def _emit(event: str, data: Payload, room: str) -> None:
    try:
        socketio.emit(event, data() if callable(data) else data, to=room)
    except Exception:  # noqa: BLE001 - a push is best effort; the page still shows it on reload
        current_app.logger.exception("socket.io emit failed")


def queue(event: str, data: Payload, room: str) -> None:
    """Push `event` to `room` after this request commits (at once outside a request)."""
    if has_request_context():
        g.setdefault("live_outbox", []).append((event, data, room))
    else:
        _emit(event, data, room)


def flush() -> None:
    """Send the pushes queued during this request (the request edge calls it after commit)."""
    for event, data, room in g.pop("live_outbox", []):
        _emit(event, data, room)


def discard() -> None:
    """Forget the pushes queued during this request (it rolled back)."""
    g.pop("live_outbox", None)


def answer_posted(question_id: int, answer_id: int) -> None:
    """Tell the question's open pages that an answer arrived (they fetch it over HTTP)."""
    queue(
        "answer_posted",
        {"question_id": question_id, "answer_id": answer_id},
        f"question:{question_id}",
    )


def comment_posted(question_id: int, comment_id: int) -> None:
    """Tell the question's open pages that a comment arrived."""
    queue(
        "comment_posted",
        {"question_id": question_id, "comment_id": comment_id},
        f"question:{question_id}",
    )


def question_posted(circle_id: int, question_id: int) -> None:
    """Tell the circle's open pages that a question was asked there."""
    queue(
        "question_posted",
        {"circle_id": circle_id, "question_id": question_id},
        f"circle:{circle_id}",
    )
