"""Who this server is, and which epoch of its database a tablet's cursor belongs to.

The ``server_identity`` row (migration 0009) holds a ``server_id`` made with the database and an
``epoch`` that changes when the database is restored from a backup. A restored database has lost
what came after the backup: tablets still hold those revisions as sent, and their pull cursors
point past the restored feed. Every pull therefore checks the cursor it is given
(:func:`resolve_cursor`):

* the start (``""``) and cursors of this server and epoch whose feed row is still the same are
  read on;
* a cursor of another server, of an earlier epoch, or an old ``c<seq>`` cursor (no epoch) gives
  a *reset*: the pull starts again at the beginning of the feed and says why, and the tablet
  reconciles (asks which of its sent revisions the server lacks and sends them again);
* a cursor of this epoch whose feed row is gone or different, or of an epoch this database never
  had, means the database was copied back by hand: the server starts a new epoch (so every
  tablet reconciles, not only this one) and answers with a reset.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from . import cursors
from .clock import now_iso
from .db import write_tx
from .schema import changes, server_identity

__all__ = [
    "Identity",
    "Position",
    "feed_check",
    "get_identity",
    "resolve_cursor",
    "start_new_epoch",
]

#: Why a pull starts again at the beginning (the ``reset_reason`` of a pull response).
RESET_REASONS = ("other_server", "other_epoch", "unknown_epoch", "restored")


@dataclass(frozen=True)
class Identity:
    """This server's id and its current epoch."""

    server_id: str
    epoch: str
    past_epochs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, str]:
        """``{"server_id", "epoch"}`` as reported to tablets."""
        return {"server_id": self.server_id, "epoch": self.epoch}


@dataclass(frozen=True)
class Position:
    """Where a pull reads from: after ``seq``, in ``identity``'s feed; ``reset`` says why the
    tablet's cursor was not used (``None``: it was)."""

    seq: int
    identity: Identity
    reset: str | None = None

    def report(self) -> dict[str, Any]:
        """The pull response's fields about the server and a reset."""
        out: dict[str, Any] = {"server": self.identity.to_json(), "reset": self.reset is not None}
        if self.reset is not None:
            out["reset_reason"] = self.reset
        return out


def get_identity(conn: Connection) -> Identity:
    """The identity row (the schema must be at migration 0009 or later)."""
    row = conn.execute(select(server_identity).where(server_identity.c.id == 1)).mappings().one()
    return Identity(row["server_id"], row["epoch"], tuple(json.loads(row["past_epochs"])))


def start_new_epoch(conn: Connection, reason: str, *, expected: str | None = None) -> Identity:
    """Give the database a new epoch inside ``conn``'s (write) transaction.

    With ``expected``, only when the current epoch is still that one (two requests that find
    the same restored feed at once start one new epoch, not two).
    """
    current = get_identity(conn)
    if expected is not None and current.epoch != expected:
        return current
    epoch = secrets.token_hex(4)
    past = [*current.past_epochs, current.epoch][-100:]
    conn.execute(
        update(server_identity)
        .where(server_identity.c.id == 1)
        .values(
            epoch=epoch,
            past_epochs=json.dumps(past),
            epoch_started_at=now_iso(),
            epoch_reason=reason[:40],
        )
    )
    return Identity(current.server_id, epoch, tuple(past))


def feed_check(conn: Connection, seq: int) -> str:
    """The check digest a cursor at ``seq`` carries (:data:`cursors.NO_CHECK` without a row)."""
    if seq <= 0:
        return cursors.NO_CHECK
    row = conn.execute(
        select(changes.c.created_at, changes.c.kind, changes.c.entry_id, changes.c.rev).where(
            changes.c.seq == seq
        )
    ).first()
    if row is None:
        return cursors.NO_CHECK
    return cursors.row_check(row.created_at, row.kind, row.entry_id, row.rev)


def _feed_matches(conn: Connection, cursor: cursors.Cursor) -> bool:
    if cursor.check != cursors.NO_CHECK:
        return feed_check(conn, cursor.seq) == cursor.check
    if cursor.seq <= 0:
        return True
    last = conn.execute(select(func.max(changes.c.seq))).scalar()
    return cursor.seq <= (last or 0)


def resolve_cursor(conn: Connection, since: str | None) -> Position:
    """Where a pull with cursor ``since`` reads from (400 ``bad_cursor`` for a bad cursor).

    May start a new epoch in a separate write transaction (see the module's description).
    """
    cursor = cursors.parse(since)
    identity = get_identity(conn)
    if cursor.server_id is None:
        if cursor.legacy:
            return Position(0, identity, "unknown_epoch")
        return Position(0, identity)
    if cursor.server_id != identity.server_id:
        return Position(0, identity, "other_server")
    if cursor.epoch != identity.epoch and cursor.epoch in identity.past_epochs:
        return Position(0, identity, "other_epoch")
    if cursor.epoch == identity.epoch and _feed_matches(conn, cursor):
        return Position(cursor.seq, identity)
    # The tablet has seen more of this database than it holds: it was put back from a copy.
    with write_tx(conn.engine) as writer:
        identity = start_new_epoch(writer, "restored_feed_behind_cursor", expected=identity.epoch)
    return Position(0, identity, "restored")


def next_cursor(conn: Connection, position: Position, seq: int) -> str:
    """The cursor for "after ``seq``" in ``position``'s server and epoch."""
    return cursors.encode(
        seq, position.identity.server_id, position.identity.epoch, feed_check(conn, seq)
    )
