"""Who may see which attachment file.

A file is visible to an account when the server holds it and either the account uploaded it
itself (``attachment_uploads``; the tablet uploads photos before it pushes the entry) or an
entry the account may read refers to it (``entry_attachments``): officers their own entries,
supervisors the entries of their regions, admins every file. Everything else is answered as if
the file did not exist, so that an account cannot learn which photos others took.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from .schema import attachment_uploads, attachments, entries, entry_attachments
from .users import User

__all__ = ["visible_hashes"]

_CHUNK = 500


def visible_hashes(conn: Connection, user: User, hashes: Iterable[str]) -> set[str]:
    """The hashes among ``hashes`` (already checked) whose file ``user`` may see."""
    wanted = sorted(set(hashes))
    seen: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        held = set(
            conn.execute(
                select(attachments.c.sha256).where(attachments.c.sha256.in_(chunk))
            ).scalars()
        )
        if user.role == "admin" or not held:
            seen |= held
            continue
        rest = sorted(held)
        own = set(
            conn.execute(
                select(attachment_uploads.c.sha256).where(
                    attachment_uploads.c.username == user.username,
                    attachment_uploads.c.sha256.in_(rest),
                )
            ).scalars()
        )
        seen |= own
        rest = [sha for sha in rest if sha not in own]
        if not rest:
            continue
        scope = (
            entries.c.officer == user.username
            if user.role == "officer"
            else entries.c.region.in_(list(user.regions))
        )
        seen.update(
            conn.execute(
                select(entry_attachments.c.sha256)
                .join(entries, entries.c.entry_id == entry_attachments.c.entry_id)
                .where(entry_attachments.c.sha256.in_(rest), scope)
                .distinct()
            ).scalars()
        )
    return seen
