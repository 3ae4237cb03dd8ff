"""Initial schema: users, device tokens, forms, entries, revisions, changes, attachments, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.String(32)
REV = sa.String(80)


def upgrade() -> None:
    """Create every table of the first schema version."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(400), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('officer', 'supervisor', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "user_regions",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_user_regions_user_id_users"
        ),
        sa.PrimaryKeyConstraint("user_id", "region", name="pk_user_regions"),
    )
    op.create_table(
        "device_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("last_used_at", TS),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_device_tokens_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_device_tokens_token_hash"),
    )
    op.create_index("ix_device_tokens_user_id", "device_tokens", ["user_id"])
    op.create_table(
        "signin_attempts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
        sa.Column("at_epoch", sa.Float, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signin_attempts"),
    )
    op.create_index(
        "ix_signin_attempts_username_at_epoch", "signin_attempts", ["username", "at_epoch"]
    )
    op.create_index(
        "ix_signin_attempts_remote_addr_at_epoch", "signin_attempts", ["remote_addr", "at_epoch"]
    )
    op.create_table(
        "forms",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("compiled_json", sa.Text, nullable=False),
        sa.Column("source_filename", sa.String(255), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_bytes", sa.LargeBinary, nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forms"),
        sa.UniqueConstraint("form_id", "version", name="uq_forms_form_id_version"),
    )
    op.create_table(
        "entries",
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.String(50), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("officer", sa.String(64), nullable=False),
        sa.Column("head_rev", REV, nullable=False),
        sa.Column("review_status", sa.String(20), nullable=False, server_default="received"),
        sa.Column("review_comment", sa.Text),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", TS),
        sa.Column("conflicts", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.Column("deleted_by", sa.String(64)),
        sa.CheckConstraint(
            "review_status IN ('received', 'approved', 'needs_correction', 'rejected', 'conflict')",
            name="ck_entries_review_status",
        ),
        sa.PrimaryKeyConstraint("entry_id", name="pk_entries"),
    )
    op.create_index("ix_entries_region", "entries", ["region"])
    op.create_index("ix_entries_officer", "entries", ["officer"])
    op.create_index("ix_entries_form_id_form_version", "entries", ["form_id", "form_version"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("rev", REV, nullable=False),
        sa.Column("parent_rev", REV),
        sa.Column("merge_parent_rev", REV),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.String(50), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attachments", sa.Text, nullable=False, server_default="[]"),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("author_kind", sa.String(16), nullable=False),
        sa.Column("conflicts", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.entry_id"],
            ondelete="RESTRICT",
            name="fk_revisions_entry_id_entries",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_revisions"),
        sa.UniqueConstraint("entry_id", "rev", name="uq_revisions_entry_id_rev"),
    )
    op.create_table(
        "changes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.String(36)),
        sa.Column("rev", REV),
        sa.Column("officer", sa.String(64)),
        sa.Column("region", sa.String(32)),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.String(50), nullable=False),
        sa.Column("review_status", sa.String(20)),
        sa.Column("review_comment", sa.Text),
        sa.Column("conflicts", sa.Text, nullable=False, server_default="[]"),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_officer_seq", "changes", ["officer", "seq"])
    op.create_index("ix_changes_region_seq", "changes", ["region", "seq"])
    op.create_index("ix_changes_kind_seq", "changes", ["kind", "seq"])
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("stored_at", TS, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachments"),
    )
    op.create_table(
        "entry_attachments",
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.entry_id"],
            ondelete="CASCADE",
            name="fk_entry_attachments_entry_id_entries",
        ),
        sa.PrimaryKeyConstraint("entry_id", "sha256", name="pk_entry_attachments"),
    )
    op.create_index("ix_entry_attachments_sha256", "entry_attachments", ["sha256"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_target_type_target_id", "audit_log", ["target_type", "target_id"])


def downgrade() -> None:
    """Drop every table (loses all data: only for development databases)."""
    for table in (
        "audit_log",
        "entry_attachments",
        "attachments",
        "changes",
        "revisions",
        "entries",
        "forms",
        "signin_attempts",
        "device_tokens",
        "user_regions",
        "users",
    ):
        op.drop_table(table)
