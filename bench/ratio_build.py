"""The data set of `bench/question_ratio.py`, built in bulk.

`build` empties the database and fills it with COPY: PEOPLE confirmed members with profiles,
QUESTIONS questions with ten answers each on average, a comment on about a third of the answers
(on every answer of the measured threads). The search index is then built by the application's
own `reindex_all`, so that it holds exactly what the app's indexer writes. Each phase is timed
and printed. The finished build is recorded for reuse (`bench/ratio_store.py`).
"""

from __future__ import annotations

import enum
import random
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 5000
# The three threads whose pages are measured, and POSTING threads with one answer each: every
# timed post goes to one of them, so "posting the 2nd answer" is measured on a fresh thread.
MEASURED = {"typical": 10, "fifty": 50, "five_hundred": 500}
POSTING = 40
SIZES = (0, 2, 5, 8, 10, 12, 15, 20, 28)  # answers per question: 11.1 on average
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


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _phase(phases: dict[str, float], name: str):
    started = time.perf_counter()
    yield
    phases[name] = time.perf_counter() - started
    log(f"  {name:28} {phases[name]:7.1f} s")


def make_app(url: str):
    from community import create_app
    from community.config import TestConfig

    # No statement timeout: building a GIN index over 300,000 rows takes longer than a page may.
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, DB_STATEMENT_TIMEOUT_MS=0)


# --- bulk loading -----------------------------------------------------------------------------


def _copy(conn, table, rows: list[dict]) -> None:
    """COPY rows into a table, with the columns' Python-side defaults filled in as an ORM or
    Core insert would (callables once per row); enums are stored as their values."""
    if not rows:
        return
    given = list(rows[0])
    scalar, per_row = {}, {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if column.default.is_scalar:
            scalar[column.name] = column.default.arg
        elif column.default.is_callable:
            per_row[column.name] = column.default.arg
    names = [*given, *scalar, *per_row]
    constant = [v.value if isinstance(v, enum.Enum) else v for v in scalar.values()]
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as cp:
        for row in rows:
            values = [v.value if isinstance(v, enum.Enum) else v for v in row.values()]
            cp.write_row((*values, *constant, *(fn(None) for fn in per_row.values())))


def _html_of():
    """Plain-text bodies render to one paragraph; checked against the renderer once, so that
    the stored HTML is what the app would store (else every body goes through it)."""
    from community.markdown import render

    sample = WORDS[0] + WORDS[1]
    if render(sample) == f"<p>{sample}</p>\n":
        return lambda s: f"<p>{s}</p>\n"
    return render


def _people(conn, now) -> list[int]:
    from werkzeug.security import generate_password_hash

    from community.auth.models import User
    from community.markdown import RENDERER_VERSION, render
    from community.profiles.models import (
        Profile,
        Visibility,
        profile_fields,
        profile_help_topics,
        profile_learn_topics,
    )
    from tests.factories import PASSWORD

    password_hash = generate_password_hash(PASSWORD)
    joined = now - timedelta(days=400)  # trusted members, as on a network that has run a while
    ids = list(range(1, PEOPLE + 1))
    users, profiles = [], []
    for uid in ids:
        name = f"b{uid - 1}"
        users.append(
            {
                "id": uid,
                "email": f"{name}@example.com",
                "username": name,
                "display_name": f"Person {name}",
                "password_hash": password_hash,
                "email_confirmed_at": joined,
                "created_at": joined,
            }
        )
        bio = f"bio {uid - 1}"
        profiles.append(
            {
                "user_id": uid,
                "organisation": f"町{uid - 1}",
                "prefecture_code": "16",
                "population_band_code": "lt10k",
                "visibility": Visibility.PUBLIC,
                "bio_md": bio,
                "bio_html": render(bio),
                "bio_renderer": RENDERER_VERSION,
            }
        )
    _copy(conn, User.__table__, users)
    _copy(conn, Profile.__table__, profiles)
    _copy(conn, profile_fields, [{"profile_id": i, "field_code": "bridge"} for i in ids])
    for table in (profile_help_topics, profile_learn_topics):
        _copy(conn, table, [{"profile_id": i, "topic_code": "inspection"} for i in ids])
    return ids


def _posts(conn, now, questions: int, people: list[int]) -> dict:
    """Questions, answers and comments; returns the measured and posting threads' ids."""
    from community.markdown import RENDERER_VERSION
    from community.questions.models import Answer, Comment, Question, QuestionStatus

    rng = random.Random(7)
    html = _html_of()
    special = [1] * POSTING + list(MEASURED.values())
    sizes = [rng.choice(SIZES) for _ in range(questions - len(special))] + special
    q_rows, a_rows, c_rows = [], [], []
    for qid, n in enumerate(sizes, start=1):
        body = "".join(rng.choice(WORDS) for _ in range(6))
        asked = now - timedelta(minutes=10 * (questions - qid) + 10)
        q_rows.append(
            {
                "id": qid,
                "author_id": rng.choice(people),
                "title": f"ベンチマーク用の質問 {qid - 1}: 橋梁点検の進め方",
                "body_md": body,
                "body_html": html(body),
                "renderer": RENDERER_VERSION,
                "status": QuestionStatus.ANSWERED if n else QuestionStatus.OPEN,
                "answer_count": n,
                "created_at": asked,
                "last_activity_at": asked + timedelta(seconds=n),
            }
        )
        every = qid > questions - len(MEASURED)
        for k in range(n):
            aid = len(a_rows) + 1
            body = "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
            a_rows.append(
                {
                    "id": aid,
                    "question_id": qid,
                    "author_id": rng.choice(people),
                    "body_md": body,
                    "body_html": html(body),
                    "renderer": RENDERER_VERSION,
                    "created_at": asked + timedelta(seconds=k + 1),
                }
            )
            if every or rng.random() < 0.3:
                c_rows.append(
                    {
                        "id": len(c_rows) + 1,
                        "answer_id": aid,
                        "thread_id": qid,
                        "author_id": rng.choice(people),
                        "body": "参考になりました。ありがとうございます。",
                        "created_at": asked + timedelta(seconds=k + 1),
                    }
                )
    _copy(conn, Question.__table__, q_rows)
    _copy(conn, Answer.__table__, a_rows)
    _copy(conn, Comment.__table__, c_rows)
    first_special = questions - len(special) + 1
    threads = dict(zip(MEASURED, range(questions - len(MEASURED) + 1, questions + 1), strict=True))
    threads["posting"] = list(range(first_special, first_special + POSTING))
    log(f"  {len(q_rows):,} questions, {len(a_rows):,} answers, {len(c_rows):,} comments")
    return threads


def _set_sequences(conn) -> None:
    """Ids were given explicitly: move each table's sequence past them."""
    from sqlalchemy import text

    from community.extensions import db

    for table in db.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608
                    f" (SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
            )


@contextmanager
def _share_of_reindex(worker: int, workers: int, batch: int):
    """Inside the block, the indexer's `reindex` rebuilds only every `workers`-th document
    (from the `worker`-th) and commits after every `batch` of them.

    So `reindex_all` runs unchanged, in several processes at once, each on its share of the
    documents it lists. The commits are needed as well: reindex_all takes an advisory lock per
    document (index._lock) and holds it until commit; at this scale one transaction needs
    ~25,000, and PostgreSQL's shared lock table (max_locks_per_transaction 64 × connections)
    runs out ("out of shared memory")."""
    from community.extensions import db
    from community.search import index

    original = index.reindex
    seen = done = 0

    def reindex(kind: str, ref_id: int) -> None:
        nonlocal seen, done
        seen += 1
        if (seen - 1) % workers != worker:
            return
        original(kind, ref_id)
        done += 1
        if done % batch == 0:
            db.session.commit()
            if worker == 0:
                log(f"    {done * workers:,} documents")

    index.reindex = reindex
    try:
        yield
    finally:
        index.reindex = original


def _index_share(url: str, worker: int, workers: int) -> int:
    """One process's share of reindex_all (see _share_of_reindex); returns the documents."""
    from community.extensions import db
    from community.search.index import reindex_all

    app = make_app(url)
    with app.app_context():
        with _share_of_reindex(worker, workers, 500):
            count = reindex_all()
            db.session.commit()
        db.engine.dispose()
    return count


def _search_index(url: str, workers: int) -> int:
    """Build the index with the app's reindex_all, in `workers` processes; the GIN indexes of
    the table are dropped first and made again from their own definitions afterwards (one
    build instead of ~300,000 updates)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from sqlalchemy import text

    from community.extensions import db

    gin = db.session.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'search_entries' AND indexdef ILIKE '%USING gin%'"
        )
    ).all()
    for name, _definition in gin:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    db.session.commit()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        counts = list(pool.map(_index_share, [url] * workers, range(workers), [workers] * workers))
    db.session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _name, definition in gin:
        db.session.execute(text(definition))
    db.session.commit()
    return counts[0]


def build(url: str, questions: int, workers: int = 2) -> dict:
    """Empty the database and fill it; returns the build's record (see the module's doc)."""
    from sqlalchemy import text

    from bench.ratio_store import fingerprint, max_ids, write_marker
    from community.db import utcnow
    from community.extensions import db
    from community.reference.loader import load_reference

    phases: dict[str, float] = {}
    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        # Taken first: the code that builds is the code the record names, even if a file
        # changes while the build runs.
        stamp = fingerprint(db.engine)
        with _phase(phases, "schema and reference data"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.create_all()
            load_reference()
            db.session.commit()
        now = utcnow()
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit TO off"))
            with _phase(phases, "people (COPY)"):
                people = _people(conn, now)
            with _phase(phases, "questions, answers (COPY)"):
                threads = _posts(conn, now, questions, people)
            _set_sequences(conn)
        with _phase(phases, f"search index ({workers} processes)"):
            documents = _search_index(url, workers)
        autocommit = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with _phase(phases, "VACUUM ANALYZE"), autocommit as conn:
            conn.execute(text("VACUUM ANALYZE"))
        info = {
            "questions": questions,
            "people": PEOPLE,
            "threads": threads,
            "documents": documents,
            "fingerprint": stamp,
            "built_at": now.isoformat(),
            "phases": {k: round(v, 1) for k, v in phases.items()},
            "seconds": round(time.perf_counter() - started, 1),
        }
        with db.engine.begin() as conn:
            info["max_ids"] = max_ids(conn)
            write_marker(conn, info)
        db.engine.dispose()
    log(f"  {'total':28} {info['seconds']:7.1f} s")
    return info
