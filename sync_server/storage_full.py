"""A full disk on the server: telling it apart from other failures, and the one write edge.

When the disk (or the user's quota) of the attachments folder or the database is full, a write
fails with ``OSError(ENOSPC)``/``OSError(EDQUOT)``, SQLite's ``SQLITE_FULL`` ("database or disk
is full") or PostgreSQL's ``disk_full`` (SQLSTATE 53100), usually wrapped by SQLAlchemy.
:func:`storage_full_cause` finds such an error anywhere in an exception's chain; the error
handler (:mod:`sync_server.errors`) answers it with 507 ``storage_full`` and one log line an
admin can act on instead of a 500 and a traceback.

:func:`write_all` is the one primitive that writes uploaded bytes to disk (whole-file and
resumable uploads); tests replace it to make a disk full without a small file system.
"""

from __future__ import annotations

import errno
from typing import IO, Any

__all__ = ["describe", "is_storage_full", "storage_full_cause", "write_all"]

_OS_FULL = (errno.ENOSPC, errno.EDQUOT)
_SQLITE_FULL = 13  # SQLITE_FULL, the primary result code (extended codes keep it in the low byte)
_PG_DISK_FULL = "53100"  # PostgreSQL's disk_full
_DEPTH = 8


def _own_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _OS_FULL:
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == _SQLITE_FULL:
        return True
    if getattr(exc, "sqlstate", None) == _PG_DISK_FULL or getattr(exc, "pgcode", None) == (
        _PG_DISK_FULL
    ):
        return True
    # sqlite3 before Python 3.11 has no error code: its message is fixed by SQLite
    return type(exc).__module__.startswith("sqlite3") and "database or disk is full" in str(exc)


def storage_full_cause(exc: BaseException) -> BaseException | None:
    """The error in ``exc``'s chain (itself, ``__cause__``, ``__context__``, SQLAlchemy's
    ``orig``) that says the storage is full, or ``None``."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < _DEPTH:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _own_full(current):
            return current
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return None


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it was raised from) says the server's storage is full."""
    return storage_full_cause(exc) is not None


def describe(exc: BaseException) -> str:
    """One short line naming what was full, for the server's log (no traceback)."""
    cause = storage_full_cause(exc) or exc
    if isinstance(cause, OSError):
        where = f" writing {cause.filename}" if cause.filename else ""
        return f"{cause.strerror or errno.errorcode.get(cause.errno or 0, 'OSError')}{where}"
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return f"database: {first[:200]}"


def write_all(out: IO[bytes] | Any, data: bytes | memoryview) -> None:
    """Write every byte of ``data`` to ``out`` (a raw, unbuffered file, whose ``write`` may
    write part of it): the one write of uploaded bytes. Raises the ``OSError`` of the disk
    (``ENOSPC`` when full) with nothing left in a buffer to be written later."""
    view = memoryview(data)
    while view.nbytes:
        written = out.write(view)
        if not written:
            raise OSError(errno.EIO, "nothing written")
        view = view[written:]
