"""Benchmark: thousands of open Socket.IO connections on the production command.

    ulimit -n 20000   # the bench raises its own soft limit to the hard one as well
    TEST_REDIS_URL=redis://127.0.0.1:6379/0 \
    [KAKEHASHI_BENCH_PG=postgresql://postgres@127.0.0.1:5432/bench] \
        .venv/bin/python -m bench.sockets [N] [SECONDS]

Starts two processes of the README's production command (`gunicorn -c deploy/gunicorn.conf.py`,
the gevent worker) on one Redis, and on SQLite (a temporary file) or, with KAKEHASHI_BENCH_PG,
on that PostgreSQL database (emptied: its tables are dropped and created). N clients (default
2,000) log in as one member, connect over WebSocket, half to each process, and watch one
question; they run in 4 client processes (bench/socket_clients.py, python-socketio's client on
gevent). Then, for SECONDS (default 20), 2 logged-in readers (BENCH_READERS), one per
process, request `/` and the question page in turn, one request after the other (closed loop:
about as many pages as the two processes serve), and halfway through one answer is posted
on the first process. Reported: page latency (p50/p95/max, all requests of the window), and
for the answer, when each of the N clients heard of it, from the start of the POST (the POST's
own request, commit and redirect included). Clients, readers and both servers share this
machine's cores, so the figures include the load generators' own use of them.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CLIENT_PROCESSES = 4
READERS = int(os.environ.get("BENCH_READERS", "2"))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def _reader(session, urls, stop, out) -> None:
    i = 0
    while not stop.is_set():
        kind, url = urls[i % len(urls)]
        started = time.perf_counter()
        r = session.get(url, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        out.append((kind, elapsed, r.status_code))
        i += 1


def _database(url: str) -> int:
    from sqlalchemy import text

    from community import create_app
    from community.config import TestConfig
    from community.extensions import db
    from community.reference.loader import load_reference
    from tests.factories import make_user
    from tests.qa_helpers import ask

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        load_reference()
        asker = make_user(username="asker")
        make_user(username="helper")
        qid = ask(asker.id).id
        db.session.commit()
        db.engine.dispose()
    return qid


def main(n: int = 2000, seconds: float = 20.0) -> None:
    import requests

    from tests.test_live_processes import csrf_from, free_port, gunicorn, logged_in

    if not os.environ.get("TEST_REDIS_URL"):
        sys.exit("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    if hard < n + 1000:
        sys.exit(f"open files limit {hard} is below {n + 1000}: raise `ulimit -Hn`")

    with tempfile.TemporaryDirectory() as tmp:
        pg = os.environ.get("KAKEHASHI_BENCH_PG")
        url = pg.replace("postgresql://", "postgresql+psycopg://", 1) if pg else None
        url = url or f"sqlite:///{Path(tmp) / 'sockets.db'}"
        qid = _database(url)
        label = "PostgreSQL" if pg else "SQLite"
        with (
            gunicorn(url, free_port(), production=True) as a,
            gunicorn(url, free_port(), production=True) as b,
        ):
            bases = (a, b)
            members = {base: logged_in(base, "asker") for base in bases}
            cookies = {
                base: "; ".join(f"{k}={v}" for k, v in s.cookies.items())
                for base, s in members.items()
            }
            per = [
                n // CLIENT_PROCESSES + (i < n % CLIENT_PROCESSES) for i in range(CLIENT_PROCESSES)
            ]
            started = time.perf_counter()
            procs = []
            for i, count in enumerate(per):
                p = subprocess.Popen(
                    [sys.executable, "-m", "bench.socket_clients"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                job = {"bases": bases, "cookies": cookies, "question_id": qid}
                p.stdin.write(json.dumps({**job, "count": count, "offset": i}) + "\n")
                p.stdin.flush()
                procs.append(p)
            states = [json.loads(p.stdout.readline()) for p in procs]
            connected = sum(state["connected"] for state in states)
            failed = sum(state["failed"] for state in states)
            connect_s = time.perf_counter() - started
            print(
                f"{label}; {connected}/{n} Socket.IO clients connected over WebSocket to 2 gunicorn"
                f" processes (gunicorn -c deploy/gunicorn.conf.py) in {connect_s:.1f} s"
                + (f", {failed} failed" if failed else ""),
                flush=True,
            )

            stop = threading.Event()
            samples: list[tuple[str, float, int]] = []
            readers = []
            for i in range(READERS):
                base = bases[i % 2]
                session = requests.Session()
                session.cookies.update(members[base].cookies)
                urls = [("/", f"{base}/"), ("question", f"{base}/questions/{qid}")]
                if i >= 2:
                    urls.reverse()
                t = threading.Thread(target=_reader, args=(session, urls, stop, samples))
                t.start()
                readers.append(t)

            time.sleep(seconds / 2)
            helper = logged_in(a, "helper")
            token = csrf_from(helper, f"{a}/questions/{qid}")
            sent = time.time()
            r = helper.post(
                f"{a}/questions/{qid}/answers",
                data={"body": "多数の接続に届くベンチマークの回答です。", "csrf_token": token},
                allow_redirects=False,
                timeout=30,
            )
            post_ms = (time.time() - sent) * 1000
            assert r.status_code == 302, r.status_code
            time.sleep(seconds / 2)
            stop.set()
            for t in readers:
                t.join()
            for p in procs:
                p.stdin.write("report\n")
                p.stdin.flush()
            arrivals = [t for p in procs for t in json.loads(p.stdout.readline())["arrivals"]]
            for p in procs:
                p.stdin.close()
                p.wait(timeout=60)

    bad = [s for s in samples if s[2] != 200]
    print(f"  pages during the window ({seconds:.0f} s, {READERS} readers in a closed loop):")
    for kind in ("/", "question"):
        ms = [e for k, e, _ in samples if k == kind]
        if not ms:
            continue
        print(
            f"    {kind:9} {len(ms)} requests, p50 {statistics.median(ms):.0f} ms,"
            f" p95 {_pct(ms, 0.95):.0f} ms, max {max(ms):.0f} ms"
        )
    if bad:
        print(f"    {len(bad)} answers other than 200: {sorted({s[2] for s in bad})}")
    latencies = sorted((t - sent) * 1000 for t in arrivals)
    print(f"  one answer posted on the first process (the POST took {post_ms:.0f} ms)")
    print(f"    delivered to {len(latencies)}/{connected}")
    if latencies:
        print(
            f"    from the start of the POST: p50 {statistics.median(latencies):.0f} ms,"
            f" p95 {_pct(latencies, 0.95):.0f} ms,"
            f" min {latencies[0]:.0f} ms, max {latencies[-1]:.0f} ms"
        )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
        float(sys.argv[2]) if len(sys.argv) > 2 else 20.0,
    )
