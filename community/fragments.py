"""A cache of rendered HTML fragments, keyed by what they show.

A fragment's key is a digest of every value its template reads (the post, its author's chip,
its comments, the viewer's class, the locale, the templates' own source), so a change to any of
them is a different key: nothing has to be invalidated and a stale or foreign fragment cannot be
served. Entries nobody asks for any more simply age out (LRU in the process, a TTL in Redis).

Forms inside a cached fragment carry placeholders instead of the per-request CSRF token and
one-time form keys; `personalise` fills them in for each response. A page cached for many
signed-in readers also keeps placeholders where base.html shows the reader's own parts (the bell,
the account menu, their banners: templates/_me.html); `fill_personal` renders them per response.

With REDIS_URL the fragments are shared by every worker (one MGET a page), each process keeping the
ones it reads most in front of Redis (`TieredStore`); otherwise each process keeps its own. Redis
failing costs speed, not pages: the fragments are rendered as if missing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict

from flask import Flask, current_app, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from redis.exceptions import RedisError

from community.config import redis_options
from community.idempotency import KEY_PLACEHOLDER, new_key, rendered_key

log = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "\x00csrf\x00"
_KEY_RE = re.compile(re.escape(KEY_PLACEHOLDER))
LOCAL_ENTRIES = 4000
# With Redis, what each process keeps of its own in front of it (characters of HTML: ~32 MB).
TIER_LOCAL_CHARS = 16_000_000
TIER_FETCHED_TTL = 60  # seconds
REDIS_TTL = 24 * 3600  # seconds; fragments are keyed by content, the TTL only frees memory
PREFIX = "frag:"
PERSONAL_PARTS = ("nav", "quick", "banners")  # the macros of templates/_me.html


def digest(*parts) -> str:
    """A short, stable key for a tuple of plain values (str, int, datetime, None, tuples)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class LocalStore:
    """A bounded LRU dict, shared by the threads of one process: at most `size` entries and, when
    `max_chars` is given, at most that many characters of HTML in all."""

    def __init__(self, size: int = LOCAL_ENTRIES, max_chars: int | None = None) -> None:
        self.size = size
        self.max_chars = max_chars
        self._chars = 0
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, str]:
        found = {}
        now = time.monotonic()
        with self._lock:
            for key in keys:
                entry = self._data.get(key)
                if entry is None:
                    continue
                if entry[0] < now:
                    self._chars -= len(self._data.pop(key)[1])
                    continue
                self._data.move_to_end(key)
                found[key] = entry[1]
        return found

    def set_many(self, items: dict[str, str], ttl: int = REDIS_TTL) -> None:
        expires = time.monotonic() + ttl
        with self._lock:
            for key, value in items.items():
                old = self._data.get(key)
                if old is not None:
                    self._chars -= len(old[1])
                self._data[key] = (expires, value)
                self._data.move_to_end(key)
                self._chars += len(value)
            while len(self._data) > self.size or (
                self.max_chars is not None and self._chars > self.max_chars and self._data
            ):
                self._chars -= len(self._data.popitem(last=False)[1][1])

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._chars = 0


class RedisStore:
    """Fragments in Redis: one round trip to read a page's fragments, one to write the misses."""

    def __init__(self, url: str, options: dict) -> None:
        import redis

        self._client = redis.Redis.from_url(url, **options)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        try:
            values = self._client.mget([PREFIX + k for k in keys])
        except RedisError as err:
            log.warning("fragment cache unavailable: %s", err)
            return {}
        return {k: v.decode() for k, v in zip(keys, values, strict=True) if v is not None}

    def set_many(self, items: dict[str, str], ttl: int = REDIS_TTL) -> None:
        if not items:
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(PREFIX + key, value.encode(), ex=ttl)
                pipe.execute()
        except RedisError as err:
            log.warning("fragment cache unavailable: %s", err)

    def clear(self) -> None:
        try:
            for key in self._client.scan_iter(PREFIX + "*", count=1000):
                self._client.delete(key)
        except RedisError as err:
            log.warning("fragment cache unavailable: %s", err)


class TieredStore:
    """Redis shared by every process, with a small LRU of this process's own in front of it.

    Keys name their content (the module's docstring), so a copy kept in the process can never be
    stale: what changes is the key a page asks for. The local copy saves the round trip and the
    transfer of a whole page (tens of kB) on every read of a popular page."""

    def __init__(self, shared: RedisStore, local: LocalStore) -> None:
        self.shared = shared
        self.local = local

    def get_many(self, keys: list[str]) -> dict[str, str]:
        found = self.local.get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            fetched = self.shared.get_many(missing)
            if fetched:
                # Redis does not say how long these have left: a minute bounds what a TTL that
                # stands for "a change nobody reported" (page_cache.PAGE_TTL) may overrun.
                self.local.set_many(fetched, ttl=TIER_FETCHED_TTL)
                found.update(fetched)
        return found

    def set_many(self, items: dict[str, str], ttl: int = REDIS_TTL) -> None:
        self.local.set_many(items, ttl)
        self.shared.set_many(items, ttl)

    def clear(self) -> None:
        self.local.clear()
        self.shared.clear()


def init_app(app: Flask) -> None:
    """The app's store: Redis when REDIS_URL is set (FRAGMENT_CACHE="local" keeps it in-process;
    "off" renders everything every time, for comparison)."""
    mode = app.config.get("FRAGMENT_CACHE", "auto")
    if mode == "off":
        store = None
    elif app.config.get("REDIS_URL") and mode != "local":
        store = TieredStore(
            RedisStore(app.config["REDIS_URL"], redis_options(app.config)),
            LocalStore(max_chars=TIER_LOCAL_CHARS),
        )
    else:
        store = LocalStore()
    app.extensions["fragments"] = store


def store():
    return current_app.extensions.get("fragments")


class placeholders:
    """While active, `csrf_token()` and `idempotency_key()` render placeholders, so that what is
    rendered can be cached and shared; use as `with placeholders(): ...`."""

    def __enter__(self):
        self._token = g.get("csrf_token")
        self._keys = g.get("fragment_keys")  # nested: the outer render still wants placeholders
        g.csrf_token = CSRF_PLACEHOLDER
        g.fragment_keys = True
        return self

    def leaks(self, html: str) -> bool:
        """Whether `html` holds the token this request had before (it must not be shared)."""
        return bool(self._token) and self._token != CSRF_PLACEHOLDER and self._token in html

    def __exit__(self, *exc):
        if self._keys is None:
            g.pop("fragment_keys", None)
        else:
            g.fragment_keys = self._keys
        if self._token is None:
            g.pop("csrf_token", None)
        else:
            g.csrf_token = self._token
        return False


def one_time_key() -> str:
    """The template global `idempotency_key()`: a placeholder inside a cached fragment."""
    return rendered_key()


def personalise(html: str) -> str:
    """Fill the placeholders of cached fragments with this response's token and fresh keys."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    if KEY_PLACEHOLDER in html:
        html = _KEY_RE.sub(lambda _m: new_key(), html)
    return html


def _personal_mark(part: str) -> str:
    return f"\x00me:{part}\x00"


class personal_placeholders:
    """While active, the reader's own parts of base.html render as placeholders (with
    `personal_placeholders(): ...`), for a page shared by many signed-in readers."""

    def __enter__(self):
        g.personal_placeholders = True
        return self

    def __exit__(self, *exc):
        g.pop("personal_placeholders", None)
        return False


def personal(part: str, render) -> Markup:
    """The template global `personal(name, macro)`: the macro's output, or its placeholder."""
    if g.get("personal_placeholders"):
        return Markup(_personal_mark(part))  # noqa: S704 - a constant control-character marker
    return render()


def fill_personal(html: str) -> str:
    """Render this reader's parts of the page (templates/_me.html) into its placeholders."""
    if _personal_mark(PERSONAL_PARTS[0]) not in html:
        return html
    context: dict = {}
    current_app.update_template_context(context)
    me = current_app.jinja_env.get_template("_me.html").make_module(context)
    for part in PERSONAL_PARTS:
        html = html.replace(_personal_mark(part), str(getattr(me, part)()), 1)
    return html
