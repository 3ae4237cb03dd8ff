"""The append-only audit log: who did what, when, to which object.

Rows are only ever inserted (no update or delete function exists); they are written in the same
transaction as the change they describe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from .clock import now_iso
from .schema import audit_log

__all__ = ["AuditRecord", "history", "record", "record_many"]

AuditRecord = tuple[str, str, str, str, dict[str, Any]]  # actor, action, target_type, id, details


def record(
    conn: Connection,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row."""
    record_many(conn, [(actor, action, target_type, target_id, details or {})])


def record_many(conn: Connection, rows: Iterable[AuditRecord]) -> None:
    """Append several audit rows in one statement."""
    at = now_iso()
    params = [
        {
            "at": at,
            "actor": actor,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
        }
        for actor, action, target_type, target_id, details in rows
    ]
    if params:
        conn.execute(audit_log.insert(), params)


def history(
    conn: Connection, target_type: str | None = None, target_id: str | None = None
) -> list[dict[str, Any]]:
    """Audit rows, oldest first, optionally for one target."""
    query = select(audit_log).order_by(audit_log.c.id)
    if target_type is not None:
        query = query.where(audit_log.c.target_type == target_type)
    if target_id is not None:
        query = query.where(audit_log.c.target_id == target_id)
    out = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["details"] = json.loads(item["details"])
        out.append(item)
    return out
