"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py -b HOST:PORT wsgi:app`.

One gevent worker per process (Flask-SocketIO serves a process's sockets from one worker; run
one process per core behind a load balancer with sticky sessions). The gevent worker
monkey-patches the standard library before it imports wsgi.py, so psycopg 3 (3.1.14 and later
detect the patched `select`), redis-py and simple-websocket all wait cooperatively: an idle
WebSocket holds a greenlet, and thousands fit in one process.
"""

import os

worker_class = "gevent"
workers = 1
# Open connections per process, WebSockets and page requests together: each needs a file
# descriptor, so the service's open-files limit must be above this (systemd LimitNOFILE).
worker_connections = int(os.environ.get("KAKEHASHI_WORKER_CONNECTIONS", "3000"))
# Set here, not in the shared environment, so `flask` commands keep their threads.
raw_env = ["KAKEHASHI_ASYNC_MODE=gevent"]

# --- graceful shutdown (README "Rolling restart") ---------------------------------------------
# On SIGTERM the worker stops accepting within a second and then waits for its connections to
# end, for up to graceful_timeout (30 s). Idle WebSockets never end by themselves: without the
# hook below every deploy would wait the full timeout and then cut them. Instead the worker
# closes them itself, and each browser (static/js/live.js: socket.io reconnects after a
# transport close) reconnects through the load balancer to a process still running.
# Seconds before closing: by then the worker's loop (one pass a second) has closed the listener.
SOCKETS_CLOSE_AFTER = 1.5
# At most 500 sockets a second, so that the reconnections do not reach the others all at once
# (2,000 sockets: 4 s).
SOCKETS_CLOSE_BATCH = 50
SOCKETS_CLOSE_PAUSE = 0.1


def post_worker_init(worker):
    """Close this process's Socket.IO connections when the worker is told to stop (SIGTERM)."""
    import signal

    import gevent

    stop = worker.handle_exit

    def handle_exit(sig, frame):
        stop(sig, frame)
        # Out of the signal handler, as gunicorn's gevent worker does for SIGQUIT.
        gevent.spawn(_close_sockets, worker)

    worker.handle_exit = handle_exit
    signal.signal(signal.SIGTERM, handle_exit)


def _close_sockets(worker):
    import gevent

    from community.extensions import socketio

    # Closed before the listener, a socket could reconnect to this same process.
    gevent.sleep(SOCKETS_CLOSE_AFTER)
    eio = socketio.server.eio
    sids = list(eio.sockets)
    worker.log.info("closing %d Socket.IO connections before exiting", len(sids))
    for start in range(0, len(sids), SOCKETS_CLOSE_BATCH):
        if start:
            gevent.sleep(SOCKETS_CLOSE_PAUSE)
        for sid in sids[start : start + SOCKETS_CLOSE_BATCH]:
            try:
                eio.disconnect(sid)
            except Exception:  # one socket that fails to close must not keep the others open
                worker.log.exception("could not close Socket.IO connection %s", sid)
