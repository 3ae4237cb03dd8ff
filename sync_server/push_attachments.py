"""Attachments a pushed entry names but the server lacks (or holds without proof that the
entry's authors sent the bytes): answered with the push, and listed for the tablet.
Split out of :mod:`sync_server.push`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from .attachment_access import proven_reference
from .db import read_tx
from .entry_rows import can_read
from .schema import attachments, entries, entry_attachments
from .users import User

__all__ = ["add_missing_attachments", "missing_attachments_by_entry"]


def add_missing_attachments(engine: Engine, results: list[dict[str, Any] | None]) -> None:
    ids = {r["entry_id"] for r in results if r and r["status"] != "rejected"}
    if not ids:
        return
    with read_tx(engine) as conn:
        missing = missing_for(conn, ids)
    for r in results:
        if r and r["status"] != "rejected" and r["entry_id"] in missing:
            r["missing_attachments"] = missing[r["entry_id"]]


def missing_for(conn: Connection, entry_ids: Iterable[str] | None) -> dict[str, list[str]]:
    query = (
        select(entry_attachments.c.entry_id, entry_attachments.c.sha256)
        .select_from(
            entry_attachments.outerjoin(
                attachments, attachments.c.sha256 == entry_attachments.c.sha256
            )
        )
        # not on the server, or named without its bytes ever coming from the entry's authors
        .where(or_(attachments.c.sha256.is_(None), ~proven_reference()))
        .order_by(entry_attachments.c.entry_id, entry_attachments.c.sha256)
        .distinct()  # one row per file name: a photo in two questions is asked for once
    )
    out: dict[str, list[str]] = {}
    ids = list(entry_ids) if entry_ids is not None else None
    if ids is not None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in conn.execute(query.where(entry_attachments.c.entry_id.in_(chunk))):
                out.setdefault(row.entry_id, []).append(row.sha256)
    else:
        for row in conn.execute(query):
            out.setdefault(row.entry_id, []).append(row.sha256)
    return out


def missing_attachments_by_entry(conn: Connection, user: User) -> list[dict[str, Any]]:
    """Entries (readable by ``user``) that reference files the server does not have."""
    missing = missing_for(conn, None)
    if not missing:
        return []
    rows = conn.execute(
        select(entries.c.entry_id, entries.c.region, entries.c.officer).where(
            entries.c.entry_id.in_(list(missing)), entries.c.deleted_at.is_(None)
        )
    ).all()
    out = []
    for row in rows:
        if can_read(user, row.region, row.officer):
            out.append({"entry_id": row.entry_id, "missing": missing[row.entry_id]})
    return sorted(out, key=lambda r: r["entry_id"])
