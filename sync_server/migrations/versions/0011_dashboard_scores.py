"""The dashboard's stored figures: ``entry_scores`` and ``device_contacts``.

``entry_scores`` keeps, per entry, the figures of its head revision that the dashboard sums
and averages (overall and component scores, packed indicator results, survey consent, the
visit point), written whenever the head changes (:mod:`sync_server.entry_scores`); the
dashboard reads it instead of every head's answers. It is clustered by form, region and
kecamatan (``WITHOUT ROWID`` on SQLite) so one query reads one range. Existing entries are
filled here, in blocks, with the pure :func:`sync_server.entry_scores.score_values`.

``device_contacts`` records, per account and device, the last call of the sync API and the
counts the tablet reported with it (``X-Device-Report``): "who has not synced" on the dashboard.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BLOCK = 2000
PARTS = 9
INDICATORS = 19


def _score_columns() -> list[sa.Column]:
    return (
        [sa.Column("score", sa.Float())]
        + [sa.Column(f"part_{i}", sa.Float()) for i in range(1, PARTS + 1)]
        + [
            sa.Column(f"ind_{i:02d}", sa.BigInteger(), nullable=False, server_default="0")
            for i in range(1, INDICATORS + 1)
        ]
        + [
            sa.Column("consent", sa.Integer()),
            sa.Column("lat", sa.Float()),
            sa.Column("lon", sa.Float()),
            sa.Column("invalid", sa.Integer(), nullable=False, server_default="0"),
        ]
    )


def _backfill(conn: sa.Connection) -> None:
    """One row per existing entry, from its head revision's answers."""
    from sync_server.entry_scores import score_values

    ent = sa.table(
        "entries",
        sa.column("entry_id"),
        sa.column("form_id"),
        sa.column("region"),
        sa.column("head_rev"),
        sa.column("deleted_at"),
    )
    rev = sa.table("revisions", sa.column("entry_id"), sa.column("rev"), sa.column("answers"))
    names = ["entry_id", "rev", "form_id", "region", "kecamatan", "deleted"] + [
        c.name for c in _score_columns()
    ]
    target = sa.table("entry_scores", *[sa.column(n) for n in names])
    after = ""
    while True:
        rows = conn.execute(
            sa.select(
                ent.c.entry_id,
                ent.c.form_id,
                ent.c.region,
                ent.c.head_rev,
                ent.c.deleted_at,
                rev.c.answers,
            )
            .select_from(
                ent.join(rev, (rev.c.entry_id == ent.c.entry_id) & (rev.c.rev == ent.c.head_rev))
            )
            .where(ent.c.entry_id > after)
            .order_by(ent.c.entry_id)
            .limit(BLOCK)
        ).all()
        if not rows:
            return
        out = []
        for row in rows:
            try:
                answers = json.loads(row.answers)
            except ValueError:
                answers = {}
            kecamatan = answers.get("kecamatan") if isinstance(answers, dict) else None
            out.append(
                {
                    "entry_id": row.entry_id,
                    "rev": row.head_rev,
                    "form_id": row.form_id,
                    "region": row.region,
                    "kecamatan": kecamatan[:100] if isinstance(kecamatan, str) else "",
                    "deleted": row.deleted_at is not None,
                    **score_values(answers),
                }
            )
        conn.execute(target.insert(), out)
        after = rows[-1].entry_id


def upgrade() -> None:
    """Create both tables and fill ``entry_scores`` from the existing heads."""
    op.create_table(
        "entry_scores",
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("kecamatan", sa.String(100), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("rev", sa.String(80), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default="0"),
        *_score_columns(),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.entry_id"],
            name="fk_entry_scores_entry_id_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "form_id", "region", "kecamatan", "entry_id", name="pk_entry_scores"
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_entry_scores_entry_id", "entry_scores", ["entry_id"], unique=True)
    op.create_table(
        "device_contacts",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(200), nullable=False),
        sa.Column("last_contact_at", sa.String(32), nullable=False),
        sa.Column("reported_at", sa.String(32)),
        sa.Column("waiting", sa.Integer()),
        sa.Column("drafts", sa.Integer()),
        sa.PrimaryKeyConstraint("username", "device_id", name="pk_device_contacts"),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("device_contacts")
    op.drop_index("ix_entry_scores_entry_id", table_name="entry_scores")
    op.drop_table("entry_scores")
