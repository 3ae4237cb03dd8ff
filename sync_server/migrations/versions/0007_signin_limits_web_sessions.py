"""Sign-in throttling buckets and server-side web sessions.

* ``signin_limits``: one row per throttling key (account and address, address, account, known
  device) with its failure count and the moment before which its next attempt is refused
  (:mod:`sync_server.ratelimit`).
* ``web_sessions``: the SHA-256 of each web sign-in's session id, its user and expiry
  (:mod:`sync_server.web_sessions`); the cookie only carries the id, so signing out, a password
  reset or a deactivation ends the session on the server.
* an index on ``signin_attempts.at_epoch`` for pruning old attempts.

Existing cookies (which carried a user name) are not carried over: everybody signs in again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``signin_limits`` and ``web_sessions``; index ``signin_attempts.at_epoch``."""
    op.create_table(
        "signin_limits",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.Column("last_failure", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_signin_limits"),
    )
    op.create_index("ix_signin_limits_last_failure", "signin_limits", ["last_failure"])
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_index("ix_signin_attempts_at_epoch", "signin_attempts", ["at_epoch"])


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    op.drop_index("ix_signin_attempts_at_epoch", table_name="signin_attempts")
    op.drop_index("ix_web_sessions_expires_at", table_name="web_sessions")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index("ix_signin_limits_last_failure", table_name="signin_limits")
    op.drop_table("signin_limits")
