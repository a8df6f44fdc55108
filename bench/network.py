"""Benchmark: the network view (/network/) at national scale, on PostgreSQL.

    KAKEHASHI_BENCH_PG=postgresql://postgres@127.0.0.1:5432/network_db \
        .venv/bin/python -m bench.network [--members N] [--questions N] [--answers N]
        [--requests N] [--reuse]

Builds (with COPY; about a minute) MEMBERS members (default 30,000) spread over every
municipality of the reference data — a few hundred left with nobody, as on a real network —
QUESTIONS questions (200,000) over the last 24 months and ANSWERS answers (1,000,000), each
member's problem stage set and moved one to three times over those months, then
asks each page REQUESTS times (default 100) one after another, in the process (the time inside
the application, as the server's Server-Timing would give it), as an admin and as the
coordinator of 岐阜県, and prints p50/p95 and the SQL statements each page ran. The aim
(issue: the network view) is p95 < 300 ms with a number of statements that does not depend on
the data's size. `--reuse` keeps a build of the same size whose schema has not changed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

from bench.ratio_build import _copy, _set_sequences, log, make_app

PAGES = (
    "/network/",
    "/network/prefectures/21",
    "/network/prefectures/21/blank.csv",
    "/network/kpis",
    "/network/kpis?prefecture=21",
    "/network/kpis.csv",
    "/network/stages",
    "/network/stages?prefecture=21",
)
COORDINATED = "21"  # 岐阜県
AIM_MS = 300


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def _marker(size: tuple) -> str:
    from bench.ratio_store import fingerprint
    from community.extensions import db

    return f"{size} {fingerprint(db.engine)}"


def _stored(app, marker: str) -> bool:
    from sqlalchemy import text

    from community.extensions import db

    with app.app_context():
        try:
            found = db.session.execute(text("SELECT info FROM bench_network_marker")).scalar()
        except Exception:  # noqa: BLE001 - no marker table: nothing was built here
            db.session.rollback()
            return False
        return found == marker


def build(app, members: int, questions: int, answers: int) -> None:
    """Empty the database and fill it (see the module's doc)."""
    from sqlalchemy import select, text
    from werkzeug.security import generate_password_hash

    from community.auth.models import Role, User
    from community.db import utcnow
    from community.extensions import db
    from community.network.models import CoordinatorAppointment
    from community.network.stage_history import ProfileStageChange
    from community.profiles.models import OrganisationKind, Profile, Visibility
    from community.questions.models import Answer, Question, QuestionStatus
    from community.reference.loader import load_reference
    from community.reference.models import Municipality
    from tests.factories import PASSWORD

    rng = random.Random(11)
    started = time.perf_counter()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        load_reference()
        db.session.commit()
        places = db.session.execute(
            select(Municipality.code, Municipality.prefecture_code).where(
                Municipality.kind.in_(("市", "町", "村", "特別区")),
                Municipality.retired_at.is_(None),
            )
        ).all()
        # A sixth of the municipalities with nobody (空白自治体); the rest weighted towards
        # cities, as members would be.
        reached = [p for p in places if rng.random() > 1 / 6]
        now = utcnow()
        password_hash = generate_password_hash(PASSWORD)
        users, profiles = [], []
        for uid in range(1, members + 1):
            code, pref = rng.choice(reached)
            joined = now - timedelta(days=rng.randint(0, 730))
            users.append(
                {
                    "id": uid,
                    "email": f"n{uid}@example.com",
                    "username": f"n{uid}",
                    "display_name": f"Member {uid}",
                    "password_hash": password_hash,
                    "role": Role.ADMIN if uid == 1 else Role.MEMBER,
                    "email_confirmed_at": joined,
                    "created_at": joined,
                    "last_seen_at": now - timedelta(days=rng.randint(0, 200)),
                }
            )
            kind = OrganisationKind.MUNICIPALITY if rng.random() < 0.8 else OrganisationKind.OTHER
            profiles.append(
                {
                    "user_id": uid,
                    "organisation": "",
                    "prefecture_code": pref,
                    "municipality_code": code if kind == OrganisationKind.MUNICIPALITY else None,
                    "organisation_kind": kind,
                    "problem_stage": rng.choice((1, 2, 3, None)),
                    "visibility": Visibility.PUBLIC,
                }
            )
        # Each member's problem stage over time: set once, then moved zero to two times.
        stage_rows = []
        for uid in range(2, members + 1):
            stage, when = None, now - timedelta(days=rng.randint(30, 730))
            for _ in range(rng.randint(1, 3)):
                new = rng.choice([s for s in (1, 2, 3) if s != stage])
                stage_rows.append(
                    {
                        "id": len(stage_rows) + 1,
                        "user_id": uid,
                        "from_stage": stage,
                        "to_stage": new,
                        "changed_at": when,
                    }
                )
                stage, when = new, when + timedelta(days=rng.randint(1, 200))
        q_rows, a_rows = [], []
        per_question = answers / questions
        for qid in range(1, questions + 1):
            asked = now - timedelta(minutes=rng.randint(0, 730 * 24 * 60))
            n = min(int(rng.expovariate(1 / per_question)), 60)
            q_rows.append(
                {
                    "id": qid,
                    "author_id": rng.randint(2, members),
                    "title": f"ネットワーク計測用の質問 {qid}",
                    "body_md": "本文",
                    "body_html": "<p>本文</p>\n",
                    "field_code": rng.choice(("bridge", "road", "sewer", None)),
                    "stage": rng.choice((1, 2, 3)),
                    "status": QuestionStatus.ANSWERED if n else QuestionStatus.OPEN,
                    "answer_count": n,
                    "created_at": asked,
                    "last_activity_at": asked,
                }
            )
            for _ in range(n):
                if len(a_rows) >= answers:
                    break
                a_rows.append(
                    {
                        "id": len(a_rows) + 1,
                        "question_id": qid,
                        "author_id": rng.randint(2, members),
                        "body_md": "回答",
                        "body_html": "<p>回答</p>\n",
                        "created_at": asked + timedelta(minutes=rng.randint(5, 20 * 24 * 60)),
                    }
                )
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit TO off"))
            _copy(conn, User.__table__, users)
            _copy(conn, Profile.__table__, profiles)
            _copy(conn, Question.__table__, q_rows)
            _copy(conn, Answer.__table__, a_rows)
            _copy(conn, ProfileStageChange.__table__, stage_rows)
            _copy(
                conn,
                CoordinatorAppointment.__table__,
                [{"user_id": 2, "prefecture_code": COORDINATED, "appointed_by_id": 1}],
            )
            _set_sequences(conn)
        autocommit = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as conn:
            conn.execute(text("VACUUM ANALYZE"))
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_network_marker (info text)"))
            conn.execute(
                text("INSERT INTO bench_network_marker VALUES (:m)"),
                {"m": _marker((members, questions, answers))},
            )
        db.engine.dispose()
    log(
        f"built {members:,} members ({len(reached):,} of {len(places):,} municipalities reached),"
        f" {questions:,} questions, {len(a_rows):,} answers"
        f" in {time.perf_counter() - started:.0f} s"
    )


def _client(app, username: str):
    from tests.conftest import login

    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.status_code
    return client


def measure(app, requests: int) -> bool:
    """Each page as the admin and as the coordinator: p50/p95 ms and statements."""
    from sqlalchemy import event

    from community.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    meets = True
    print(f"{'page':38} {'viewer':12} {'p50':>7} {'p95':>7} {'SQL':>4}")
    for who, username in (("admin", "n1"), ("coordinator", "n2")):
        client = _client(app, username)
        for path in PAGES:
            if who == "coordinator" and path.endswith("kpis.csv"):
                continue
            assert client.get(path).status_code == 200, (who, path)
            times, counts = [], set()
            for _ in range(requests):
                statements.clear()
                t = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                counts.add(len(statements))
                assert response.status_code == 200
            p50, p95 = statistics.median(times), _pct(times, 0.95)
            meets &= p95 < AIM_MS
            sql = "/".join(str(c) for c in sorted(counts))
            print(f"{path:38} {who:12} {p50:7.1f} {p95:7.1f} {sql:>4}")
    print(f"aim: p95 < {AIM_MS} ms on every page: {'met' if meets else 'NOT met'}")
    return meets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--questions", type=int, default=200_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("KAKEHASHI_BENCH_PG")
    if not url:
        sys.exit("set KAKEHASHI_BENCH_PG to an empty PostgreSQL database (it is emptied)")
    app = make_app(url)
    app.config.update(RATELIMIT_ENABLED=False)
    size = (args.members, args.questions, args.answers)
    with app.app_context():
        marker = _marker(size)
    if not (args.reuse and _stored(app, marker)):
        build(app, *size)
    app = make_app(url)  # the build's engine was disposed; a fresh app as a server would start
    app.config.update(RATELIMIT_ENABLED=False)
    print(f"PostgreSQL, {args.members:,} members, {args.questions:,} questions")
    measure(app, args.requests)


if __name__ == "__main__":
    main()
