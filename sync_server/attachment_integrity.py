"""Does the file behind an ``attachments`` row still exist, whole?

A row in ``attachments`` promises that ``<ATTACHMENTS_DIR>/<sha[:2]>/<sha>`` holds exactly the
bytes with that SHA-256. A disk fault, a careless restore or a person deleting files can break the
promise. When a check finds the file gone, of another size, or (where the bytes are read anyway)
with another hash, the row is removed (:func:`forget_lost`, audited as ``attachment.lost``):
from then on every part of the server that asks "does the server hold this file?" (the
missing-attachments report, ``POST /attachments/missing``, ``HEAD``, the ``missing_attachments``
of push results) answers "missing", and the tablet that still holds the photo uploads it again,
which writes the file and the row anew. The ``attachment_uploads`` rows stay: who sent the file
and its quota are unchanged.

Checks: existence and size always (a ``stat``), the hash when the caller reads the bytes anyway
(a download, or an upload of a file the server thinks it has).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, select

from . import audit
from .db import write_tx
from .schema import attachments

__all__ = ["file_intact", "forget_lost", "lost_hashes"]

_CHUNK = 500
_READ = 1024 * 1024


def file_intact(path: Path, size: int, sha256: str | None = None) -> bool:
    """True when ``path`` is a regular file of ``size`` bytes (and, when ``sha256`` is given,
    with that SHA-256)."""
    try:
        if not path.is_file() or path.stat().st_size != size:
            return False
        if sha256 is None:
            return True
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_READ):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def _path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def lost_hashes(
    conn: Connection, root: Path, hashes: Iterable[str] | None = None, *, deep: bool = False
) -> list[str]:
    """The hashes (among ``hashes``, or of every row when None) whose row exists but whose file
    is missing or damaged; ``deep`` also compares the hash (reads every byte)."""
    query = select(attachments.c.sha256, attachments.c.size)
    if hashes is None:
        rows = conn.execute(query).all()
    else:
        wanted = sorted(set(hashes))
        rows = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows += conn.execute(query.where(attachments.c.sha256.in_(chunk))).all()
    return sorted(
        row.sha256
        for row in rows
        if not file_intact(_path(root, row.sha256), row.size, row.sha256 if deep else None)
    )


def forget_lost(
    engine: Engine, root: Path, hashes: Iterable[str] | None = None, *, deep: bool = False
) -> list[str]:
    """Check the files of ``hashes`` (every row when None) and remove the rows whose file is
    missing or damaged, so that the server asks for them again. Returns the removed hashes.

    The file is checked once more inside the write transaction, so a file put back by an
    upload in the meantime keeps its row."""
    with engine.connect() as conn:
        lost = lost_hashes(conn, root, hashes, deep=deep)
    if not lost:
        return []
    removed = []
    with write_tx(engine) as conn:
        for sha in lost:
            row = conn.execute(
                select(attachments.c.size).where(attachments.c.sha256 == sha)
            ).first()
            if row is None or file_intact(_path(root, sha), row.size, sha if deep else None):
                continue
            conn.execute(delete(attachments).where(attachments.c.sha256 == sha))
            audit.record(conn, "system", "attachment.lost", "attachment", sha, {"size": row.size})
            removed.append(sha)
    return removed
