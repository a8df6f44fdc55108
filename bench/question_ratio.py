"""Benchmark: the question page against bare Flask serving the same bytes, on PostgreSQL.

    KAKEHASHI_BENCH_PG=postgresql://postgres@127.0.0.1:5432/ratio_db \
    TEST_REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python -m bench.question_ratio [QUESTIONS] [SECONDS] [--reuse] [--requests N]
        [--posts N] [--build-only] [--build-workers N]

The data set (`bench/ratio_build.py`): QUESTIONS questions (default 20,000) with ten answers
each on average (~220,000), 5,000 people, a comment on a third of the answers, and the threads
to measure: a typical one (10 answers), one with 50 and one with 500, each answer with a
comment, and 40 threads with one answer to post on. The database is emptied and built again,
phase by phase (23 minutes for the default size on this machine while others' tests ran: the
rows take 30 s, the app's search indexer the rest), unless `--reuse` (or
KAKEHASHI_BENCH_REUSE=1) finds a finished build of the same size, schema and indexer in it; a
reused build is first cleaned of what earlier runs posted. `--build-only` stops after that.

1. **Ratio.** The README's production command (`gunicorn -c deploy/gunicorn.conf.py`, one
   gevent worker) serves the 50-answer page; its HTML is saved, once as a visitor and once as a
   member, and a bare Flask app (`bench/bare_flask.py`) serves those same bytes under the same
   worker settings. Each server is loaded for SECONDS (default 10) by the same closed-loop
   client (2 processes × 8 keep-alive connections); rounds are interleaved (app, bare, app,
   bare …) three times and the ratio printed is the median of the three app/bare ratios.
2. **Single client.** N requests (default 200) one after another per page, p50/p95 in ms,
   measured by the client (over loopback) and by the server (`bench/timed_wsgi.py`: the
   Server-Timing header of the same production command, the time inside the application):
   the 10/50/500-answer pages as visitor and member, `/questions/`, `/questions/?page=1000`
   (the last page at 20,000 questions), `/search?q=橋梁+点検`, `/search?q=橋梁`. The server
   time of the 500-answer page is then checked against the aim (< 60 ms, either viewer).
3. **Posting an answer**, N posts per row (default 20), client and server p50/p95: on a thread
   with one answer, and on the 10-, 50- and 500-answer threads, each row by the same posters in
   the same order (so each thread gains the same followers to notify); the aim is a server p50
   on 500 within 20% of the one on 1.

The client and the server share this machine's cores, alike for the app and for bare Flask.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROCESSES = 2
CONNECTIONS = 8
LIST_PAGE = 20  # questions per page of /questions/ (questions.routes)
SERVER_AIM_MS = 60
POST_GROWTH_AIM = 1.20
RUN = f"bench-{os.getpid()}-{time.time_ns()}"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(url: str, spec: str = "wsgi:app", extra_env: dict | None = None):
    """The README's production command (one gevent worker) serving `spec` on a free port."""
    import requests

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "SECRET_KEY": "question-ratio-bench",
        "KAKEHASHI_ENV": "production",
        "KAKEHASHI_MAIL_TO_LOG": "1",  # production refuses to start without MAIL_URL otherwise
        "KAKEHASHI_BASE_URL": f"http://127.0.0.1:{port}",
        # Fresh rate-limit counters in the shared Redis for every run and server.
        "KAKEHASHI_RATELIMIT_PREFIX": f"{RUN}-{port}",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
         "-b", f"127.0.0.1:{port}", spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            proc.terminate()
            sys.exit(f"{spec} did not start: {proc.communicate(timeout=10)[1].decode()[-2000:]}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _hammer(base: str, path: str, cookie: str, seconds: float, out) -> None:
    """One client process: CONNECTIONS keep-alive connections, each a closed loop."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    counts = [0] * CONNECTIONS
    deadline = time.monotonic() + seconds

    def loop(k: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        while time.monotonic() < deadline:
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                counts[k] += 1

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(sum(counts))


def _rate(base: str, path: str, cookie: str, seconds: float) -> float:
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_hammer, args=(base, path, cookie, seconds, out))
        for _ in range(CLIENT_PROCESSES)
    ]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


@contextmanager
def _bare(html_dir: Path, port: int):
    env = {**os.environ, "BENCH_HTML_DIR": str(html_dir)}
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--worker-connections",
         "3000", "-b", f"127.0.0.1:{port}", "bench.bare_flask:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(150):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _login(base: str, username: str, address: str):
    """A member's session as if from its own client address (the login limit counts per
    address, and the posting process trusts one proxy hop)."""
    import requests

    from tests.factories import PASSWORD

    s = requests.Session()
    s.headers["X-Forwarded-For"] = address
    page = s.get(f"{base}/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = {"identifier": username, "password": PASSWORD, "csrf_token": token}
    assert s.post(f"{base}/auth/login", data=data, allow_redirects=False).status_code == 302
    return s


def _measure(
    app_base: str, bare_base: str, path: str, cookie: str, html_dir: Path, seconds: float
) -> None:
    """The ratio to bare Flask, visitor and member: median of three interleaved rounds."""
    print(f"the 50-answer page, {seconds:.0f} s a round, 3 rounds interleaved")
    for viewer, ck, bare_path in (
        ("visitor", "", "/visitor"),
        ("member", cookie, "/member"),
    ):
        ratios, apps, bares = [], [], []
        for _ in range(3):
            a = _rate(app_base, path, ck, seconds)
            b = _rate(bare_base, bare_path, "", seconds)
            apps.append(a)
            bares.append(b)
            ratios.append(a / b)
        size = (html_dir / f"{viewer}.html").stat().st_size
        print(
            f"  {viewer:7} app {statistics.median(apps):7.1f} req/s, bare Flask"
            f" {statistics.median(bares):7.1f} req/s, ratio {statistics.median(ratios):.4f}"
            f" (rounds {', '.join(f'{r:.4f}' for r in ratios)}; page {size / 1024:.0f} KiB)"
        )


def _server_ms(response) -> float:
    """The application's own time from the Server-Timing header (bench/timed_wsgi.py)."""
    return float(re.search(r"app;dur=([\d.]+)", response.headers["Server-Timing"])[1])


def _single(session, url: str, n: int) -> tuple[float, float, float, float]:
    """n GETs one after another: client p50, p95, server p50, p95 (ms)."""
    client, server = [], []
    for _ in range(n):
        started = time.perf_counter()
        r = session.get(url, timeout=60)
        client.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (url, r.status_code)
        server.append(_server_ms(r))
    return _figures(client, server)


def _figures(client: list[float], server: list[float]) -> tuple:
    """Client p50, p95, server p50, p95 (ms)."""
    return (
        statistics.median(client),
        _pct(client, 0.95),
        statistics.median(server),
        _pct(server, 0.95),
    )


def _post_answers(base: str, qids: list[int], sessions: list, posts: int) -> tuple:
    """`posts` answers, on the threads `qids` in turn: client p50, p95, server p50, p95 (ms)."""
    client, server = [], []
    for i in range(posts):
        s = sessions[i % len(sessions)]
        qid = qids[i % len(qids)]
        page = s.get(f"{base}/questions/{qid}").text
        form = re.search(r'<form[^>]+action="[^"]*/answers"[^>]*>(.*?)</form>', page, re.S)[1]
        data = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form))
        data["body"] = f"ベンチマークの回答 {i}: 点検結果の記録様式を共有します。"
        started = time.perf_counter()
        r = s.post(f"{base}/questions/{qid}/answers", data=data, allow_redirects=False)
        client.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 302, (r.status_code, r.text[:300])
        server.append(_server_ms(r))
    return _figures(client, server)


def _row(label: str, figures) -> str:
    # Padded by display width: a kanji takes two columns.
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
    return f"  {label}{' ' * max(1, 25 - width)}" + " ".join(f"{x:7.1f}" for x in figures)


def _single_table(base: str, questions: int, threads: dict, requests_each: int) -> None:
    import requests

    member = _login(base, "b0", "10.1.0.1")
    visitor = requests.Session()
    last = min(1000, -(-questions // LIST_PAGE))
    pages = {
        "10 answers": f"/questions/{threads['typical']}",
        "50 answers": f"/questions/{threads['fifty']}",
        "500 answers": f"/questions/{threads['five_hundred']}",
    }
    rows = [(f"{k}, {who}", s, v) for who, s in (("visitor", visitor), ("member", member))
            for k, v in pages.items()]  # fmt: skip
    rows += [
        ("/questions/", visitor, "/questions/"),
        (f"/questions/?page={last}", visitor, f"/questions/?page={last}"),
        ("/search?q=橋梁+点検", member, "/search?q=橋梁+点検"),
        ("/search?q=橋梁", member, "/search?q=橋梁"),
    ]
    print(f"single client, {requests_each} requests each: client p50 / p95, server p50 / p95 ms")
    results = {}
    for label, session, target in rows:
        results[label] = _single(session, base + target, requests_each)
        print(_row(label, results[label]), flush=True)
    for who in ("visitor", "member"):
        _p50, _p95, s50, s95 = results[f"500 answers, {who}"]
        verdicts = [
            f"{name} {'meets' if ms < SERVER_AIM_MS else 'misses'}"
            for name, ms in (("p50", s50), ("p95", s95))
        ]
        print(
            f"  500-answer page, {who}: server p50 {s50:.1f} ms, p95 {s95:.1f} ms"
            f" (aim < {SERVER_AIM_MS} ms: {', '.join(verdicts)})"
        )


def _posting(url: str, threads: dict, posts: int) -> None:
    # A process of its own that trusts one proxy hop, so that each poster logs in from an
    # address of its own (the login limit counts per address); 30 posters.
    with _serve(url, "bench.timed_wsgi:app", {"KAKEHASHI_PROXY_HOPS": "1"}) as b:
        posters = [_login(b, f"b{i}", f"10.0.0.{i}") for i in range(1, 31)]
        print(f"posting an answer, {posts} posts each: client p50 / p95, server p50 / p95 ms")
        results = {}
        # Every row posts its answers on one thread by the same posters in the same order:
        # each poster follows the thread from their first answer on, and each answer notifies
        # the followers, so the rows differ only in the thread's size (one post on each of many
        # threads would compare a thread with one follower against threads with twenty).
        for label, qids in (
            ("on 1 answer", [threads["posting"][0]]),
            ("on 10 answers", [threads["typical"]]),
            ("on 50 answers", [threads["fifty"]]),
            ("on 500 answers", [threads["five_hundred"]]),
        ):
            results[label] = _post_answers(b, qids, posters, posts)
            print(_row(label, results[label]), flush=True)
        growth = results["on 500 answers"][2] / results["on 1 answer"][2]
        verdict = "meets" if growth <= POST_GROWTH_AIM else "misses"
        print(
            f"  server p50 on 500 answers / on 1: {growth:.2f}"
            f" ({verdict} the aim of ≤ {POST_GROWTH_AIM:.2f})"
        )


def main(argv: list[str] | None = None) -> None:
    import requests

    from bench import ratio_store

    parser = argparse.ArgumentParser(prog="python -m bench.question_ratio", description=__doc__)
    parser.add_argument("questions", nargs="?", type=int, default=20000)
    parser.add_argument("seconds", nargs="?", type=float, default=10.0)
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("KAKEHASHI_BENCH_REUSE") == "1",
        help="keep a finished build of the same size and schema (KAKEHASHI_BENCH_REUSE=1)",
    )
    parser.add_argument("--build-only", action="store_true", help="build (or check) and stop")
    parser.add_argument("--build-workers", type=int, default=2, help="indexing processes")
    parser.add_argument("--requests", type=int, default=200, help="per page, single client")
    parser.add_argument("--posts", type=int, default=20, help="answers posted per row")
    args = parser.parse_args(argv)

    pg = os.environ.get("KAKEHASHI_BENCH_PG")
    if not pg or not os.environ.get("TEST_REDIS_URL"):
        sys.exit("set KAKEHASHI_BENCH_PG (a database to empty) and TEST_REDIS_URL")
    url = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    info = ratio_store.ensure(url, args.questions, args.reuse, args.build_workers)
    if args.build_only:
        return
    threads = info["threads"]
    print(f"PostgreSQL, {args.questions:,} questions, {info['people']:,} people")
    with tempfile.TemporaryDirectory() as tmp, _serve(url) as app_base:
        member = _login(app_base, "b0", "10.2.0.1")
        cookie = "; ".join(f"{k}={v}" for k, v in member.cookies.items())
        path = f"/questions/{threads['fifty']}"
        (Path(tmp) / "visitor.html").write_bytes(requests.get(app_base + path, timeout=60).content)
        (Path(tmp) / "member.html").write_bytes(member.get(app_base + path, timeout=60).content)
        with _bare(Path(tmp), _free_port()) as bare_base:
            _measure(app_base, bare_base, path, cookie, Path(tmp), args.seconds)
    with _serve(url, "bench.timed_wsgi:app", {"KAKEHASHI_PROXY_HOPS": "1"}) as timed:
        _single_table(timed, args.questions, threads, args.requests)
    _posting(url, threads, args.posts)


if __name__ == "__main__":
    main()
