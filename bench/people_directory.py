"""Benchmark: the people directory and a profile page with 1,000 profiles on SQLite.

Run with `make bench` (or `.venv/bin/python -m bench.people_directory [N]`). Prints the
median and 95th percentile time per request and the SQL statements per request.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from community import create_app
from community.config import TestConfig
from community.extensions import db
from community.reference.loader import load_reference


def measure(client, path: str, rounds: int) -> tuple[float, float]:
    client.get(path)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main(n: int = 1000, rounds: int = 200) -> None:
    from tests.factories import make_people

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.create_all()
            load_reference()
            make_people(n, fields=("bridge", "road"), help_topics=("inspection", "outsourcing"))
            db.session.commit()
            engine = db.engine
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        print(f"{n} public profiles, SQLite, {rounds} requests each, one process")
        for path in (
            "/people/",
            "/people/?field=bridge&prefecture=16",
            "/people/?q=bio",
            "/people/p7",
        ):
            statements.clear()
            client.get(path)
            per_request = len(statements)
            p50, p95 = measure(client, path, rounds)
            print(f"  {path:40} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  {per_request} SQL")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
