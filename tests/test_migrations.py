"""Alembic revisions: empty → head → base → head on the test database's engine, and
autogenerate finds no difference between the models and the migrated schema."""

import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from community import create_app
from community.config import TestConfig
from community.db import utcnow
from community.extensions import db


@contextmanager
def scratch_database(db_url: str, tmp_path):
    """A new empty database of the same kind as the suite's."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(db_url)
    name = f"kakehashi_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def include_object(obj, name, type_, reflected, compare_to):
    """The same rule as include_object in migrations/env.py (which cannot be imported: it runs
    Alembic): the full-text parts are made by DDL, not by models."""
    if type_ == "table" and name and name.startswith("search_fts"):
        return False
    if type_ == "column" and name == "tsv":
        return False
    return not (type_ == "index" and name == "ix_search_entries_tsv")


def app_tables(engine) -> set[str]:
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    return {n for n in names if not n.startswith("search_fts")}


@pytest.fixture
def migration_app(db_url, tmp_path):
    with scratch_database(db_url, tmp_path) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def test_upgrade_downgrade_upgrade_and_no_drift(migration_app):
    engine = db.engine
    model_tables = set(db.metadata.tables)
    assert app_tables(engine) == set()

    upgrade()
    assert app_tables(engine) == model_tables

    downgrade(revision="base")
    assert app_tables(engine) == set(), "every downgrade removes what its upgrade made"

    upgrade()
    assert app_tables(engine) == model_tables

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_seed_reference_runs_on_migrated_schema(migration_app):
    from community.reference.loader import load_reference

    upgrade()
    assert load_reference() > 0
    db.session.commit()
    assert load_reference() == 0


def _fulltext_schema(engine) -> list[str]:
    """The full-text part as the database describes it."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE name LIKE 'search_%' "
                    "AND type IN ('table', 'trigger') AND name NOT LIKE 'search_fts_%' "
                    "ORDER BY name"
                )
            )
            return [
                f"{name}: {' '.join(sql.replace('IF NOT EXISTS ', '').split())}"
                for name, sql in rows
            ]
        rows = conn.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'search_entries' "
                "UNION ALL SELECT column_name || ' ' || generation_expression "
                "FROM information_schema.columns WHERE table_name = 'search_entries' "
                "AND column_name = 'tsv' ORDER BY 1"
            )
        )
        return [r[0] for r in rows]


def test_migrated_fulltext_matches_the_models_and_keeps_entries(migration_app, db_url, tmp_path):
    """The revision that gave the SQLite full-text table its kind column rebuilds it from the
    entries already there; after it, the schema is what the models create."""
    from community.search.models import SearchEntry

    upgrade(revision="9234c9e92e9a")
    db.session.execute(
        SearchEntry.__table__.insert(),
        [
            {
                "kind": "case",
                "ref_id": 1,
                "section": 0,
                "title": "t",
                "body": "橋梁",
                "tokens": "橋梁 梁",
                "updated_at": utcnow(),
            }
        ],
    )
    db.session.commit()
    upgrade()
    migrated = _fulltext_schema(db.engine)
    assert migrated
    if db.engine.dialect.name == "sqlite":
        hit = db.session.execute(
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q"),
            {"q": 'kind : "case" AND tokens : "橋梁"'},
        ).scalar()
        assert hit is not None, "entries indexed before the revision are found by kind after it"
    db.session.remove()

    (tmp_path / "models").mkdir()
    with scratch_database(db_url, tmp_path / "models") as url:
        engine = create_engine(url)
        db.metadata.create_all(engine)
        assert _fulltext_schema(engine) == migrated
        engine.dispose()
