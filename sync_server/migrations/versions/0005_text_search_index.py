"""An index for the review table's text search: FTS5 trigram on SQLite, pg_trgm on PostgreSQL.

The text filter matches a substring of the *search document* of an entry: its entry id, its
officer's user name and ``entries.search_text`` (migration 0004), lower-cased and joined by
newlines (:func:`sync_server.entry_filters.search_document`). Migration 0004 made that a scan of
one short column per entry; over 100,000 entries a rare term still took 0.6-0.8 s. Here:

* SQLite: ``entry_search`` (integer key, entry id, document) kept by triggers on ``entries``,
  and the FTS5 table ``entry_search_fts`` over it (external content, ``trigram`` tokenizer,
  kept by the usual three triggers). A term of three characters or more is a trigram phrase
  query (a substring match, case-insensitive); shorter terms scan the documents.
* PostgreSQL: the ``pg_trgm`` extension (trusted: the database owner may create it) and a GIN
  trigram index on the search document expression, which ``LIKE '%term%'`` uses.

Existing entries are indexed here. Revision ID: 0005, revises 0004. Create Date: 2026-12-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The search document in SQL (both dialects); the same expression as the query's.
DOCUMENT = (
    "lower({t}entry_id) || char(10) || lower({t}officer) || char(10) || {t}search_text"
)
PG_DOCUMENT = (
    "(lower(entry_id) || E'\\n' || lower(officer) || E'\\n' || search_text)"
)

SQLITE_UP = [
    "CREATE TABLE entry_search (id INTEGER PRIMARY KEY, "
    "entry_id VARCHAR(36) NOT NULL UNIQUE, document TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE entry_search_fts USING fts5(entry_id UNINDEXED, document, "
    "content='entry_search', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER entry_search_fts_ai AFTER INSERT ON entry_search BEGIN "
    "INSERT INTO entry_search_fts(rowid, entry_id, document) "
    "VALUES (new.id, new.entry_id, new.document); END",
    "CREATE TRIGGER entry_search_fts_ad AFTER DELETE ON entry_search BEGIN "
    "INSERT INTO entry_search_fts(entry_search_fts, rowid, entry_id, document) "
    "VALUES ('delete', old.id, old.entry_id, old.document); END",
    "CREATE TRIGGER entry_search_fts_au AFTER UPDATE ON entry_search BEGIN "
    "INSERT INTO entry_search_fts(entry_search_fts, rowid, entry_id, document) "
    "VALUES ('delete', old.id, old.entry_id, old.document); "
    "INSERT INTO entry_search_fts(rowid, entry_id, document) "
    "VALUES (new.id, new.entry_id, new.document); END",
    "CREATE TRIGGER entries_search_ai AFTER INSERT ON entries BEGIN "
    "INSERT INTO entry_search(entry_id, document) "
    f"VALUES (new.entry_id, {DOCUMENT.format(t='new.')}); END",
    "CREATE TRIGGER entries_search_au AFTER UPDATE OF officer, search_text ON entries "
    "WHEN new.search_text IS NOT old.search_text OR new.officer IS NOT old.officer BEGIN "
    f"UPDATE entry_search SET document = {DOCUMENT.format(t='new.')} "
    "WHERE entry_id = new.entry_id; END",
    "CREATE TRIGGER entries_search_ad AFTER DELETE ON entries BEGIN "
    "DELETE FROM entry_search WHERE entry_id = old.entry_id; END",
    f"INSERT INTO entry_search(entry_id, document) SELECT entry_id, {DOCUMENT.format(t='')} "
    "FROM entries ORDER BY entry_id",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS entries_search_ad",
    "DROP TRIGGER IF EXISTS entries_search_au",
    "DROP TRIGGER IF EXISTS entries_search_ai",
    "DROP TABLE IF EXISTS entry_search_fts",
    "DROP TABLE IF EXISTS entry_search",
]


def upgrade() -> None:
    """Create the search index of the dialect and fill it."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    bind = op.get_bind()
    schema = _trgm_schema(bind)
    if schema is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema = _trgm_schema(bind)
    # the operator class is named with its schema: the extension may live outside search_path
    opclass = f'"{schema}".gin_trgm_ops'
    op.execute(
        f"CREATE INDEX ix_entries_search_trgm ON entries USING gin ({PG_DOCUMENT} {opclass})"
    )


def _trgm_schema(bind: sa.Connection) -> str | None:
    """The schema holding the pg_trgm extension, ``None`` when it is not installed."""
    return bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()


def downgrade() -> None:
    """Drop the search index (the pg_trgm extension stays: other objects may use it)."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
        return
    op.execute("DROP INDEX IF EXISTS ix_entries_search_trgm")
