"""Benchmark: the question page against bare Flask serving the same bytes, on PostgreSQL.

    KAKEHASHI_BENCH_PG=postgresql://postgres@127.0.0.1:5432/ratio \
    TEST_REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python -m bench.question_ratio [QUESTIONS] [SECONDS]

The database is emptied (its schema dropped and created). It is filled with QUESTIONS questions
(default 20,000) with ten answers each on average (200,000), 5,000 people, and three threads
to measure: a typical one (10 answers), one with 50 and one with 500 answers, each answer with
a comment. Then:

1. **Ratio.** The README's production command (`gunicorn -c deploy/gunicorn.conf.py`, one
   gevent worker) serves the 50-answer page; its HTML is saved, once as a visitor and once as a
   member, and a bare Flask app (`bench/bare_flask.py`) serves those same bytes under the same
   worker settings. Each server is loaded for SECONDS (default 10) by the same closed-loop
   client (2 processes × 8 keep-alive connections); rounds are interleaved (app, bare, app,
   bare …) three times and the ratio printed is the median of the three app/bare ratios.
2. **Single client.** 200 requests one after another per page, p50/p95 in ms (client side,
   over loopback): the 10/50/500-answer pages as visitor and member, `/questions/`,
   `/questions/?page=200`, `/search?q=橋梁+点検`, `/search?q=橋梁`.
3. **Posting an answer** on the 10-, 50- and 500-answer threads, 20 posts each (p50/p95).

The client and the server share this machine's cores, alike for the app and for bare Flask.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROCESSES = 2
CONNECTIONS = 8
PEOPLE = 5000
WORDS = (
    "橋梁の定期点検で判定区分Ⅲとなった部材の補修時期について、",
    "下水道管渠の更生工法を比較した結果、",
    "近接目視の代わりにドローンを使った事例では、",
    "長寿命化修繕計画の見直しにあたり、",
    "舗装の打ち換えと切削オーバーレイの判断は、",
    "うちの町では技術職員が一人しかいないので、",
    "県の建設技術センターに相談したところ、",
    "交通量と迂回路の有無で優先度を点数化しています。",
    "積算基準の読み方は、まず共通仕様書を確認するのがよいと思います。",
    "発注ロットをまとめることで応札者が増えました。",
)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n))


def _build(url: str, questions: int) -> dict[str, int]:
    """Fill the database; return the ids of the three measured threads."""
    from sqlalchemy import insert, text

    from community import create_app
    from community.config import TestConfig
    from community.db import utcnow
    from community.extensions import db
    from community.questions.models import Answer, Comment, Question
    from community.reference.loader import load_reference
    from community.search.index import reindex_all
    from tests.factories import make_people

    rng = random.Random(7)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        load_reference()
        people = [u.id for u in make_people(PEOPLE, prefix="b")]
        db.session.commit()
        now = utcnow()
        sizes = [rng.choice((0, 2, 5, 8, 10, 12, 15, 20, 28)) for _ in range(questions)]
        measured = {"typical": 10, "fifty": 50, "five_hundred": 500}
        sizes[-3:] = measured.values()
        qids: list[int] = []
        for start in range(0, questions, 2000):
            chunk = sizes[start : start + 2000]
            rows = []
            for i, n in enumerate(chunk):
                body = _text(rng, 6)
                rows.append(
                    {
                        "author_id": rng.choice(people),
                        "title": f"ベンチマーク用の質問 {start + i}: 橋梁点検の進め方",
                        "body_md": body,
                        "body_html": f"<p>{body}</p>",
                        "renderer": 2,
                        "answer_count": n,
                        "created_at": now,
                        "last_activity_at": now,
                    }
                )
            ids = db.session.scalars(insert(Question).returning(Question.id), rows).all()
            qids.extend(ids)
            answers = []
            for qid, n in zip(ids, chunk, strict=True):
                for _ in range(n):
                    body = _text(rng, rng.randint(2, 8))
                    answers.append(
                        {
                            "question_id": qid,
                            "author_id": rng.choice(people),
                            "body_md": body,
                            "body_html": f"<p>{body}</p>",
                            "renderer": 2,
                            "created_at": now,
                        }
                    )
            aids = db.session.scalars(insert(Answer).returning(Answer.id), answers).all()
            comments = [
                {
                    "answer_id": aid,
                    "thread_id": a["question_id"],
                    "author_id": rng.choice(people),
                    "body": "参考になりました。ありがとうございます。",
                    "created_at": now,
                }
                for aid, a in zip(aids, answers, strict=True)
                if a["question_id"] in ids[-3:] or rng.random() < 0.3
            ]
            if comments:
                db.session.execute(insert(Comment), comments)
            db.session.commit()
            print(f"  {start + len(chunk)} questions", file=sys.stderr, flush=True)
        print("  indexing for search …", file=sys.stderr, flush=True)
        reindex_all()
        db.session.commit()
        db.engine.dispose()
        return dict(zip(measured, qids[-3:], strict=True))


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


def _single(session, url: str, n: int = 200) -> tuple[float, float]:
    ms = []
    for _ in range(n):
        started = time.perf_counter()
        r = session.get(url, timeout=60)
        ms.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return statistics.median(ms), _pct(ms, 0.95)


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


def _post_answers(base: str, qid: int, sessions: list, posts: int) -> tuple[float, float]:
    ms = []
    for i in range(posts):
        s = sessions[i % len(sessions)]
        page = s.get(f"{base}/questions/{qid}").text
        form = re.search(r'<form[^>]+action="[^"]*/answers"[^>]*>(.*?)</form>', page, re.S)[1]
        data = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form))
        data["body"] = f"ベンチマークの回答 {i}: 点検結果の記録様式を共有します。"
        started = time.perf_counter()
        r = s.post(f"{base}/questions/{qid}/answers", data=data, allow_redirects=False)
        ms.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 302, (r.status_code, r.text[:300])
    return statistics.median(ms), _pct(ms, 0.95)


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


def main(questions: int = 20000, seconds: float = 10.0) -> None:
    import requests

    from tests.test_live_processes import free_port, gunicorn, logged_in

    pg = os.environ.get("KAKEHASHI_BENCH_PG")
    if not pg or not os.environ.get("TEST_REDIS_URL"):
        sys.exit("set KAKEHASHI_BENCH_PG (a database to empty) and TEST_REDIS_URL")
    url = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"building {questions:,} questions on PostgreSQL …", file=sys.stderr, flush=True)
    threads = _build(url, questions)
    print(f"PostgreSQL, {questions:,} questions, {PEOPLE:,} people")
    # Logins come from many "clients" (PROXY_HOPS=1 + X-Forwarded-For) only in the POST part;
    # page loads carry no rate limit.
    with (
        tempfile.TemporaryDirectory() as tmp,
        gunicorn(url, free_port(), production=True) as app_base,
    ):
        member = logged_in(app_base, "b0")
        cookie = "; ".join(f"{k}={v}" for k, v in member.cookies.items())
        path = f"/questions/{threads['fifty']}"
        (Path(tmp) / "visitor.html").write_bytes(requests.get(app_base + path, timeout=60).content)
        (Path(tmp) / "member.html").write_bytes(member.get(app_base + path, timeout=60).content)
        with _bare(Path(tmp), free_port()) as bare_base:
            _measure(app_base, bare_base, path, cookie, Path(tmp), seconds)
        print("single client, 200 requests each: p50 / p95 ms")
        visitor = requests.Session()
        for label, session, target in (
            ("10 answers, visitor", visitor, f"/questions/{threads['typical']}"),
            ("50 answers, visitor", visitor, path),
            ("500 answers, visitor", visitor, f"/questions/{threads['five_hundred']}"),
            ("10 answers, member", member, f"/questions/{threads['typical']}"),
            ("50 answers, member", member, path),
            ("500 answers, member", member, f"/questions/{threads['five_hundred']}"),
            ("/questions/", visitor, "/questions/"),
            ("/questions/?page=200", visitor, "/questions/?page=200"),
            ("/search?q=橋梁+点検", member, "/search?q=橋梁+点検"),
            ("/search?q=橋梁", member, "/search?q=橋梁"),
        ):
            p50, p95 = _single(session, app_base + target)
            print(f"  {label:22} {p50:7.1f} {p95:7.1f}")

    # Posting: a process of its own that trusts one proxy hop, so that each poster logs in
    # from an address of its own; 30 posters, each posting twice a thread size at most.
    with gunicorn(url, free_port(), production=True, extra_env={"KAKEHASHI_PROXY_HOPS": "1"}) as b:
        posters = [_login(b, f"b{i}", f"10.0.0.{i}") for i in range(1, 31)]
        print("posting an answer, 20 posts each: p50 / p95 ms")
        for label, key in (("10 answers", "typical"), ("50", "fifty"), ("500", "five_hundred")):
            p50, p95 = _post_answers(b, threads[key], posters, 20)
            print(f"  {label:22} {p50:7.1f} {p95:7.1f}")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 20000,
        float(sys.argv[2]) if len(sys.argv) > 2 else 10.0,
    )
