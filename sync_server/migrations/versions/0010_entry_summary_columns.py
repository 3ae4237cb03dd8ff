"""Summary columns of the entries table and the admin's choice of columns per form.

``entries.entry_date`` (the visit or interview date: the answer of the form's first ``date``
question outside repeats, else of its ``today`` question) and ``entries.entry_name`` (the
form's instance name, evaluated by the server, :mod:`sync_server.entry_names`) are filled from
the head revision whenever it changes (:func:`sync_server.entry_rows.head_filter_columns`),
indexed with ``form_id`` so that the
entries table sorts and filters by them without reading answers. ``form_columns`` holds the
question names an admin chose as a form's columns. Existing entries are back-filled from their
head revisions and published forms, in blocks of entry ids.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_entries_form_id_entry_date_entry_id": ["form_id", "entry_date", "entry_id"],
    "ix_entries_form_id_entry_name_entry_id": ["form_id", "entry_name", "entry_id"],
    # covering, like 0002's ix_entries_review_counts: the status counts of a visit-date filter
    # read only this index (a range of dates, not every entry of the form)
    "ix_entries_entry_date_counts": [
        "form_id",
        "entry_date",
        "region",
        "review_status",
        "deleted_at",
        "officer",
    ],
}
BLOCK = 2000


def _summaries(conn: sa.Connection) -> dict[tuple[str, str], Any]:
    """The name and date rules (``EntrySummary``) of every published form version."""
    from survey_forms.model import Form
    from sync_server.entry_names import entry_summary

    forms = sa.table(
        "forms", sa.column("form_id"), sa.column("version"), sa.column("compiled_json")
    )
    out: dict[tuple[str, str], Any] = {}
    for row in conn.execute(sa.select(forms.c.form_id, forms.c.version, forms.c.compiled_json)):
        try:
            form: Any = Form.from_json(json.loads(row.compiled_json))
        except (ValueError, KeyError, TypeError):
            out[(row.form_id, row.version)] = None
            continue
        out[(row.form_id, row.version)] = entry_summary(form)
    return out


def _backfill(conn: sa.Connection) -> None:
    """Fill both columns of every existing entry from its head revision."""
    from sync_server.entry_rows import head_filter_columns, summary_fields

    summaries = _summaries(conn)
    ent = sa.table(
        "entries",
        sa.column("entry_id"),
        sa.column("head_rev"),
        sa.column("entry_date"),
        sa.column("entry_name"),
    )
    rev = sa.table(
        "revisions",
        sa.column("entry_id"),
        sa.column("rev"),
        sa.column("form_id"),
        sa.column("form_version"),
        sa.column("answers"),
        sa.column("meta"),
    )
    update = (
        sa.update(ent)
        .where(ent.c.entry_id == sa.bindparam("b_entry_id"))
        .values(entry_date=sa.bindparam("b_entry_date"), entry_name=sa.bindparam("b_entry_name"))
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(ent.c.entry_id, rev.c.form_id, rev.c.form_version, rev.c.answers, rev.c.meta)
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
            answers = json.loads(row.answers)
            summary = summaries.get((row.form_id, row.form_version))
            fields = summary_fields(summary, answers, meta if isinstance(meta, dict) else {})
            cols = head_filter_columns(answers, *fields)
            params.append(
                {
                    "b_entry_id": row.entry_id,
                    "b_entry_date": cols["entry_date"],
                    "b_entry_name": cols["entry_name"],
                }
            )
        conn.execute(update, params)
        after = rows[-1].entry_id


def upgrade() -> None:
    """Add the columns, the indexes and ``form_columns``, then back-fill the columns."""
    op.add_column(
        "entries", sa.Column("entry_date", sa.String(10), nullable=False, server_default="")
    )
    op.add_column(
        "entries", sa.Column("entry_name", sa.String(200), nullable=False, server_default="")
    )
    op.create_table(
        "form_columns",
        sa.Column("form_id", sa.String(100), primary_key=True),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    _backfill(op.get_bind())
    for name, columns in INDEXES.items():
        op.create_index(name, "entries", columns)


def downgrade() -> None:
    """Drop the table, indexes and columns."""
    op.drop_table("form_columns")
    for name in INDEXES:
        op.drop_index(name, table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("entry_name")
        batch.drop_column("entry_date")
