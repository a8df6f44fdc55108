"""Readiness checks for /readyz: each dependency answers within a deadline, or it is down.

Each check runs in its own thread and the probe waits at most READY_TIMEOUT for all of
them: a database or Redis that accepts connections but never answers (a partition) would
otherwise hold the probe as long as it holds every request, and the load balancer would
learn nothing. A check that misses the deadline reports "timeout" and finishes on its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis
from flask import Flask
from sqlalchemy import text

from community.config import redis_options
from community.extensions import db

READY_TIMEOUT = 0.9  # seconds for all checks together


def _database(app: Flask) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        # Informational: a growing queue means the mail worker is down or SMTP is refusing.
        depth = conn.execute(
            text("SELECT count(*) FROM outgoing_mail WHERE status IN ('queued', 'sending')")
        ).scalar_one()
    return {"mail_queue": int(depth)}


def _redis(app: Flask) -> None:
    client = redis.Redis.from_url(app.config["REDIS_URL"], **redis_options(app.config))
    try:
        client.ping()
    finally:
        client.close()


def check_all(app: Flask) -> tuple[dict[str, str], dict[str, int]]:
    """({"db": "ok" | "error" | "timeout", "redis": … when REDIS_URL is set}, figures such as
    {"mail_queue": 3} from the checks that answered)."""
    checks: dict[str, Callable[[Flask], dict | None]] = {"db": _database}
    if app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    results = dict.fromkeys(checks, "timeout")
    figures: dict[str, int] = {}

    def run(name: str, check: Callable[[Flask], dict | None]) -> None:
        try:
            figures.update(check(app) or {})
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            # One line: probes come every few seconds, for as long as the outage lasts.
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            app.logger.warning("readiness check %s failed: %s", name, reason)
            results[name] = "error"
        else:
            results[name] = "ok"

    threads = [
        threading.Thread(target=run, args=item, daemon=True, name=f"readyz-{item[0]}")
        for item in checks.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + READY_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(results), dict(figures)
