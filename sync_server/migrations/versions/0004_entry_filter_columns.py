"""Filter columns on ``entries``: the head's ``kecamatan`` and a compact ``search_text``.

The kecamatan and free-text filters of the review table used to read the head revision's
answers JSON of every candidate entry; these columns, filled from the head revision whenever it
changes (:func:`sync_server.entry_rows.head_filter_columns`), make the kecamatan filter an index
lookup and the text search a scan of a short column. Existing entries are back-filled here from
their head revisions, in blocks of entry ids (SQLite and PostgreSQL alike).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    # covering, like 0002's ix_entries_review_counts, so the status counts of a kecamatan filter
    # read only this index
    "ix_entries_kecamatan_counts": [
        "form_id",
        "kecamatan",
        "region",
        "review_status",
        "deleted_at",
        "officer",
        "created_at",
    ],
}
BLOCK = 2000


def _backfill(conn: sa.Connection) -> None:
    """Fill both columns of every existing entry from its head revision."""
    from sync_server.entry_rows import head_filter_columns

    ent = sa.table(
        "entries",
        sa.column("entry_id"),
        sa.column("head_rev"),
        sa.column("kecamatan"),
        sa.column("search_text"),
    )
    rev = sa.table(
        "revisions",
        sa.column("entry_id"),
        sa.column("rev"),
        sa.column("answers"),
        sa.column("meta"),
    )
    update = (
        sa.update(ent)
        .where(ent.c.entry_id == sa.bindparam("b_entry_id"))
        .values(kecamatan=sa.bindparam("b_kecamatan"), search_text=sa.bindparam("b_search_text"))
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(ent.c.entry_id, rev.c.answers, rev.c.meta)
            .select_from(
                ent.join(rev, (rev.c.entry_id == ent.c.entry_id) & (rev.c.rev == ent.c.head_rev))
            )
            .where(ent.c.entry_id > after)
            .order_by(ent.c.entry_id)
            .limit(BLOCK)
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            meta = json.loads(row.meta or "{}")
            name = meta.get("instance_name") if isinstance(meta, dict) else None
            cols = head_filter_columns(json.loads(row.answers), name)
            params.append(
                {
                    "b_entry_id": row.entry_id,
                    "b_kecamatan": cols["kecamatan"],
                    "b_search_text": cols["search_text"],
                }
            )
        conn.execute(update, params)
        after = rows[-1].entry_id


def upgrade() -> None:
    """Add the columns and indexes, then back-fill them."""
    op.add_column("entries", sa.Column("kecamatan", sa.String(100)))
    op.add_column("entries", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    _backfill(op.get_bind())
    for name, columns in INDEXES.items():
        op.create_index(name, "entries", columns)


def downgrade() -> None:
    """Drop the indexes and columns."""
    for name in INDEXES:
        op.drop_index(name, table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("search_text")
        batch.drop_column("kecamatan")
