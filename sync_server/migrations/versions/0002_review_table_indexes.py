"""Indexes for the review pages' entries table (keyset pages and status counts).

Each sort of the table (submitted date, officer, region, review status) walks an index on
``(form_id, <sort column>, entry_id)`` instead of sorting every matching row, and the counts per
status read only the covering index ``(form_id, region, review_status, deleted_at, officer,
created_at)``: every filter that is a column of ``entries`` is in it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_entries_form_id_created_at_entry_id": ["form_id", "created_at", "entry_id"],
    "ix_entries_form_id_officer_entry_id": ["form_id", "officer", "entry_id"],
    "ix_entries_form_id_region_entry_id": ["form_id", "region", "entry_id"],
    "ix_entries_form_id_review_status_entry_id": ["form_id", "review_status", "entry_id"],
    # (a shorter name than the naming convention's, which passes PostgreSQL's 63 characters)
    "ix_entries_review_counts": [
        "form_id",
        "region",
        "review_status",
        "deleted_at",
        "officer",
        "created_at",
    ],
}


def upgrade() -> None:
    """Create the review table indexes."""
    for name, columns in INDEXES.items():
        op.create_index(name, "entries", columns)


def downgrade() -> None:
    """Drop them again."""
    for name in INDEXES:
        op.drop_index(name, table_name="entries")
