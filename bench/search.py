"""Benchmark: Japanese full-text search over N synthetic questions (default 100,000).

    .venv/bin/python -m bench.search [N]
    KAKEHASHI_BENCH_PG=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python -m bench.search [N]
    [KAKEHASHI_BENCH_PG=…] .venv/bin/python -m bench.search --posting [POSTS]

`--posting`: the index's share of posting an answer on threads of 0, 50 and 500 answers (the
before_commit hook's time and the statements that write search_entries), which should not grow
with the thread.

SQLite (a temporary file) always; PostgreSQL as well when KAKEHASHI_BENCH_PG is set. There the
tables go into a schema of their own (`bench_search`, dropped and created, dropped again at the
end), so the database's other tables are left alone.

Posts are generated from civil-engineering vocabulary (橋梁, 下水道, 点検, 長寿命化計画, 包括的民間
委託, 町, 村, 判定区分 …), 50–600 characters each. They are written in batches of 5,000 straight
into `search_entries` (tokens from community.search.tokens.index_text; the FTS5 triggers or the
tsvector column and its GIN index do the rest) together with minimal `questions` rows, so that
the visibility filter of search() has something to join: 1 in 97 is hidden, 1 in 101 is in a
private circle.

Reported per database: index build time; p50/p95 of 200 one-term and 200 two-term queries
through services.search() (what /search?type=question runs: count, one page of 20, snippets,
with the visibility join, ranked within the newest window of matches) and through
services.matching_ref_ids() (every match, unranked, counted); and recall against a plain
substring scan of the same texts, which must be 100% (every match found by matching_ref_ids, and
search()'s total and "capped" exactly what the scan predicts for the window).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from flask_login import AnonymousUserMixin
from sqlalchemy import create_engine, func, insert, select, text

from community import create_app
from community.auth.models import User
from community.circles.models import Circle, CircleVisibility
from community.config import TestConfig
from community.db import utcnow
from community.extensions import db
from community.questions.models import Question
from community.search import services
from community.search.models import SearchEntry
from community.search.tokens import index_text
from community.search.window import window_size
from community.text import normalise

BATCH = 5_000
QUERIES = 200
SEED = 20261128
PG_SCHEMA = "bench_search"
ANON = AnonymousUserMixin()

FACILITIES = [
    "町道の橋梁", "村道の橋梁", "市道の舗装", "下水道管渠", "下水道のマンホール", "農業集落排水",
    "トンネルの覆工", "横断歩道橋", "道路照明灯", "大型カルバート", "法面と擁壁", "公園の遊具",
    "河川の護岸", "上水道の配水管", "公営住宅の外壁", "ため池の堤体",
]  # fmt: skip
TOPICS = [
    "定期点検", "長寿命化計画", "個別施設計画", "修繕計画", "判定区分", "包括的民間委託",
    "地域一括発注", "補修工法", "台帳の電子化", "ドローン点検", "耐震化", "更新費用", "予算要求",
    "交付金の申請", "技術継承", "集約・撤去", "新技術の活用",
]  # fmt: skip
ASKS = [
    "について教えてください", "で悩んでいます", "をどう進めればよいでしょうか",
    "の事例を探しています", "を見直したいと考えています", "の進め方に困っています",
    "について他の自治体の状況を知りたいです",
]  # fmt: skip
SENTENCES = [
    "判定区分Ⅲの橋が年々増えてきました。",
    "技術職員が2名しかいない小さな町です。",
    "NETIS登録技術の活用も検討しています。",
    "ＮＥＴＩＳで検索しても候補が多すぎます。",
    "5年に1度の近接目視点検が大きな負担です。",
    "国の交付金を活用して修繕を進めたいです。",
    "隣の村では包括的民間委託を導入したそうです。",
    "点検結果を維持管理データベースにまとめています。",
    "住民からの苦情や要望が増えています。",
    "BIM/CIMの導入はまだ難しいと感じています。",
    "建設後50年を超える施設が半数を超えます。",
    "長寿命化計画の見直しを来年度に予定しています。",
    "下水道の老朽化対策として管更生工法を比較しています。",
    "道路照明灯のLED化で電気代を下げたいです。",
    "コンサルタントへの委託費が年々上がっています。",
    "ドローンを使った点検の精度が気になります。",
    "県の建設技術センターに相談したこともあります。",
    "橋梁の集約・撤去について住民説明会を開きました。",
    "舗装の修繕は路面性状調査の結果で優先順位を付けています。",
    "積算の歩掛が実態に合わないと感じることがあります。",
    "災害査定の準備で毎年夏は手一杯です。",
    "GISで施設の位置と点検記録を管理しています。",
    "地域の建設業者と一括発注の勉強会を始めました。",
    "予算要求の説明資料をどう作るかも悩みの種です。",
    "擁壁のひび割れが見つかり、応急対策を検討中です。",
    "マンホール蓋の更新時期が一斉に来ます。",
    "うちの市では、町内会と協力して側溝の清掃をしています。",
    "点検の委託先が見つからず、職員が自ら点検しています。",
]
# Everyday sentences with no search vocabulary, so that the words above are not everywhere.
EVERYDAY = [
    "先月、課内で打ち合わせをしました。", "来週までに資料をまとめる予定です。",
    "前任者から引き継いだばかりで分からないことが多いです。", "議会でも質問がありました。",
    "どなたか経験のある方がいれば教えてください。", "よろしくお願いします。",
    "似た状況の自治体の話が聞けると助かります。", "今年度中に方針を決めたいと思っています。",
    "担当は私一人で、相談できる相手がいません。", "参考になる資料があれば紹介してください。",
    "費用対効果をどう説明するかが課題です。", "課長からは前例を調べるよう言われています。",
    "昨年の大雨のあと、状況が変わりました。", "現場までは車で一時間ほどかかります。",
    "冬は雪で作業ができない期間があります。", "業者さんとの調整にも時間がかかっています。",
    "できれば年度内に発注まで進めたいです。", "細かい話で恐縮ですが、お願いします。",
    "同じ悩みを持つ方と情報交換したいです。", "研修で聞いた話を試してみるつもりです。",
]  # fmt: skip
# Query terms: one character (prefix queries), two characters, longer words, ASCII words in
# several widths, and a word that occurs nowhere.
TERMS = {
    "1 char": ["町", "村", "市", "橋", "管", "蓋"],
    "2 chars": ["橋梁", "下水", "点検", "舗装", "補修", "台帳", "予算", "法面", "擁壁", "側溝"],
    "3+ chars": [
        "下水道", "長寿命化計画", "包括的民間委託", "判定区分", "ドローン点検", "地域一括発注",
        "耐震化", "交付金", "管更生工法", "液状化対策",
    ],
    "ASCII": ["netis", "ＮＥＴＩＳ", "led", "bim", "gis"],
}  # fmt: skip


def posts(n: int) -> Iterator[tuple[int, str, str]]:
    """(id, title, text) of n posts, the same every time (a seeded generator)."""
    rng = random.Random(SEED)
    for i in range(1, n + 1):
        title = rng.choice(FACILITIES) + "の" + rng.choice(TOPICS) + rng.choice(ASKS)
        length = rng.randint(50, 600)
        parts = [title + "。"]
        size = len(parts[0])
        while size < length:
            s = rng.choice(SENTENCES if rng.random() < 0.35 else EVERYDAY)
            parts.append(s)
            size += len(s)
        yield i, title, "".join(parts)[:length]


# --- building ---------------------------------------------------------------------------------


def build(n: int) -> dict[str, float]:
    """Write n questions and their index entries; returns timings in seconds."""
    now = utcnow()
    user = User(email="bench@example.com", username="bench", display_name="bench")
    user.password_hash = "!"  # noqa: S105 - no password matches
    circle = Circle(
        slug="bench-private",
        name_ja="非公開",
        name_en="private",
        visibility=CircleVisibility.PRIVATE,
    )
    db.session.add_all([user, circle])
    db.session.commit()
    tokenising = inserting = 0.0
    questions, entries = [], []

    def flush() -> float:
        start = time.perf_counter()
        db.session.execute(insert(Question), questions)
        db.session.execute(insert(SearchEntry), entries)
        db.session.commit()
        questions.clear()
        entries.clear()
        return time.perf_counter() - start

    total = time.perf_counter()
    for i, title, body in posts(n):
        start = time.perf_counter()
        tokens = index_text(body)
        tokenising += time.perf_counter() - start
        questions.append(
            {
                "id": i,
                "author_id": user.id,
                "circle_id": circle.id if i % 101 == 0 else None,
                "title": title[:150],
                "body_md": "",
                "body_html": "",
                "hidden_at": now if i % 97 == 0 else None,
                "created_at": now,
                "last_activity_at": now,
            }
        )
        entries.append(
            {
                "kind": "question",
                "ref_id": i,
                "section": 0,
                "title": title[:300],
                "body": body,
                "tokens": tokens,
                "updated_at": now,
            }
        )
        if len(entries) >= BATCH:
            inserting += flush()
    if entries:
        inserting += flush()
    total = time.perf_counter() - total
    start = time.perf_counter()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return {
        "build": total,
        "tokenise": tokenising,
        "insert": inserting,
        "analyze": time.perf_counter() - start,
    }


def index_size() -> str:
    if db.engine.dialect.name == "postgresql":
        size = db.session.scalar(text("SELECT pg_total_relation_size('search_entries')"))
        return f"{size / 2**20:,.0f} MB (search_entries + GIN)"
    try:
        size = db.session.scalar(
            text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'")
        )
    except Exception:  # noqa: BLE001 - dbstat is not compiled into every SQLite
        db.session.rollback()
        return "?"
    return f"{size / 2**20:,.0f} MB (FTS5 tables)"


# --- querying ---------------------------------------------------------------------------------


def query_lists() -> tuple[list[str], list[str]]:
    rng = random.Random(SEED + 1)
    every = [t for group in TERMS.values() for t in group]
    one = [rng.choice(every) for _ in range(QUERIES)]
    two = [" ".join(rng.sample(every, 2)) for _ in range(QUERIES)]
    return one, two


def run_search(q: str) -> int:
    return services.search(ANON, q, kinds=("question",), per_kind=20).totals["question"]


def run_matches(q: str) -> int:
    stmt = select(func.count()).select_from(services.matching_ref_ids("question", q).subquery())
    return db.session.scalar(stmt)


def timed(fn, queries: list[str]) -> tuple[float, float, list[float]]:
    times = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()  # a request's session ends here
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1], times


# --- recall -----------------------------------------------------------------------------------


def recall_terms() -> list[str]:
    """Every query term, and pieces of 1–5 characters cut from generated text."""
    rng = random.Random(SEED + 2)
    sample = [t for group in TERMS.values() for t in group]
    runs = [
        run
        for _i, _t, body in posts(300)
        for run in re.findall(r"[^\x00-\x7f、。・]+", normalise(body))
    ]
    while len(sample) < len(TERMS) * 2 + 40:
        run = rng.choice(runs)
        i = rng.randrange(len(run))
        piece = run[i : i + rng.randint(1, 5)]
        if piece not in sample:
            sample.append(piece)
    return sample


def expected_ids(n: int, terms: list[str]) -> dict[str, set[int]]:
    """The plain substring scan: posts whose NFKC, lower-cased text contains each term (ASCII
    terms as whole words, as the index keeps ASCII words whole)."""
    checks = {}
    for term in terms:
        needle = normalise(term)
        if needle.isascii():
            checks[term] = re.compile(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])").search
        else:
            checks[term] = lambda s, _n=needle: _n in s
    out: dict[str, set[int]] = {t: set() for t in terms}
    for i, _title, body in posts(n):
        norm = normalise(body)
        for term, check in checks.items():
            if check(norm):
                out[term].add(i)
    return out


def check_recall(n: int, expected: dict[str, set[int]]) -> tuple[int, int, int, list[str]]:
    """(expected hits, found of those, extra, problems) over raw matches and search() totals."""
    visible = {i for i in range(1, n + 1) if i % 97 and i % 101}
    want = got = extra = 0
    problems = []
    for term, ids in expected.items():
        found = set(db.session.scalars(services.matching_ref_ids("question", term)))
        # search() ranks the newest window of the matches the viewer may see (one entry per
        # post here, in id order).
        window = set(sorted(ids & visible, reverse=True)[: window_size()])
        want += len(ids)
        got += len(ids & found)
        extra += len(found - ids)
        if found != ids:
            problems.append(
                f"{term!r}: {len(ids - found)} missed, {len(found - ids)} extra (matches)"
            )
        res = services.search(ANON, term, kinds=("question",), per_kind=20)
        total, capped = res.totals["question"], res.capped["question"]
        if total != len(window) or capped != (len(ids & visible) > len(window)):
            problems.append(
                f"{term!r}: search() total {total} (capped {capped}), "
                f"scan {len(window)} in the window of {len(ids & visible)} visible"
            )
        db.session.rollback()
    return want, got, extra, problems


# --- one database -------------------------------------------------------------------------------


def bench_database(name: str, app, n: int, expected: dict[str, set[int]]) -> dict:
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        t = build(n)
        size = index_size()
        one, two = query_lists()
        for q in sorted(set(one)):  # warm the caches once
            run_search(q)
            db.session.rollback()
        row = {"name": name, **t, "size": size, "window": window_size()}
        row["search1"] = timed(run_search, one)
        row["search2"] = timed(run_search, two)
        row["match1"] = timed(run_matches, one)
        row["match2"] = timed(run_matches, two)
        by_class = {}
        for label, group in TERMS.items():
            picked = [ms for q, ms in zip(one, row["search1"][2], strict=True) if q in group]
            hits = statistics.mean(run_matches(q) for q in group)
            db.session.rollback()
            by_class[label] = (statistics.median(picked), max(picked), hits)
        row["classes"] = by_class
        row["recall"] = check_recall(n, expected)
        row["terms"] = sorted(expected)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    row["elapsed"] = time.perf_counter() - started
    print(f"  {name}: {row['elapsed']:.0f} s", flush=True)
    return row


def pg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def main(n: int = 100_000) -> int:
    started = time.perf_counter()
    print(f"Search benchmark: {n:,} synthetic questions, 50–600 characters each.", flush=True)
    terms = recall_terms()
    start = time.perf_counter()
    expected = expected_ids(n, terms)
    scan = time.perf_counter() - start
    print(f"substring scan of {len(terms)} terms over the texts: {scan:.1f} s", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'search.db'}"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        print("SQLite …", flush=True)
        rows.append(bench_database("SQLite FTS5", app, n, expected))
    pg = os.environ.get("KAKEHASHI_BENCH_PG")
    if pg:
        url = pg_url(pg)
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        options = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-c search_path={PG_SCHEMA}"},
        }
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
        print(f"PostgreSQL (schema {PG_SCHEMA}) …", flush=True)
        try:
            rows.append(bench_database("PostgreSQL GIN", app, n, expected))
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            admin.dispose()
    report(n, rows)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0 if all(not r["recall"][3] for r in rows) else 1


def report(n: int, rows: list[dict]) -> None:
    w = 24
    print()
    print(f"N = {n:,}; warm caches; {QUERIES} queries per line; one process; times in ms")
    print("search(): count + first page of 20 + snippets, with the visibility join on questions")
    print(f"  ranked within the newest {rows[0]['window']:,} visible matches; beyond, total capped")
    print("matches(): every match, unranked and counted (matching_ref_ids; no visibility join)")
    print(f"{'':34}" + "".join(f"{r['name']:>{w}}" for r in rows))

    def line(label, fmt):
        print(f"{label:34}" + "".join(f"{fmt(r):>{w}}" for r in rows))

    line("index build (s)", lambda r: f"{r['build']:.1f} ({n / r['build']:,.0f}/s)")
    line("  of which tokenising (s)", lambda r: f"{r['tokenise']:.1f}")
    line("  of which inserting+indexing (s)", lambda r: f"{r['insert']:.1f}")
    line("ANALYZE (s)", lambda r: f"{r['analyze']:.1f}")
    line("index size", lambda r: r["size"].split(" (")[0])
    line("whole run for this database (s)", lambda r: f"{r['elapsed']:.0f}")
    for key, label in (
        ("search1", "search() 1 term   p50 / p95"),
        ("search2", "search() 2 terms  p50 / p95"),
        ("match1", "matches() 1 term  p50 / p95"),
        ("match2", "matches() 2 terms p50 / p95"),
    ):
        line(label, lambda r, k=key: f"{r[k][0]:.1f} / {r[k][1]:.1f}")
    for label in TERMS:
        line(
            f"  search() {label:8} p50 / max",
            lambda r, c=label: f"{r['classes'][c][0]:.1f} / {r['classes'][c][1]:.1f}",
        )
    for label in TERMS:
        line(f"  mean hits, {label}", lambda r, c=label: f"{r['classes'][c][2]:,.0f}")

    def recall(r):
        want, got, extra, _p = r["recall"]
        return f"{100 * got / want:.2f}% (+{extra} extra)"

    line(f"recall vs substring scan, {len(rows[0]['terms'])} terms", recall)
    for r in rows:
        want, _got, _extra, problems = r["recall"]
        print(
            f"{r['name']}: {want:,} expected hits checked; " + ("all found" if not problems else "")
        )
        for p in problems[:20]:
            print("   ", p)


# --- posting: the index's share of posting an answer, by thread size ---------------------------

THREAD_SIZES = (0, 50, 500)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b.*\bsearch_entries\b", re.I | re.S)


def posting_database(name: str, app, posts: int) -> list[tuple]:
    """Threads of THREAD_SIZES answers (through the services), then `posts` answers posted on
    each: the time the index takes at commit (search.index's before_commit hook) and the
    statements that write search_entries, per post."""
    from sqlalchemy import event

    from community.questions import services as qa
    from community.reference.loader import load_reference
    from community.search import index
    from tests import factories

    spent: list[float] = []
    original = index._write

    def timed_write(marks) -> None:
        start = time.perf_counter()
        original(marks)
        spent.append((time.perf_counter() - start) * 1000)

    rows = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        asker = factories.make_user(username="asker")
        helpers = [factories.make_user(username=f"helper{i}") for i in range(10)]
        db.session.commit()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        index._write = timed_write
        try:
            for size in THREAD_SIZES:
                question = factories.ask(asker, f"橋梁の点検記録の様式について ({size})")
                for i in range(size):
                    qa.answer(helpers[i % 10], question, f"回答{i}: 点検記録の様式を見直しました。")
                db.session.commit()
                times, writes = [], []
                for i in range(posts):
                    statements.clear()
                    spent.clear()
                    qa.answer(helpers[i % 10], question, f"追加の回答{i}: 写真台帳も添付します。")
                    db.session.commit()
                    times.append(sum(spent))
                    writes.append(sum(1 for s in statements if WRITES.match(s)))
                times.sort()
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                rows.append((name, size, statistics.median(times), p95, max(writes)))
                print(f"  {name}: thread of {size} answers done", flush=True)
        finally:
            index._write = original
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    return rows


def posting(posts: int = 20) -> int:
    """Posting an answer on threads of 0, 50 and 500 answers: the index's share (SQLite, and
    PostgreSQL when KAKEHASHI_BENCH_PG is set, in the schema bench_search)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'search.db'}"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, MAIL_DELIVER_ON_COMMIT=False)
        rows += posting_database("SQLite", app, posts)
    pg = os.environ.get("KAKEHASHI_BENCH_PG")
    if pg:
        url = pg_url(pg)
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        options = {"connect_args": {"options": f"-c search_path={PG_SCHEMA}"}}
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ENGINE_OPTIONS=options,
            MAIL_DELIVER_ON_COMMIT=False,
        )
        try:
            rows += posting_database("PostgreSQL", app, posts)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            admin.dispose()
    print(f"\nposting an answer, {posts} posts per thread: the index's time at commit, in ms")
    head = ("database", "answers before", "p50", "p95", "search_entries writes")
    print(f"{head[0]:12} {head[1]:>15} {head[2]:>8} {head[3]:>8} {head[4]:>22}")
    for name, size, p50, p95, writes in rows:
        print(f"{name:12} {size:>15} {p50:8.1f} {p95:8.1f} {writes:>22}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--posting"]:
        sys.exit(posting(int(sys.argv[2]) if len(sys.argv) > 2 else 20))
    arg = sys.argv[1] if len(sys.argv) > 1 else "100000"
    sys.exit(main(int(arg.replace("_", "").replace(",", ""))))
