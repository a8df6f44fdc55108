"""Per-account login lockout, beside the per-address login limit.

The per-address limit (RATELIMIT_LOGIN) stops one client from guessing fast; it does nothing
against guesses spread over many addresses. Here failed passwords are counted per email or
username typed, whatever the client's address: after LOGIN_LOCKOUT's number of failures
within its window, logins with that identifier are refused until the oldest failure leaves
the window. Identifiers without an account are counted and refused the same way, so that a
refusal never tells whether an account exists. The counts live in the rate-limit store
(Redis when REDIS_URL is set, so every app process shares them; memory otherwise).

When that store fails (Redis down or not answering within its short timeouts), the counts
move to this process's memory for a while and a warning is logged, as the rate limits do:
logins go on, still locked out per process, instead of failing with the store.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_babel import ngettext
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from community.auth.validation import narrow
from community.errors import DomainError

_EXTENSION = "kakehashi_login_lockout"
# Seconds the shared store is left alone after it failed, before it is tried again.
RETRY_STORE_AFTER = 30
log = logging.getLogger(__name__)
T = TypeVar("T")


class LoginLocked(DomainError):
    """Too many failed passwords for this identifier lately (the same for unknown ones)."""

    status = 429
    code = "login_locked"


class _Store:
    """The shared store, with this process's memory standing in while the shared one fails."""

    def __init__(self, storage: Storage):
        self.shared = MovingWindowRateLimiter(storage)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.down_until = 0.0
        self._lock = threading.Lock()

    def call(self, action: Callable[[MovingWindowRateLimiter], T]) -> T:
        if time.monotonic() >= self.down_until:
            try:
                return action(self.shared)
            except self.shared.storage.base_exceptions as exc:
                with self._lock:
                    if time.monotonic() >= self.down_until:
                        log.warning("login lockout store unreachable, using memory: %s", exc)
                    self.down_until = time.monotonic() + RETRY_STORE_AFTER
        return action(self.fallback)


def _state() -> tuple[_Store, RateLimitItem, str]:
    app = current_app._get_current_object()
    store = app.extensions.get(_EXTENSION)
    if store is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        options = app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}
        store = app.extensions[_EXTENSION] = _Store(storage_from_string(uri, **options))
    prefix = app.config.get("RATELIMIT_KEY_PREFIX", "kakehashi")
    return store, parse(app.config["LOGIN_LOCKOUT"]), prefix


def _key(identifier: str) -> tuple[str, str]:
    # A digest, not the address itself: the store need not hold people's email addresses.
    digest = hashlib.sha256(narrow(identifier or "").lower().encode()).hexdigest()
    return "login-lockout", digest


def check(identifier: str) -> None:
    """Raise LoginLocked while the identifier is locked out."""
    store, limit, prefix = _state()
    key = _key(identifier)
    if store.call(lambda s: s.test(limit, prefix, *key)):
        return
    reset_at = store.call(lambda s: s.get_window_stats(limit, prefix, *key).reset_time)
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
    store, limit, prefix = _state()
    key = _key(identifier)
    store.call(lambda s: s.hit(limit, prefix, *key))


def clear(identifier: str) -> None:
    """Forget the identifier's failures (after a successful login)."""
    store, limit, prefix = _state()
    key = _key(identifier)
    store.call(lambda s: s.clear(limit, prefix, *key))


def reset() -> None:
    """Forget every count when the store is this process's memory (tests start afresh)."""
    store = current_app.extensions.get(_EXTENSION)
    if store is not None:
        store.fallback.storage.reset()
        if isinstance(store.shared.storage, MemoryStorage):
            store.shared.storage.reset()
