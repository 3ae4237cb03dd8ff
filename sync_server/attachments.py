"""Attachment files (photos), stored by content: ``<ATTACHMENTS_DIR>/<sha[:2]>/<sha>``.

The file name on disk is the SHA-256 the client claimed *and* the server verified, so no name
coming from a client ever becomes part of a path. A file is written to a temporary name, checked,
then renamed into place, so a half-received upload is never visible; storing the same file again
is a no-op.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from . import audit
from .clock import now_iso
from .db import write_tx
from .schema import attachments
from .service_errors import ServiceError

__all__ = ["SHA256_RE", "file_path", "has_attachment", "missing", "store"]

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


def _check_sha(sha256: str) -> None:
    if not SHA256_RE.match(sha256):
        raise ServiceError(400, "bad_hash")


def file_path(root: Path, sha256: str) -> Path:
    """Where the file with this (checked) hash lives."""
    _check_sha(sha256)
    return root / sha256[:2] / sha256


def has_attachment(conn: Connection, sha256: str) -> bool:
    """True when the server holds the file."""
    _check_sha(sha256)
    return (
        conn.execute(select(attachments.c.sha256).where(attachments.c.sha256 == sha256)).first()
        is not None
    )


def missing(conn: Connection, hashes: list[str]) -> list[str]:
    """The hashes among ``hashes`` the server does not hold (sorted, unique)."""
    for sha in hashes:
        _check_sha(sha)
    wanted = sorted(set(hashes))
    held: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        held.update(
            conn.execute(
                select(attachments.c.sha256).where(attachments.c.sha256.in_(chunk))
            ).scalars()
        )
    return [sha for sha in wanted if sha not in held]


def store(
    engine: Engine, root: Path, sha256: str, stream: IO[bytes], media_type: str, actor: str
) -> bool:
    """Store a file after checking its hash. True when new, False when already held.

    Raises ``ServiceError(400, "hash_mismatch")`` when the content does not match ``sha256``.
    """
    _check_sha(sha256)
    target = file_path(root, sha256)
    with engine.connect() as conn:
        already = has_attachment(conn, sha256)
    if already and target.exists():
        while stream.read(CHUNK):  # drain the body; the file is not touched again
            pass
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ServiceError(400, "hash_mismatch", sha256=sha256)
        tmp.replace(target)
        _fsync_dir(target.parent)  # the rename itself must survive a power cut
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    media = media_type if len(media_type) <= 200 else "application/octet-stream"
    try:
        with write_tx(engine) as conn:
            if has_attachment(conn, sha256):
                return False
            conn.execute(
                attachments.insert().values(
                    sha256=sha256,
                    size=size,
                    media_type=media,
                    stored_at=now_iso(),
                    uploaded_by=actor,
                )
            )
            audit.record(conn, actor, "attachment.store", "attachment", sha256, {"size": size})
    except IntegrityError:
        return False  # the same file arrived over another connection at the same moment
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
