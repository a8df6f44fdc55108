"""Benchmark: delivery latency of one answer to N Socket.IO clients across two processes.

Needs Redis: `TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.live [N]`
(default 200). Starts two gunicorn processes on one SQLite file, connects N/2 clients to each,
posts one answer through the first process, and reports when each client heard of it.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import socketio as sio

from community import create_app
from community.config import TestConfig
from community.extensions import db
from community.reference.loader import load_reference


def main(n: int = 200) -> None:
    from tests.factories import make_user
    from tests.qa_helpers import ask
    from tests.test_live_processes import csrf_from, free_port, gunicorn, logged_in

    redis = os.environ.get("TEST_REDIS_URL")
    if not redis:
        sys.exit("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'live.db'}"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.create_all()
            load_reference()
            asker = make_user(username="asker")
            make_user(username="helper")
            qid = ask(asker.id).id
            db.session.commit()
        with (
            gunicorn(url, free_port(), threads=n + 50) as a,
            gunicorn(url, free_port(), threads=n + 50) as b,
        ):
            cookies = {
                base: "; ".join(f"{k}={v}" for k, v in logged_in(base, "asker").cookies.items())
                for base in (a, b)
            }
            arrived: list[float] = []
            lock = threading.Lock()
            done = threading.Event()
            clients = []
            for i in range(n):
                base = a if i % 2 == 0 else b
                c = sio.Client(reconnection=False)

                @c.on("answer_posted")
                def on_answer(data, _c=c):
                    with lock:
                        arrived.append(time.perf_counter())
                        if len(arrived) == n:
                            done.set()

                c.connect(
                    base,
                    headers={"Cookie": cookies[base]},
                    transports=["websocket"],
                    wait_timeout=20,
                )
                assert c.call("watch_question", {"question_id": qid}, timeout=20) == {"ok": True}
                clients.append(c)
            helper = logged_in(a, "helper")
            token = csrf_from(helper, f"{a}/questions/{qid}")
            sent = time.perf_counter()
            r = helper.post(
                f"{a}/questions/{qid}/answers",
                data={"body": "ベンチマークの回答です。", "csrf_token": token},
                allow_redirects=False,
            )
            assert r.status_code == 302
            done.wait(30)
            for c in clients:
                c.disconnect()
        latencies = sorted((t - sent) * 1000 for t in arrived)
        print(f"{n} clients over 2 gunicorn processes on one Redis; one answer posted on the first")
        print(f"  delivered to {len(latencies)}/{n}")
        if latencies:
            print(
                f"  latency from POST to event: p50 {statistics.median(latencies):.0f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.0f} ms, "
                f"max {latencies[-1]:.0f} ms"
                " (includes the POST's own request, commit and redirect)"
            )


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:2]))
