"""Benchmark: deep pages of the question list and of a circle page, on PostgreSQL.

    KAKEHASHI_BENCH_PG=postgresql://postgres@127.0.0.1:5432/h2_db \
        .venv/bin/python -m bench.question_list [--build] [QUESTIONS] [ROUNDS] [PATH_PART]
    .venv/bin/python -m bench.question_list explain PATH [USERNAME]

With `--build` the database is emptied (its schema dropped and created from the models) and
filled with QUESTIONS questions (default 20,000) over three years: 60% in the open square, the
rest in 12 circles (two private; the big one, a quarter of all questions, with 400 members),
scores and answer counts with many ties, one or two topics, a field and a stage on most, 1%
hidden by moderators. Without `--build` the data set already there is measured, so the same
rows can be measured before and after a change to the code or the indexes.

For each page (sorts × pages 1, 200 and a visitor's last, 964; filters; a circle's tabs) as
a visitor and as a member of a private circle it prints: the SQL statements one request sends;
the database time of those statements (planning + execution by EXPLAIN ANALYZE without
per-node timing, median of 5 runs each, summed) and of the slowest one; the server time
p50/p95 in ms over ROUNDS requests (default 30) through the app in this process; and the
median CPU time of this process per request, which a machine busy with other work disturbs
less than the wall clock. PATH_PART keeps only the paths that contain it. `explain` prints
each statement of one request with its plan.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta

from sqlalchemy import event, insert, select, text

from community import create_app
from community.config import TestConfig
from community.extensions import db

PEOPLE = 500
CIRCLES = 12  # the last two are private
PRIVATE_MEMBER = "b0"  # a member of the first private circle
MEMBERS = 400  # of the big circle
BIG_CIRCLE = "bench-0"
TITLE = "ベンチマーク用の質問 {n}: 橋梁点検の進め方について教えてください"


def build(url: str, questions: int) -> None:
    """Empty the database and fill it with the data set above."""
    from community.circles.models import (
        Circle,
        CircleMembership,
        CircleRole,
        CircleVisibility,
        MembershipStatus,
    )
    from community.db import utcnow
    from community.questions.models import Question, QuestionStatus, question_topics
    from community.reference.loader import load_reference
    from community.reference.models import Field, Topic
    from tests.factories import make_people

    rng = random.Random(19)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        load_reference()
        people = [u.id for u in make_people(PEOPLE, prefix="b")]
        fields = list(db.session.scalars(select(Field.code)))
        topics = list(db.session.scalars(select(Topic.code)))
        circle_ids = []
        for i in range(CIRCLES):
            private = i >= CIRCLES - 2
            circle = Circle(
                slug=f"bench-{i}",
                name_ja=f"ベンチの輪 {i}",
                name_en=f"Bench circle {i}",
                visibility=CircleVisibility.PRIVATE if private else CircleVisibility.OPEN,
            )
            db.session.add(circle)
            db.session.flush()
            circle_ids.append(circle.id)
        db.session.add(
            CircleMembership(
                circle_id=circle_ids[CIRCLES - 2],
                user_id=people[0],
                role=CircleRole.MEMBER,
                status=MembershipStatus.ACTIVE,
            )
        )
        # The big circle has most people as members, three of them moderators.
        db.session.add_all(
            CircleMembership(
                circle_id=circle_ids[0],
                user_id=uid,
                role=CircleRole.MODERATOR if k < 3 else CircleRole.MEMBER,
                status=MembershipStatus.ACTIVE,
            )
            for k, uid in enumerate(people[1 : MEMBERS + 1])
        )
        db.session.commit()
        now = utcnow()
        # The big circle holds a quarter of the questions, the others share the rest.
        weights = [0.6, 0.25] + [0.15 / (CIRCLES - 1)] * (CIRCLES - 1)
        homes = [None, circle_ids[0], *circle_ids[1:]]
        for start in range(0, questions, 2000):
            rows = []
            for n in range(start, min(questions, start + 2000)):
                created = now - timedelta(days=1095 * (1 - n / questions), minutes=rng.random())
                answers = rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8))
                active = created + timedelta(hours=rng.random() * 24 * 30) if answers else created
                resolved = answers and rng.random() < 0.4
                rows.append(
                    {
                        "author_id": rng.choice(people),
                        "circle_id": rng.choices(homes, weights)[0],
                        "title": TITLE.format(n=n),
                        "body_md": "本文",
                        "body_html": "<p>本文</p>",
                        "renderer": 2,
                        "field_code": rng.choice(fields) if rng.random() < 0.8 else None,
                        "stage": rng.choice((1, 2, 3, None)),
                        "status": QuestionStatus.RESOLVED
                        if resolved
                        else (QuestionStatus.ANSWERED if answers else QuestionStatus.OPEN),
                        "score": rng.choice((0, 0, 0, 0, 1, 1, 2, 3, 5, 8, 13, -1)),
                        "answer_count": answers,
                        "view_count": rng.randint(0, 500),
                        "hidden_at": now if rng.random() < 0.01 else None,
                        # Minutes: many questions share a second, so ties are common.
                        "created_at": created.replace(second=0, microsecond=0),
                        "last_activity_at": min(active, now).replace(second=0, microsecond=0),
                    }
                )
            ids = db.session.scalars(insert(Question).returning(Question.id), rows).all()
            links = [
                {"question_id": qid, "topic_code": code}
                for qid in ids
                for code in rng.sample(topics, rng.choice((1, 1, 2)))
            ]
            db.session.execute(insert(question_topics), links)
            db.session.commit()
            print(f"  {start + len(rows)} questions", file=sys.stderr, flush=True)
        db.engine.dispose()
    # Autovacuum would do the same within minutes of a bulk load; measure the settled state.
    with create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url).app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


FIELD_SQL = (
    "SELECT field_code FROM questions WHERE field_code IS NOT NULL"
    " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
)
TOPIC_SQL = "SELECT topic_code FROM question_topics GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
LAST_SQL = (
    "SELECT (count(*) + 19) / 20 FROM questions LEFT JOIN circles ON circles.id = circle_id"
    " WHERE hidden_at IS NULL AND (circles.visibility IS NULL OR circles.visibility != 'private')"
)


def pages(field: str, topic: str, last: int) -> list[str]:
    """The paths measured."""
    found = [
        f"/questions/?sort={s}&page={p}"
        for s in ("activity", "newest", "votes")
        for p in (1, 200, last)
    ]
    found += [f"/questions/?status=unanswered&sort=newest&page={p}" for p in (1, 200)]
    found += [f"/questions/?field={field}&page={p}" for p in (1, 50)]
    found += [f"/questions/?topic={topic}&sort=votes&page={p}" for p in (1, 50)]
    found += [f"/questions/?circle={BIG_CIRCLE}&page={p}" for p in (1, 200)]
    found += [
        f"/circles/{BIG_CIRCLE}?tab={t}&page={p}" for t in ("latest", "top") for p in (1, 200)
    ]
    found += [f"/circles/{BIG_CIRCLE}?tab=unanswered&page={p}" for p in (1, 80)]
    return found


def _explain_ms(conn, statements, repeat: int = 5) -> tuple[float, float]:
    """Sum and maximum over `statements` of their planning + execution time: EXPLAIN ANALYZE
    without per-node timing (which would inflate scans of many rows), median of `repeat`."""
    total = worst = 0.0
    cursor = conn.connection.dbapi_connection.cursor()
    for statement, params in statements:
        runs = []
        for _ in range(repeat):
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement, params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            runs.append(plan["Planning Time"] + plan["Execution Time"])
        ms = statistics.median(runs)
        total += ms
        worst = max(worst, ms)
    cursor.close()
    return total, worst


def explain(url: str, path: str, viewer: str | None) -> None:
    """Print each statement one request to `path` sends, with its EXPLAIN ANALYZE plan."""
    from tests.conftest import client_as

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        engine = db.engine
    sent: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, s, p, _x, _m: sent.append((s, p)))
    client = client_as(app, viewer)
    sent.clear()
    assert client.get(path).status_code == 200
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        for statement, params in sent:
            print("=" * 100, "\n", statement, "\n", params)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            print("\n".join(r[0] for r in cursor.fetchall()))
        conn.rollback()
    engine.dispose()


def measure(url: str, rounds: int, only: str = "") -> None:
    """Print the table described in the module docstring (the pages whose path has `only`)."""
    from tests.conftest import client_as

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        engine = db.engine
        count = db.session.scalar(text("SELECT count(*) FROM questions"))
        field = db.session.scalar(text(FIELD_SQL))
        topic = db.session.scalar(text(TOPIC_SQL))
        last = db.session.scalar(text(LAST_SQL))
    statements: list[tuple[str, object]] = []
    event.listen(
        engine, "before_cursor_execute", lambda _c, _cu, s, p, _ctx, _m: statements.append((s, p))
    )
    print(f"PostgreSQL, {count} questions, {rounds} requests each; SQL ms = EXPLAIN ANALYZE")
    print(
        f"{'viewer':8} {'path':52} {'SQL':>4} {'SQL ms':>7} {'worst':>6} {'p50':>7} {'p95':>7}"
        f" {'CPU':>6}"
    )
    for viewer in (None, PRIVATE_MEMBER):
        client = client_as(app, viewer)
        for path in [p for p in pages(field, topic, last) if only in p]:
            client.get(path)
            statements.clear()
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            sent = list(statements)
            with engine.connect() as conn:
                total, worst = _explain_ms(conn, sent)
                conn.rollback()
            times, cpu = [], []
            for _ in range(rounds):
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            times.sort()
            p95 = times[max(0, int(round(len(times) * 0.95)) - 1)]
            print(
                f"{viewer or 'visitor':8} {path:52} {len(sent):4} {total:7.1f} {worst:6.1f}"
                f" {statistics.median(times):7.1f} {p95:7.1f} {statistics.median(cpu):6.1f}",
                flush=True,
            )
    engine.dispose()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--build"]
    raw = os.environ.get("KAKEHASHI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/h2_db")
    url = "postgresql+psycopg://" + raw.split("://", 1)[1]
    if args and args[0] == "explain":
        explain(url, args[1], args[2] if len(args) > 2 else None)
        return
    if "--build" in sys.argv:
        build(url, int(args[0]) if args else 20_000)
    measure(url, int(args[1]) if len(args) > 1 else 30, args[2] if len(args) > 2 else "")


if __name__ == "__main__":
    main()
