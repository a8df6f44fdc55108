"""Benchmark: a question page with 50 and 500 answers, and the question list, on SQLite.

Run with `make bench`. Prints p50/p95 per request and SQL statements per request.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import event

from bench.people_directory import measure
from community import create_app
from community.config import TestConfig
from community.extensions import db
from community.questions.models import Answer, Comment
from community.reference.loader import load_reference


def main(rounds: int = 100) -> None:
    from tests import qa_helpers
    from tests.factories import make_people

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'b.db'}")
        paths = []
        with app.app_context():
            db.create_all()
            load_reference()
            people = make_people(500, prefix="b")
            for n in (50, 500):
                q = qa_helpers.ask(people[0].id, title=f"ベンチマーク用の質問 {n} 件の回答")
                for i, u in enumerate(people[:n]):
                    a = Answer(
                        question_id=q.id, author_id=u.id, body_md="x", body_html=f"<p>回答 {i}</p>"
                    )
                    db.session.add(a)
                    db.session.flush()
                    db.session.add(
                        Comment(answer_id=a.id, thread_id=q.id, author_id=u.id, body="ok")
                    )
                q.answer_count = n
                paths.append((f"/questions/{q.id}", n))
            for i in range(300):
                qa_helpers.ask(people[i % 50].id, title=f"一覧のための質問その {i} です")
            db.session.commit()
            engine = db.engine
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        print(f"SQLite, one process, {rounds} requests each")
        for path, label in [
            *paths,
            ("/questions/", "list"),
            ("/questions/?sort=votes&status=unanswered", "list"),
        ]:
            statements.clear()
            client.get(path)
            per_request = len(statements)
            p50, p95 = measure(client, path, rounds)
            print(
                f"  {path:45} ({label:>4}) p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  {per_request} SQL"
            )


if __name__ == "__main__":
    main()
