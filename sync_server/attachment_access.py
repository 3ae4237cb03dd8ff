"""Who may see which attachment file.

A file is visible to an account when the server holds it and either the account uploaded it
itself (``attachment_uploads``; the tablet uploads photos before it pushes the entry) or an
entry the account may read refers to it (``entry_attachments``): officers their own entries,
supervisors the entries of their regions, admins every file. Everything else is answered as if
the file did not exist, so that an account cannot learn which photos others took.

A reference counts only when it is *proven*: the file was uploaded by an author of one of the
entry's revisions (:func:`proven_reference`). Naming a hash in a push costs nothing, so without
the proof anybody who learned a photo's hash (an export, a file name) could open it by pushing
an entry of their own that names it; such a reference is reported back as missing instead, and
the pusher must upload the bytes (which proves they have them) like any other photo.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, exists, select

from .schema import attachment_uploads, attachments, entries, entry_attachments, revisions
from .users import User

__all__ = ["proven_hashes", "proven_reference", "visible_hashes"]

_CHUNK = 500


def proven_reference() -> Any:
    """SQL condition on ``entry_attachments``: an author of one of the entry's revisions
    uploaded the file (the reference is backed by the bytes, not only by the hash)."""
    return exists(
        select(1)
        .select_from(
            attachment_uploads.join(revisions, revisions.c.author == attachment_uploads.c.username)
        )
        .where(
            attachment_uploads.c.sha256 == entry_attachments.c.sha256,
            revisions.c.entry_id == entry_attachments.c.entry_id,
        )
    )


def proven_hashes(conn: Connection, entry_id: str) -> set[str]:
    """The files ``entry_id`` refers to with a proven reference."""
    return set(
        conn.execute(
            select(entry_attachments.c.sha256).where(
                entry_attachments.c.entry_id == entry_id, proven_reference()
            )
        ).scalars()
    )


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
                .where(entry_attachments.c.sha256.in_(rest), scope, proven_reference())
                .distinct()
            ).scalars()
        )
    return seen
