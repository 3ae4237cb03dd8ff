"""Pull cursors: which server, which epoch, and where in its feed (pure functions).

A cursor is ``"<server_id>.<epoch>.<seq>.<check>"``:

* ``server_id`` (32 hex) and ``epoch`` (8 hex) name the database the position belongs to
  (:mod:`sync_server.server_identity`); a restored database has a new epoch;
* ``seq`` is the last feed sequence number delivered;
* ``check`` (8 hex, or ``0`` when no row is there) is a digest of the feed row at ``seq``, so a
  database copied back by hand, whose feed numbers the same ``seq`` again for other changes, is
  recognised even when its feed has already grown past the tablet's position.

The first format, ``"c<seq>"``, is still read: it names no server and no epoch.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .service_errors import ServiceError

__all__ = ["NO_CHECK", "Cursor", "encode", "parse", "row_check"]

NO_CHECK = "0"
_CURSOR = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{8})\.([0-9]{1,18})\.([0-9a-f]{8}|0)$")


@dataclass(frozen=True)
class Cursor:
    """A parsed cursor; ``server_id``/``epoch`` are ``None`` for the start and old cursors."""

    seq: int
    server_id: str | None = None
    epoch: str | None = None
    check: str = NO_CHECK

    @property
    def legacy(self) -> bool:
        """An old ``c<seq>`` cursor past the start (its server and epoch are unknown)."""
        return self.server_id is None and self.seq > 0


def encode(seq: int, server_id: str, epoch: str, check: str = NO_CHECK) -> str:
    """The cursor for "after ``seq``" of this server and epoch."""
    return f"{server_id}.{epoch}.{int(seq)}.{check}"


def parse(cursor: str | None) -> Cursor:
    """Read a cursor (``""``/``None``: the start); 400 ``bad_cursor`` when it is not one."""
    if not cursor:
        return Cursor(0)
    match = _CURSOR.match(cursor) if len(cursor) <= 80 else None
    if match is None:
        # the first format (a server id may begin with "c" too: the full form is tried first)
        digits = cursor[1:]
        if cursor[:1] != "c" or not (digits.isascii() and digits.isdigit()) or len(cursor) > 20:
            raise ServiceError(400, "bad_cursor")
        return Cursor(int(digits))
    server_id, epoch, seq, check = match.groups()
    return Cursor(int(seq), server_id, epoch, check)


def row_check(created_at: str, kind: str, entry_id: str | None, rev: str | None) -> str:
    """The digest of one feed row that a cursor at its ``seq`` carries."""
    text = f"{created_at}|{kind}|{entry_id or ''}|{rev or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
