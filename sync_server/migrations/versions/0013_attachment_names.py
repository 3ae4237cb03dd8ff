"""``entry_attachments``: one row per file name an entry's answers refer to.

Before, the primary key was ``(entry_id, sha256)``: a photo attached to two questions of one
entry (the same bytes, two file names, e.g. ``foto_i08-<entry>-<sha8>.jpg`` and
``foto_i10-<entry>-<sha8>.jpg``) kept one name only, so the export's ``media/`` held one of
them and ``AttachmentsExpected`` counted one. Now the key is ``(entry_id, sha256, filename)``:
every name is a row (the bytes are still stored once, by hash). Existing rows are completed
from each entry's head revision: its answers' photo references and its ``attachments`` list.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BLOCK = 500
_KEYS = ("sha256", "filename", "media_type")


def _references(value: Any, out: list[tuple[str, str, str]]) -> None:
    """Every photo reference (``{sha256, filename, media_type}``) inside ``value``, in order
    (a loop over a stack: answers may nest groups and repeats deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if all(isinstance(item.get(k), str) for k in _KEYS):
                out.append((item["sha256"], item["filename"], item["media_type"]))
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _head_references(answers: str, listed: str) -> list[tuple[str, str, str]]:
    refs: list[tuple[str, str, str]] = []
    for text in (answers, listed):
        try:
            _references(json.loads(text or "null"), refs)
        except ValueError:
            continue
    return refs


def _complete_rows(conn: sa.Connection) -> None:
    """Add a row for every (hash, name) pair of each entry's head revision not yet stored."""
    meta = sa.MetaData()
    entries = sa.Table("entries", meta, autoload_with=conn)
    revisions = sa.Table("revisions", meta, autoload_with=conn)
    refs = sa.Table("entry_attachments", meta, autoload_with=conn)
    after = ""
    while True:
        heads = conn.execute(
            sa.select(entries.c.entry_id, revisions.c.answers, revisions.c.attachments)
            .select_from(
                entries.join(
                    revisions,
                    (revisions.c.entry_id == entries.c.entry_id)
                    & (revisions.c.rev == entries.c.head_rev),
                )
            )
            .where(entries.c.entry_id > after, revisions.c.attachments != "[]")
            .order_by(entries.c.entry_id)
            .limit(_BLOCK)
        ).all()
        if not heads:
            return
        after = heads[-1].entry_id
        ids = [row.entry_id for row in heads]
        held = {
            (row.entry_id, row.sha256, row.filename)
            for row in conn.execute(
                sa.select(refs.c.entry_id, refs.c.sha256, refs.c.filename).where(
                    refs.c.entry_id.in_(ids)
                )
            )
        }
        new: list[dict[str, str]] = []
        for row in heads:
            for sha256, filename, media_type in _head_references(row.answers, row.attachments):
                key = (row.entry_id, sha256, filename)
                if key not in held:
                    held.add(key)
                    new.append(
                        {
                            "entry_id": row.entry_id,
                            "sha256": sha256,
                            "filename": filename,
                            "media_type": media_type,
                        }
                    )
        if new:
            conn.execute(refs.insert(), new)


def upgrade() -> None:
    """Widen the primary key to ``(entry_id, sha256, filename)`` and complete the rows."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("entry_attachments", recreate="always") as batch:
            batch.drop_constraint("pk_entry_attachments", type_="primary")
            batch.create_primary_key("pk_entry_attachments", ["entry_id", "sha256", "filename"])
    else:
        op.drop_constraint("pk_entry_attachments", "entry_attachments", type_="primary")
        op.create_primary_key(
            "pk_entry_attachments", "entry_attachments", ["entry_id", "sha256", "filename"]
        )
    _complete_rows(op.get_bind())


def downgrade() -> None:
    """Keep one name per (entry, hash) again and narrow the primary key back."""
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM entry_attachments WHERE filename <> (SELECT MIN(ea2.filename) FROM "
            "entry_attachments ea2 WHERE ea2.entry_id = entry_attachments.entry_id AND "
            "ea2.sha256 = entry_attachments.sha256)"
        )
    )
    if conn.dialect.name == "sqlite":
        with op.batch_alter_table("entry_attachments", recreate="always") as batch:
            batch.drop_constraint("pk_entry_attachments", type_="primary")
            batch.create_primary_key("pk_entry_attachments", ["entry_id", "sha256"])
    else:
        op.drop_constraint("pk_entry_attachments", "entry_attachments", type_="primary")
        op.create_primary_key("pk_entry_attachments", "entry_attachments", ["entry_id", "sha256"])
