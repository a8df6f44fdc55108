"""search: the kind as a column of the SQLite full-text table; an index of long documents

Revision ID: b7d41c2e9f30
Revises: 9234c9e92e9a
Create Date: 2026-11-28 10:05:00

Each kind's window of recent matches is one full-text query (`kind : "case" AND tokens : ...`).
PostgreSQL filters on search_entries.kind with its B-tree index and needs nothing new there.
Documents longer than one section (12,000 characters) get a partial index: a search for several
words also looks for them across the sections of those few documents.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9f30'
down_revision = '9234c9e92e9a'
branch_labels = None
depends_on = None

DROP = [
    "DROP TRIGGER IF EXISTS search_entries_au",
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    "DROP TABLE IF EXISTS search_fts",
]
WITH_KIND = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(kind, tokens, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, kind, tokens) VALUES (new.id, new.kind, new.tokens); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, kind, tokens) "
    "VALUES ('delete', old.id, old.kind, old.tokens); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, kind, tokens) "
    "VALUES ('delete', old.id, old.kind, old.tokens); "
    "INSERT INTO search_fts(rowid, kind, tokens) VALUES (new.id, new.kind, new.tokens); END",
    # An external-content table rebuilds itself from search_entries.
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
WITHOUT_KIND = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_entries', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]


def _run(statements):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for statement in [*DROP, *statements]:
        bind.exec_driver_sql(statement)


def upgrade():
    _run(WITH_KIND)
    op.create_index(
        "ix_search_entries_long",
        "search_entries",
        ["kind", "ref_id"],
        unique=False,
        sqlite_where=sa.text("section > 0"),
        postgresql_where=sa.text("section > 0"),
    )


def downgrade():
    op.drop_index("ix_search_entries_long", table_name="search_entries")
    _run(WITHOUT_KIND)
