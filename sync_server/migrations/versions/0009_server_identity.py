"""The ``server_identity`` table: one row naming this server and its current epoch.

``server_id`` is made once, when the database is created (or upgraded to this step); ``epoch``
changes whenever the database is restored from a backup (``survey-server restore``) or the
server finds that a tablet's cursor is ahead of its feed (a database copied back by hand). Pull
cursors carry both, so a tablet learns that the server it talks to has lost what came after
the backup and reconciles (:mod:`sync_server.server_identity`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``server_identity`` with its one row (a new server id and a first epoch)."""
    table = op.create_table(
        "server_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.String(32), nullable=False),
        sa.Column("epoch", sa.String(16), nullable=False),
        sa.Column("past_epochs", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("epoch_started_at", sa.String(32), nullable=False),
        sa.Column("epoch_reason", sa.String(40), nullable=False, server_default="created"),
        sa.CheckConstraint("id = 1", name="ck_server_identity_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_server_identity"),
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "server_id": uuid.uuid4().hex,
                "epoch": secrets.token_hex(4),
                "past_epochs": "[]",
                "created_at": now,
                "epoch_started_at": now,
                "epoch_reason": "created",
            }
        ],
    )


def downgrade() -> None:
    """Drop ``server_identity``."""
    op.drop_table("server_identity")
