"""An index for the review table's text search on PostgreSQL (pg_trgm); nothing on SQLite.

The text filter matches a substring of an entry's id, its officer's user name or
``entries.search_text`` (migration 0004: the instance name and the free-text answers of up to
60 characters, about 60 characters per observation entry), see
:class:`sync_server.entry_filters.TextMatch`.

* PostgreSQL: the ``pg_trgm`` extension (trusted: the database owner may create it) and a GIN
  trigram index on the search document expression, which ``LIKE '%term%'`` uses.
* SQLite: no index. A scan of those three short columns over 100,000 entries takes about
  30-90 ms; an FTS5 trigram table kept by triggers (tried first) answered in 1 ms but added
  0.15-0.6 ms to every pushed entry, which the push throughput target cannot afford.

Revision ID: 0005, revises 0004. Create Date: 2026-12-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The search document (the same expression as the query's, so the planner uses the index)
PG_DOCUMENT = "(lower(entry_id) || E'\\n' || lower(officer) || E'\\n' || search_text)"


def upgrade() -> None:
    """Create the PostgreSQL search index (SQLite: nothing)."""
    if op.get_bind().dialect.name == "sqlite":
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
        return
    op.execute("DROP INDEX IF EXISTS ix_entries_search_trgm")
