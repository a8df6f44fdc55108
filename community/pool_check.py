"""Checking a pooled PostgreSQL connection before use, without a round trip when it was just used.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` on every checkout: on a cached page that is one
round trip of two, and the database's own work for it shares the machine's cores. A connection
that went back to the pool a moment ago was alive then; what can have happened since is that
the server closed it (a restart, an administrator, a proxy cutting connections), and a closed
socket is readable (the server's goodbye and the end of the stream). So on checkout:

- a connection used within the last `IDLE_SECONDS` whose socket has nothing to read is used as
  it is (no round trip);
- otherwise it is pinged, and a dead one is replaced (and every older one with it) before the
  request sees it, as pre-ping does.

What the socket cannot show is a peer that vanished without closing (a network partition):
TCP keepalives (config.engine_options) and the statement timeout bound that case, and after
`IDLE_SECONDS` of quiet the ping covers it too.
"""

from __future__ import annotations

import select
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_SECONDS = 10.0
_LAST_USE = "kakehashi_last_use"


def install(engine: Engine) -> None:
    """Check `engine`'s pooled connections on checkout as the module describes."""

    @event.listens_for(engine, "checkin")
    def _note_use(dbapi_connection, record):
        if dbapi_connection is not None:
            record.info[_LAST_USE] = (dbapi_connection, time.monotonic())

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, proxy):  # noqa: ARG001 - SQLAlchemy's signature
        last = record.info.get(_LAST_USE)
        if last is None or last[0] is not dbapi_connection:
            return  # opened for this checkout: nothing to check
        if time.monotonic() - last[1] < IDLE_SECONDS and not _readable(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            if engine.dialect.is_disconnect(err, dbapi_connection, None):
                # Every connection opened before this one is as dead: replace them all.
                raise exc.InvalidatePoolError(str(err)) from err
            raise


def _readable(dbapi_connection) -> bool:
    """Whether the server sent something to an idle connection (its goodbye, end of stream)."""
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 - a closed connection has no descriptor: check it
        return True
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)
