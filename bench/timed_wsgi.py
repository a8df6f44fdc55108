"""`wsgi:app` with a `Server-Timing: app;dur=<ms>` header: the time the application took.

For `bench/question_ratio.py`: `gunicorn -c deploy/gunicorn.conf.py bench.timed_wsgi:app`. The
time runs from the call into Flask until its response body is complete (the page rendered,
the request's teardown done); what gunicorn spends parsing the request and writing to the
socket, and the client's own time, are outside it. The body is collected before the status
line is sent so that the header can carry the time: the bench's pages are not streamed.
Socket.IO requests pass through untouched.
"""

from __future__ import annotations

import time

from wsgi import app

_flask = app.wsgi_app


def _timed(environ, start_response):
    if environ.get("PATH_INFO", "").startswith("/socket.io"):
        return _flask(environ, start_response)
    started = time.perf_counter()
    held: list = []

    def hold(status, headers, exc_info=None):
        held[:] = [status, headers, exc_info]
        return _no_write

    result = _flask(environ, hold)
    try:
        body = list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers, exc_info = held
    headers.append(("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}"))
    start_response(status, headers, exc_info)
    return body


def _no_write(data):
    raise RuntimeError("the timed app does not support write()")


app.wsgi_app = _timed
