"""The ``attachment_uploads`` table: who uploaded which attachment file, when, and how large.

An attachment file is stored once by content (``attachments``), but several accounts may upload
the same bytes. Each account that sent the file (and proved it has the bytes: the server checks
the hash) gets one row here. The rows give:

* access: an account always sees the files it uploaded itself, before any entry refers to them
  (the tablet uploads photos first, then pushes the entry);
* the upload quota: the bytes of an account's uploads that no entry refers to yet;
* the upload rate: the bytes an account uploaded in the last hour;
* cleaning: files no entry refers to are removed after a grace period
  (``survey-server clean-uploads``).

Existing files get one row for the account that first stored them (``attachments.uploaded_by``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``attachment_uploads`` and fill it from ``attachments.uploaded_by``."""
    op.create_table(
        "attachment_uploads",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "username", name="pk_attachment_uploads"),
    )
    op.create_index(
        "ix_attachment_uploads_username_uploaded_at",
        "attachment_uploads",
        ["username", "uploaded_at"],
    )
    op.execute(
        "INSERT INTO attachment_uploads (sha256, username, size, uploaded_at) "
        "SELECT sha256, uploaded_by, size, stored_at FROM attachments"
    )


def downgrade() -> None:
    """Drop ``attachment_uploads``."""
    op.drop_index("ix_attachment_uploads_username_uploaded_at", "attachment_uploads")
    op.drop_table("attachment_uploads")
