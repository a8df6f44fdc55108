"""How Socket.IO waits: one thread per connection, or gevent's greenlets under gunicorn.

Threads are the default (`make run`, the tests, `flask` commands). Production serves with
gunicorn's gevent worker (`deploy/gunicorn.conf.py`), which monkey-patches the standard library
before it imports the app and sets `KAKEHASHI_ASYNC_MODE=gevent`: an idle WebSocket then costs a
greenlet, not one of a fixed number of threads.
"""

from __future__ import annotations

import logging
import os
import sys

MODES = ("threading", "gevent")
log = logging.getLogger("community.live")


def gevent_patched() -> bool:
    """Whether gevent has patched the socket module in this process (gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")  # never import gevent just to ask
    return bool(monkey and monkey.is_module_patched("socket"))


def select(config) -> str:
    """The async_mode for SocketIO.init_app: KAKEHASHI_ASYNC_MODE, checked against the process."""
    wanted = config.get("ASYNC_MODE") or os.environ.get("KAKEHASHI_ASYNC_MODE") or "threading"
    if wanted not in MODES:
        raise RuntimeError(f"KAKEHASHI_ASYNC_MODE must be one of {MODES}, not {wanted!r}.")
    patched = gevent_patched()
    if wanted == "gevent" and not patched:
        # A `flask` command run with the production environment serves no sockets, and
        # gevent mode without the patched standard library would block (python-socketio's
        # Redis queue refuses to start): threads are right for this process.
        log.warning(
            "KAKEHASHI_ASYNC_MODE=gevent needs gunicorn's gevent worker "
            "(gunicorn -c deploy/gunicorn.conf.py); this process is not patched, using threads"
        )
        return "threading"
    if wanted == "threading" and patched:
        raise RuntimeError(
            "gunicorn's gevent worker needs KAKEHASHI_ASYNC_MODE=gevent: "
            "start it with `gunicorn -c deploy/gunicorn.conf.py`."
        )
    return wanted
