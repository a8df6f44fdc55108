"""Per-account login lockout, beside the per-address login limit.

The per-address limit (RATELIMIT_LOGIN) stops one client from guessing fast; it does nothing
against guesses spread over many addresses. Here failed passwords are counted per email or
username typed, whatever the client's address: after LOGIN_LOCKOUT's number of failures
within its window, logins with that identifier are refused until the oldest failure leaves
the window. Identifiers without an account are counted and refused the same way, so that a
refusal never tells whether an account exists. The counts live in the rate-limit store
(Redis when REDIS_URL is set, so every app process shares them; memory otherwise).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from flask_babel import ngettext
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from community.errors import DomainError

_EXTENSION = "kakehashi_login_lockout"


class LoginLocked(DomainError):
    """Too many failed passwords for this identifier lately (the same for unknown ones)."""

    status = 429
    code = "login_locked"


def _state() -> tuple[MovingWindowRateLimiter, RateLimitItem, str]:
    app = current_app._get_current_object()
    strategy = app.extensions.get(_EXTENSION)
    if strategy is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        storage: Storage = storage_from_string(uri)
        strategy = app.extensions[_EXTENSION] = MovingWindowRateLimiter(storage)
    prefix = app.config.get("RATELIMIT_KEY_PREFIX", "kakehashi")
    return strategy, parse(app.config["LOGIN_LOCKOUT"]), prefix


def _key(identifier: str) -> tuple[str, str]:
    # A digest, not the address itself: the store need not hold people's email addresses.
    digest = hashlib.sha256((identifier or "").strip().lower().encode()).hexdigest()
    return "login-lockout", digest


def check(identifier: str) -> None:
    """Raise LoginLocked while the identifier is locked out."""
    strategy, limit, prefix = _state()
    if strategy.test(limit, prefix, *_key(identifier)):
        return
    reset_at = strategy.get_window_stats(limit, prefix, *_key(identifier)).reset_time
    minutes = max(1, math.ceil((reset_at - time.time()) / 60))
    raise LoginLocked(
        ngettext(
            "Too many failed attempts to log in with this email or username. Try again in "
            "%(num)d minute, or reset your password.",
            "Too many failed attempts to log in with this email or username. Try again in "
            "%(num)d minutes, or reset your password.",
            minutes,
        )
    )


def record_failure(identifier: str) -> None:
    """Count one failed password for the identifier."""
    strategy, limit, prefix = _state()
    strategy.hit(limit, prefix, *_key(identifier))


def clear(identifier: str) -> None:
    """Forget the identifier's failures (after a successful login)."""
    strategy, limit, prefix = _state()
    strategy.clear(limit, prefix, *_key(identifier))


def reset() -> None:
    """Forget every count when the store is this process's memory (tests start afresh)."""
    strategy = current_app.extensions.get(_EXTENSION)
    if strategy is not None and isinstance(strategy.storage, MemoryStorage):
        strategy.storage.reset()
