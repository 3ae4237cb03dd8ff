"""Tables of the sync server (SQLAlchemy Core metadata).

The database schema itself is created and upgraded by the Alembic migrations in
``sync_server/migrations``; a test checks that the migrations and these tables agree.

Times are stored as ISO 8601 UTC strings (``2024-08-13T02:15:00.123456Z``): they sort correctly as
text and mean the same on SQLite and PostgreSQL. JSON documents (answers, meta, conflicts, audit
details) are stored as text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "REVIEW_STATUSES",
    "ROLES",
    "attachment_uploads",
    "attachments",
    "audit_log",
    "changes",
    "device_contacts",
    "device_tokens",
    "entries",
    "entry_attachments",
    "entry_scores",
    "export_cells",
    "form_columns",
    "form_media",
    "forms",
    "metadata",
    "revisions",
    "server_identity",
    "signin_attempts",
    "signin_limits",
    "user_regions",
    "users",
    "web_sessions",
]

ROLES = ("officer", "supervisor", "admin")
REVIEW_STATUSES = ("received", "approved", "needs_correction", "rejected", "conflict")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = String(32)
REV = String(80)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(400), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", TS, nullable=False),
    CheckConstraint("role IN ('officer', 'supervisor', 'admin')", name="role"),
)

user_regions = Table(
    "user_regions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region", String(32), primary_key=True),
)

device_tokens = Table(
    "device_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("device_id", String(200), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("revoked_at", TS),
    Column("last_used_at", TS),
    Index(None, "user_id"),
)

signin_attempts = Table(
    "signin_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("remote_addr", String(64), nullable=False),
    Column("at_epoch", Float, nullable=False),
    Column("success", Boolean, nullable=False),
    Index(None, "username", "at_epoch"),
    Index(None, "remote_addr", "at_epoch"),
    Index(None, "at_epoch"),  # migration 0007: pruning old rows
)

# Sign-in throttling buckets (migration 0007, sync_server.ratelimit): one row per key
# ("ua:<user>|<address>", "a:<address>", "u:<user>", "d:<device marker>"), holding the failures
# counted so far and the moment before which the key's next attempt is refused.
signin_limits = Table(
    "signin_limits",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("blocked_until", Float, nullable=False),
    Column("last_failure", Float, nullable=False),
    Index(None, "last_failure"),
)

# Web sign-ins (migration 0007, sync_server.web_sessions): the session cookie carries a random id,
# the server keeps its SHA-256; signing out, a password reset and deactivation delete the rows.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

forms = Table(
    "forms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", String(100), nullable=False),
    Column("version", String(50), nullable=False),
    Column("title", Text, nullable=False),
    Column("sha256", String(64), nullable=False),  # of the compiled JSON (canonical)
    Column("compiled_json", Text, nullable=False),
    Column("source_filename", String(255), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("source_bytes", LargeBinary, nullable=False),
    Column("published_at", TS, nullable=False),
    Column("published_by", String(64), nullable=False),
    UniqueConstraint("form_id", "version"),
)

#: Files published with a form version (the CSV/XML of ``select_one_from_file``), kept with it;
#: the compiled JSON names each with its SHA-256, and tablets download them with the form.
form_media = Table(
    "form_media",
    metadata,
    Column("form_id", String(100), nullable=False),
    Column("version", String(50), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("form_id", "version", "filename"),
)

entries = Table(
    "entries",
    metadata,
    Column("entry_id", String(36), primary_key=True),
    Column("form_id", String(100), nullable=False),
    Column("form_version", String(50), nullable=False),
    Column("region", String(32), nullable=False),
    Column("officer", String(64), nullable=False),
    Column("head_rev", REV, nullable=False),
    Column("review_status", String(20), nullable=False, server_default="received"),
    Column("review_comment", Text),
    Column("reviewed_by", String(64)),
    Column("reviewed_at", TS),
    Column("conflicts", Text, nullable=False, server_default="[]"),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("deleted_at", TS),
    Column("deleted_by", String(64)),
    # Filter columns filled from the head revision (migration 0004, entry_rows.head_filter_columns)
    Column("kecamatan", String(100)),
    Column("search_text", Text, nullable=False, server_default=""),
    # Summary columns of the entries table (migration 0010, entry_rows.head_filter_columns): the
    # visit/interview date (YYYY-MM-DD, the form's first date question) and the instance name.
    # ("" when unknown, so that keyset pages and indexes need no NULL handling)
    Column("entry_date", String(10), nullable=False, server_default=""),
    Column("entry_name", String(200), nullable=False, server_default=""),
    CheckConstraint(
        "review_status IN ('received', 'approved', 'needs_correction', 'rejected', 'conflict')",
        name="review_status",
    ),
    Index(None, "region"),
    Index(None, "officer"),
    Index(None, "form_id", "form_version"),
    # Review pages' table (migration 0002): one index per sort order, and the status counts.
    Index(None, "form_id", "created_at", "entry_id"),
    Index(None, "form_id", "officer", "entry_id"),
    Index(None, "form_id", "region", "entry_id"),
    Index(None, "form_id", "review_status", "entry_id"),
    Index(  # explicit name: the convention's would pass PostgreSQL's 63-character limit
        "ix_entries_review_counts",
        "form_id",
        "region",
        "review_status",
        "deleted_at",
        "officer",
        "created_at",
    ),
    # Sorting by the entry's date and name, counts of a date filter (migration 0010).
    Index(None, "form_id", "entry_date", "entry_id"),
    Index(None, "form_id", "entry_name", "entry_id"),
    Index(
        "ix_entries_entry_date_counts",
        "form_id",
        "entry_date",
        "region",
        "review_status",
        "deleted_at",
        "officer",
    ),
    # Kecamatan filter (migration 0004): the page walks a sort index; the counts read this one.
    Index(
        "ix_entries_kecamatan_counts",
        "form_id",
        "kecamatan",
        "region",
        "review_status",
        "deleted_at",
        "officer",
        "created_at",
    ),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "entry_id", String(36), ForeignKey("entries.entry_id", ondelete="RESTRICT"), nullable=False
    ),
    Column("rev", REV, nullable=False),
    Column("parent_rev", REV),
    Column("merge_parent_rev", REV),  # second parent of a merge revision
    Column("generation", Integer, nullable=False),
    Column("form_id", String(100), nullable=False),
    Column("form_version", String(50), nullable=False),
    Column("region", String(32), nullable=False),
    Column("answers", Text, nullable=False),
    Column("meta", Text, nullable=False, server_default="{}"),
    Column("attachments", Text, nullable=False, server_default="[]"),
    Column("author", String(64), nullable=False),
    Column("author_kind", String(16), nullable=False),  # device, supervisor, merge
    Column("conflicts", Text, nullable=False, server_default="[]"),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("entry_id", "rev"),
)

# The export's cells of each entry's head revision (migration 0006, sync_server.export.cells):
# laid out by the server's background worker once it is idle after a change, read by the CSV
# export while ``rev`` is still the head and ``layout`` (cell code and column model) is that
# form version's current one; anything else is laid out from the answers again.
export_cells = Table(
    "export_cells",
    metadata,
    Column(
        "entry_id",
        String(36),
        ForeignKey("entries.entry_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rev", REV, nullable=False),
    Column("form_id", String(100), nullable=False),
    Column("form_version", String(50), nullable=False),
    Column("layout", String(40), nullable=False),
    Column("device_id", Text, nullable=False),
    Column("root", Text, nullable=False),
    Column("repeats", Text),
)

changes = Table(
    "changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # entry, form
    Column("entry_id", String(36)),
    Column("rev", REV),
    Column("officer", String(64)),
    Column("region", String(32)),
    Column("form_id", String(100), nullable=False),
    Column("form_version", String(50), nullable=False),
    Column("review_status", String(20)),
    Column("review_comment", Text),
    Column("conflicts", Text, nullable=False, server_default="[]"),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("created_at", TS, nullable=False),
    Index(None, "officer", "seq"),
    Index(None, "region", "seq"),
    Index(None, "kind", "seq"),
    sqlite_autoincrement=True,
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("stored_at", TS, nullable=False),
    Column("uploaded_by", String(64), nullable=False),
)

# Who uploaded which file (migration 0008, sync_server.upload_quota): one row per account that
# sent the bytes; gives that account access before an entry refers to the file, the upload quota
# and rate, and the age used by ``survey-server clean-uploads``.
attachment_uploads = Table(
    "attachment_uploads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("username", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("uploaded_at", TS, nullable=False),
    Index(None, "username", "uploaded_at"),
)

entry_attachments = Table(
    "entry_attachments",
    metadata,
    Column(
        "entry_id",
        String(36),
        ForeignKey("entries.entry_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("sha256", String(64), primary_key=True),
    #: one row per file name the head's answers use: the same photo in two questions is two
    #: names (two ``media/`` members and two expected attachments in the export), stored once
    Column("filename", String(255), primary_key=True),
    Column("media_type", String(200), nullable=False),
    Index(None, "sha256"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", TS, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_id", String(200), nullable=False),
    Column("details", Text, nullable=False, server_default="{}"),
    Index(None, "target_type", "target_id"),
)

# Who this server is (migration 0009, sync_server.server_identity): one row. ``server_id`` is made
# with the database; ``epoch`` is new after every restore. Pull cursors carry both.
server_identity = Table(
    "server_identity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("server_id", String(32), nullable=False),
    Column("epoch", String(16), nullable=False),
    Column("past_epochs", Text, nullable=False, server_default="[]"),
    Column("created_at", TS, nullable=False),
    Column("epoch_started_at", TS, nullable=False),
    Column("epoch_reason", String(40), nullable=False, server_default="created"),
    CheckConstraint("id = 1", name="one_row"),
)


# The dashboard's per-entry figures (migration 0011, sync_server.entry_scores): written with every
# new head (push, merge, edit, resolution, move); clustered by form, region and kecamatan.
entry_scores = Table(
    "entry_scores",
    metadata,
    Column("form_id", String(100), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("kecamatan", String(100), primary_key=True),
    Column(
        "entry_id",
        String(36),
        ForeignKey("entries.entry_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rev", REV, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("score", Float),
    Column("part_1", Float),
    Column("part_2", Float),
    Column("part_3", Float),
    Column("part_4", Float),
    Column("part_5", Float),
    Column("part_6", Float),
    Column("part_7", Float),
    Column("part_8", Float),
    Column("part_9", Float),
    Column("ind_01", BigInteger, nullable=False, server_default="0"),
    Column("ind_02", BigInteger, nullable=False, server_default="0"),
    Column("ind_03", BigInteger, nullable=False, server_default="0"),
    Column("ind_04", BigInteger, nullable=False, server_default="0"),
    Column("ind_05", BigInteger, nullable=False, server_default="0"),
    Column("ind_06", BigInteger, nullable=False, server_default="0"),
    Column("ind_07", BigInteger, nullable=False, server_default="0"),
    Column("ind_08", BigInteger, nullable=False, server_default="0"),
    Column("ind_09", BigInteger, nullable=False, server_default="0"),
    Column("ind_10", BigInteger, nullable=False, server_default="0"),
    Column("ind_11", BigInteger, nullable=False, server_default="0"),
    Column("ind_12", BigInteger, nullable=False, server_default="0"),
    Column("ind_13", BigInteger, nullable=False, server_default="0"),
    Column("ind_14", BigInteger, nullable=False, server_default="0"),
    Column("ind_15", BigInteger, nullable=False, server_default="0"),
    Column("ind_16", BigInteger, nullable=False, server_default="0"),
    Column("ind_17", BigInteger, nullable=False, server_default="0"),
    Column("ind_18", BigInteger, nullable=False, server_default="0"),
    Column("ind_19", BigInteger, nullable=False, server_default="0"),
    Column("consent", Integer),
    Column("lat", Float),
    Column("lon", Float),
    Column("invalid", Integer, nullable=False, server_default="0"),
    Index(None, "entry_id", unique=True),
    sqlite_with_rowid=False,
)

# When each account's tablet last called the sync API (migration 0011, sync_server.device_contacts)
# and what it reported waiting on the tablet then (the optional ``X-Device-Report`` header).
device_contacts = Table(
    "device_contacts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("device_id", String(200), primary_key=True),
    Column("last_contact_at", TS, nullable=False),
    Column("reported_at", TS),
    Column("waiting", Integer),
    Column("drafts", Integer),
)

#: The columns of a form's entries table chosen by an admin (migration 0010); a form without a
#: row shows the default columns of :mod:`sync_server.review.entry_columns`.
form_columns = Table(
    "form_columns",
    metadata,
    Column("form_id", String(100), primary_key=True),
    Column("questions", Text, nullable=False),  # JSON list of question names
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", TS, nullable=False),
)
