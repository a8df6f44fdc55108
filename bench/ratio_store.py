"""The record of a finished build of `bench/question_ratio.py`'s data set, for reuse.

A table `bench_build` in the benchmark's database records a finished build: its sizes, the ids
of the measured threads, the highest id of every table, and a fingerprint of the schema and of
the code that produced the stored data (every table's and index's DDL, the Markdown renderer's
version, the indexer's modules, `bench/ratio_build.py`). `ensure(..., reuse=True)` keeps a
build whose record matches and builds again otherwise; `reset` first removes what earlier
measuring runs added (answers posted, follows, notifications, views …) so that every run
measures the same threads.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from bench.ratio_build import PEOPLE, ROOT, build, log, make_app

MARKER = "bench_build"


def _indexer_sources() -> list[Path]:
    """community/search/index.py and the modules of community.search (and community.text) it
    imports, transitively: the code that decides what the index holds."""
    wanted = ("community.search", "community.text")
    seen: dict[str, Path] = {}
    todo = ["community.search.index"]
    while todo:
        name = todo.pop()
        path = ROOT / (name.replace(".", "/") + ".py")
        if name in seen or not path.exists():
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            todo += [n for n in names if n.startswith(wanted)]
    return [seen[n] for n in sorted(seen)]


def fingerprint(engine) -> str:
    """A hash of what a stored build depends on: the schema (every table's and index's DDL),
    the renderer's version, the indexer's code and bench/ratio_build.py."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    from community import markdown
    from community.extensions import db

    h = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        h.update(str(CreateTable(table).compile(dialect=engine.dialect)).encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            h.update(str(CreateIndex(index).compile(dialect=engine.dialect)).encode())
    h.update(f"renderer {markdown.RENDERER_VERSION}".encode())
    # The code as parsed: a comment or a reformatting does not ask for a new build.
    for path in [*_indexer_sources(), ROOT / "bench" / "ratio_build.py"]:
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(ast.dump(ast.parse(path.read_text(encoding="utf-8"))).encode())
    return h.hexdigest()[:16]


def read_marker(engine) -> dict | None:
    """The record of the finished build in this database, or None."""
    from sqlalchemy import inspect, text

    if not inspect(engine).has_table(MARKER):
        return None
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT info FROM {MARKER}")).scalar()  # noqa: S608 - a constant
    return row if isinstance(row, dict) else (json.loads(row) if row else None)


def write_marker(conn, info: dict) -> None:
    from sqlalchemy import text

    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKER} (info jsonb NOT NULL)"))
    conn.execute(text(f"DELETE FROM {MARKER}"))  # noqa: S608 - a constant
    conn.execute(
        text(f"INSERT INTO {MARKER} (info) VALUES (CAST(:info AS jsonb))"),  # noqa: S608
        {"info": json.dumps(info)},
    )


def max_ids(conn) -> dict[str, int]:
    """The highest id of every table with an integer `id` column."""
    from sqlalchemy import Integer, func, select

    from community.extensions import db

    out = {}
    for table in db.metadata.sorted_tables:
        column = table.columns.get("id")
        if column is not None and isinstance(column.type, Integer):
            out[table.name] = conn.execute(select(func.coalesce(func.max(column), 0))).scalar()
    return out


def reset(url: str, info: dict) -> None:
    """Undo what measuring runs added since the build: rows beyond each table's highest built
    id are deleted (answers posted and their revisions, follows, notifications, mail, views …),
    answer counts and statuses are recounted, the threads' versions move on (so that no page
    cached with the posts is served), and the search documents those runs rewrote are rebuilt
    by the indexer."""
    from sqlalchemy import text

    from community.extensions import db
    from community.search.index import reindex

    app = make_app(url)
    with app.app_context():
        built = info["max_ids"]
        with db.engine.begin() as conn:
            stale = conn.execute(
                text("SELECT DISTINCT kind, ref_id FROM search_entries WHERE id > :id"),
                {"id": built.get("search_entries", 0)},
            ).all()
            # Threads that runs changed: their cached pages and fragments are keyed by the
            # question's version, which the deletions below must move on as the app would.
            touched = {ref_id for kind, ref_id in stale if kind == "question"}
            for table, column in (("answers", "question_id"), ("comments", "thread_id")):
                sql = f"SELECT DISTINCT {column} FROM {table} WHERE id > :id"  # noqa: S608
                touched |= set(conn.execute(text(sql), {"id": built[table]}).scalars())
            removed = 0
            for table in reversed(db.metadata.sorted_tables):
                if table.name in built and table.name != "audit_entries":
                    removed += conn.execute(
                        text(f"DELETE FROM {table.name} WHERE id > :id"),  # noqa: S608
                        {"id": built[table.name]},
                    ).rowcount
            conn.execute(
                text(
                    "UPDATE questions q SET answer_count = c.n,"
                    " status = CASE WHEN c.n > 0 THEN 'answered' ELSE 'open' END"
                    " FROM (SELECT q.id, count(a.id) AS n FROM questions q"
                    " LEFT JOIN answers a ON a.question_id = q.id GROUP BY q.id) c"
                    " WHERE c.id = q.id AND q.answer_count <> c.n"
                )
            )
            if touched and "version" in db.metadata.tables["questions"].columns:
                conn.execute(
                    text("UPDATE questions SET version = version + 1 WHERE id = ANY(:ids)"),
                    {"ids": sorted(touched)},
                )
        for kind, ref_id in sorted(stale):
            reindex(kind, ref_id)
        db.session.commit()
        with db.engine.begin() as conn:
            info["max_ids"] = max_ids(conn)
            write_marker(conn, info)
        db.engine.dispose()
    if removed or stale:
        log(f"  reset: {removed} rows of earlier runs removed, {len(stale)} documents rebuilt")


def ensure(url: str, questions: int, reuse: bool, workers: int = 2) -> dict:
    """The build's record: the stored one when `reuse` and it matches, else a new build."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        info = read_marker(engine) if reuse else None
        if info is not None:
            make_app(url)  # the models, for the fingerprint
            wanted = {"questions": questions, "people": PEOPLE, "fingerprint": fingerprint(engine)}
            differs = [k for k, v in wanted.items() if info.get(k) != v]
            if not differs:
                log(f"reusing the build of {info['built_at']} ({info['seconds']} s to build)")
                reset(url, info)
                return info
            log(f"the stored build differs ({', '.join(differs)}): building again")
        elif reuse:
            log("no finished build in this database: building")
    finally:
        engine.dispose()
    log(f"building {questions:,} questions on PostgreSQL …")
    return build(url, questions, workers)
