"""The search index: one row per searchable section, plus a database-specific full-text index.

SQLite: an FTS5 table over `kind` and `tokens` (unicode61, diacritics kept), kept in step by
triggers.
PostgreSQL: a stored `tsvector` column built with the `simple` configuration and a GIN index.
Neither is a mapped column, so both are created by DDL here and in the migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from community.db import UTCDateTime, utcnow
from community.extensions import db

# The kind is a column of its own so that each kind's window of recent matches (window.py) is
# one full-text query: `kind : "case" AND tokens : (...)`.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(kind, tokens, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, kind, tokens) VALUES (new.id, new.kind, new.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, kind, tokens) "
    "VALUES ('delete', old.id, old.kind, old.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, kind, tokens) "
    "VALUES ('delete', old.id, old.kind, old.tokens); "
    "INSERT INTO search_fts(rowid, kind, tokens) VALUES (new.id, new.kind, new.tokens); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_entries_au",
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_DDL = [
    "ALTER TABLE search_entries ADD COLUMN IF NOT EXISTS tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_entries_tsv ON search_entries USING gin (tsv)",
]


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "section"),
        Index("ix_search_entries_kind_ref", "kind", "ref_id"),
        # Documents with several sections: whether a case, person or circle can have words in
        # different sections (window.spread_ref_ids); every answered question has several.
        Index(
            "ix_search_entries_long",
            "kind",
            "ref_id",
            sqlite_where=text("section > 0"),
            postgresql_where=text("section > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # question | case | person | circle
    ref_id: Mapped[int]
    section: Mapped[int] = mapped_column(default=0)  # long texts are split: see index.py
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # original text, for snippets
    tokens: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def create_fulltext(connection) -> None:
    """Create the database-specific full-text part (idempotent)."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_fulltext(connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


@event.listens_for(SearchEntry.__table__, "after_create")
def _after_create(target, connection, **kw):  # noqa: ARG001 - SQLAlchemy's signature
    create_fulltext(connection)


@event.listens_for(SearchEntry.__table__, "before_drop")
def _before_drop(target, connection, **kw):  # noqa: ARG001
    drop_fulltext(connection)


__all__ = ["SearchEntry", "create_fulltext", "drop_fulltext"]
