"""Which of the revisions a tablet holds as sent the server lacks (after a restore).

A tablet that learns the server was restored (a new epoch, :mod:`sync_server.server_identity`)
lists the revisions it holds as sent; the server answers which of them it does not have, and
which files of the revisions it has are missing, so the tablet sends those again. Only the
caller's own entries are looked up (an admin's: every entry); a revision of an entry the caller
does not own is answered as missing, which tells nothing about other officers' entries (a push
of it is then refused with ``not_owner`` as usual).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from .schema import attachments, entries, entry_attachments, revisions
from .users import User

__all__ = ["MAX_ASKED", "missing_revisions"]

#: Revisions asked about in one request (the tablet asks in chunks).
MAX_ASKED = 1000


def missing_revisions(conn: Connection, user: User, asked: list[tuple[str, str]]) -> dict[str, Any]:
    """``{"missing": [{"entry_id", "rev"}...], "missing_attachments": [sha256...]}``.

    ``missing`` keeps the order of ``asked`` (duplicates once); ``missing_attachments`` are the
    files referenced by the caller's asked entries that the server does not hold (sorted).
    """
    ids = sorted({entry_id for entry_id, _ in asked})
    owned: set[str] = set()
    held: set[tuple[str, str]] = set()
    lacking_files: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(entries.c.entry_id).where(entries.c.entry_id.in_(chunk))
        if user.role != "admin":
            query = query.where(entries.c.officer == user.username)
        mine = list(conn.execute(query).scalars())
        if not mine:
            continue
        owned.update(mine)
        held.update(
            (row.entry_id, row.rev)
            for row in conn.execute(
                select(revisions.c.entry_id, revisions.c.rev).where(revisions.c.entry_id.in_(mine))
            )
        )
        lacking_files.update(
            conn.execute(
                select(entry_attachments.c.sha256)
                .select_from(
                    entry_attachments.outerjoin(
                        attachments, attachments.c.sha256 == entry_attachments.c.sha256
                    )
                )
                .where(and_(entry_attachments.c.entry_id.in_(mine), attachments.c.sha256.is_(None)))
            ).scalars()
        )
    missing: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for pair in asked:
        if pair in seen:
            continue
        seen.add(pair)
        if pair[0] not in owned or pair not in held:
            missing.append({"entry_id": pair[0], "rev": pair[1]})
    return {"missing": missing, "missing_attachments": sorted(lacking_files)}
