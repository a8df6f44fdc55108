"""The fragment stores (community/fragments.py): the in-process LRU's bounds, and Redis with each
process's own copies in front of it. Redis is the real one (TEST_REDIS_URL), cut off with the TCP
proxy of tests/faults.py to show where a read was answered from."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask

from community import fragments
from community.config import TestConfig
from tests.faults import TcpProxy
from tests.test_edge import target

REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run the Redis tiers")


def test_the_local_store_keeps_at_most_its_characters_dropping_the_least_used():
    store = fragments.LocalStore(size=100, max_chars=10)
    store.set_many({"a": "aaaa", "b": "bbbb"})
    assert store.get_many(["a"]) == {"a": "aaaa"}  # a is now the most recently used
    store.set_many({"c": "cccc"})  # 12 characters: b, the least used, goes
    assert store.get_many(["a", "b", "c"]) == {"a": "aaaa", "c": "cccc"}
    store.set_many({"a": "x"})  # replacing a value counts only the new one
    store.set_many({"d": "dddd"})
    assert store.get_many(["a", "c", "d"]) == {"a": "x", "c": "cccc", "d": "dddd"}


def test_the_local_store_keeps_at_most_its_entries():
    store = fragments.LocalStore(size=2)
    store.set_many({"a": "1", "b": "2", "c": "3"})
    assert store.get_many(["a", "b", "c"]) == {"b": "2", "c": "3"}


@pytest.fixture
def tiers():
    """Two processes' tiered stores on one Redis, the first reaching it through a proxy."""
    with TcpProxy(*target(REDIS)) as proxy:
        prefix = f"tier-{uuid.uuid4().hex}-"
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        near = fragments.TieredStore(
            fragments.RedisStore(proxy.url(REDIS), options), fragments.LocalStore()
        )
        other = fragments.TieredStore(fragments.RedisStore(REDIS, options), fragments.LocalStore())
        yield proxy, near, other, prefix


@needs_redis
def test_a_fragment_written_by_another_process_is_read_from_redis_then_kept(tiers):
    proxy, near, other, prefix = tiers
    other.set_many({prefix + "page": "<p>橋</p>"})
    assert near.get_many([prefix + "page", prefix + "missing"]) == {prefix + "page": "<p>橋</p>"}
    proxy.mode = "refuse"  # Redis out of reach: the copy in the process answers
    assert near.get_many([prefix + "page"]) == {prefix + "page": "<p>橋</p>"}
    assert near.get_many([prefix + "missing"]) == {}


@needs_redis
def test_a_fetched_copy_lives_in_the_process_only_for_a_while(tiers, monkeypatch):
    proxy, near, other, prefix = tiers
    monkeypatch.setattr(fragments, "TIER_FETCHED_TTL", -1)  # expired as soon as kept
    other.set_many({prefix + "page": "<p>橋</p>"})
    assert near.get_many([prefix + "page"]) == {prefix + "page": "<p>橋</p>"}
    proxy.mode = "refuse"
    assert near.get_many([prefix + "page"]) == {}


@needs_redis
def test_what_a_process_writes_reaches_redis_and_its_own_copy(tiers):
    proxy, near, other, prefix = tiers
    near.set_many({prefix + "page": "<p>下水道</p>"})
    assert other.get_many([prefix + "page"]) == {prefix + "page": "<p>下水道</p>"}
    proxy.mode = "refuse"
    assert near.get_many([prefix + "page"]) == {prefix + "page": "<p>下水道</p>"}


def test_the_app_puts_its_own_copies_in_front_of_redis_and_keeps_them_alone_without_it():
    # A bare app: create_app with REDIS_URL would also point the process-wide Socket.IO queue
    # and limiter at Redis for the tests that follow.
    def store_of(**config):
        app = Flask(__name__)
        app.config.from_object(TestConfig)
        app.config.update(config)
        fragments.init_app(app)
        return app.extensions["fragments"]

    assert isinstance(store_of(REDIS_URL="redis://127.0.0.1:6379/0"), fragments.TieredStore)
    assert isinstance(store_of(REDIS_URL=None), fragments.LocalStore)
    assert store_of(REDIS_URL=None, FRAGMENT_CACHE="off") is None
