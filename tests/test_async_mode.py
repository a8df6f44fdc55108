"""Socket.IO's async mode follows KAKEHASHI_ASYNC_MODE and the process it runs in: gevent only
where gunicorn's gevent worker has patched the standard library, threads everywhere else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from community import async_mode

ROOT = Path(__file__).resolve().parents[1]


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_threads_by_default():
    assert async_mode.select({}) == "threading"


def test_an_unknown_mode_is_refused():
    with pytest.raises(RuntimeError, match="KAKEHASHI_ASYNC_MODE"):
        async_mode.select({"ASYNC_MODE": "eventlet"})


def test_gevent_in_an_unpatched_process_keeps_threads(caplog):
    """A `flask` command run with the production environment must not switch to gevent."""
    with caplog.at_level("WARNING", logger="community.live"):
        assert async_mode.select({"ASYNC_MODE": "gevent"}) == "threading"
    assert "gevent worker" in caplog.text


def test_a_patched_process_uses_gevent_and_psycopg_waits_cooperatively():
    """As in gunicorn's gevent worker: patch first, then import the app's drivers."""
    result = run(
        "from gevent import monkey; monkey.patch_all()\n"
        "from psycopg import waiting\n"
        "from community import async_mode\n"
        "assert waiting.wait is not waiting.wait_c, 'psycopg would block the hub'\n"
        "print(async_mode.select({'ASYNC_MODE': 'gevent'}))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "gevent"


def test_a_patched_process_refuses_threading_mode():
    result = run(
        "from gevent import monkey; monkey.patch_all()\n"
        "from community import async_mode\n"
        "async_mode.select({})\n"
    )
    assert result.returncode != 0
    assert "KAKEHASHI_ASYNC_MODE=gevent" in result.stderr
