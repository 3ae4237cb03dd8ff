"""The ``form_media`` table: files published with a form version (choice files).

A form with ``select_one_from_file`` questions is published together with its CSV or XML files;
they are kept here with the version (the compiled JSON names each with its SHA-256) and tablets
download them with the form.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``form_media``."""
    op.create_table(
        "form_media",
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "version", "filename", name="pk_form_media"),
    )


def downgrade() -> None:
    """Drop ``form_media``."""
    op.drop_table("form_media")
