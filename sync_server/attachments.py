"""Attachment files (photos), stored by content: ``<ATTACHMENTS_DIR>/<sha[:2]>/<sha>``.

The file name on disk is the SHA-256 the client claimed *and* the server verified, so no name
coming from a client ever becomes part of a path. A file is written to a temporary name, checked,
then renamed into place, so a half-received upload is never visible; when the disk is full
(:mod:`sync_server.storage_full`) the temporary file is removed and the error answered 507.

Every access is scoped to the caller (:mod:`sync_server.attachment_access`): a file the caller may
not see is "missing" to it. Uploading such a file is accepted like a new upload (the bytes are
read and checked against the hash, proving the caller has them) and recorded for the caller in
``attachment_uploads``, so the answer never tells whether somebody else had sent it. Only JPEG,
PNG and WebP files are stored (checked on the bytes, :mod:`sync_server.attachment_types`), and
uploads count against the caller's quota and rate (:mod:`sync_server.upload_quota`).
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

from . import audit, storage_full
from .attachment_access import visible_hashes
from .attachment_integrity import forget_lost
from .attachment_types import SNIFF_BYTES, declared_type_allowed, sniff_media_type
from .clock import now_iso
from .db import write_tx
from .schema import attachment_uploads, attachments
from .service_errors import ServiceError
from .upload_quota import UploadLimits, check_upload
from .users import User

__all__ = [
    "SHA256_RE", "check_sha", "file_path", "fsync_dir", "has_attachment", "install",
    "media_or_refuse", "missing", "prepare_folder", "store", "uploaded_by",
]

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


def check_sha(sha256: str) -> None:
    """Raise ``ServiceError(400, "bad_hash")`` unless ``sha256`` is 64 lower-case hex digits."""
    if not SHA256_RE.match(sha256):
        raise ServiceError(400, "bad_hash")


def file_path(root: Path, sha256: str) -> Path:
    """Where the file with this (checked) hash lives."""
    check_sha(sha256)
    return root / sha256[:2] / sha256


def has_attachment(conn: Connection, user: User, sha256: str) -> bool:
    """True when the server holds the file and ``user`` may see it."""
    check_sha(sha256)
    return bool(visible_hashes(conn, user, [sha256]))


def _uploaded_by(conn: Connection, username: str, sha256: str) -> bool:
    """True when ``username`` has sent these bytes before (seeing a file is not having sent it:
    an account that may see every file still gets its own upload row when it sends one)."""
    row = conn.execute(
        select(attachment_uploads.c.sha256)
        .join(attachments, attachments.c.sha256 == attachment_uploads.c.sha256)
        .where(attachment_uploads.c.sha256 == sha256, attachment_uploads.c.username == username)
    ).first()
    return row is not None  # without the ``attachments`` row the file was lost: write it again


def missing(conn: Connection, user: User, hashes: list[str]) -> list[str]:
    """The hashes among ``hashes`` that ``user`` should upload (sorted, unique): those the server
    does not hold, and those held that ``user`` may not see (the same answer, so nothing leaks)."""
    for sha in hashes:
        check_sha(sha)
    seen = visible_hashes(conn, user, hashes)
    return [sha for sha in sorted(set(hashes)) if sha not in seen]


def store(
    engine: Engine,
    root: Path,
    sha256: str,
    stream: IO[bytes],
    declared_type: str | None,
    user: User,
    limits: UploadLimits,
    content_length: int | None = None,
) -> bool:
    """Store an uploaded file for ``user``. True when new for ``user``, False when ``user``
    already had it (the body is then read and dropped, unless the stored file is missing or
    damaged: then it is written again from this body).

    Refuses with :class:`ServiceError`: 400 ``hash_mismatch`` (content does not match the hash),
    415 ``unsupported_attachment_type`` (not JPEG, PNG or WebP, by the bytes or the declared
    type), 413 ``upload_quota_exceeded`` or 429 ``upload_rate_limited``. A refused upload leaves
    nothing behind.
    """
    check_sha(sha256)
    if not declared_type_allowed(declared_type):
        raise ServiceError(415, "unsupported_attachment_type")
    target = file_path(root, sha256)
    forget_lost(engine, root, [sha256], deep=True)  # a lost or damaged file is written again
    with engine.connect() as conn:
        if _uploaded_by(conn, user.username, sha256) and target.exists():
            while stream.read(CHUNK):  # drain the body; the file is not touched again
                pass
            return False
        check_upload(conn, user.username, content_length or 0, limits)
    prepare_folder(root, sha256)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        # unbuffered: a failed write (a full disk) leaves no bytes in a buffer for close()
        with os.fdopen(fd, "wb", buffering=0) as out:
            size, digest, media = _receive(stream, out)
            os.fsync(out.fileno())
        if digest != sha256:
            raise ServiceError(400, "hash_mismatch", sha256=sha256)
        return install(engine, root, sha256, tmp, size, media, user, limits)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def prepare_folder(root: Path, sha256: str) -> Path:
    """The stored file's path, its ``<sha[:2]>/`` folder made (durably) when it is the first."""
    target = file_path(root, sha256)
    if not target.parent.is_dir():  # the first photo of this <sha[:2]>/ folder
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the files
        fsync_dir(target.parent.parent)  # the new folder's entry must survive a power cut
    return target


def install(
    engine: Engine,
    root: Path,
    sha256: str,
    tmp: Path,
    size: int,
    media: str,
    user: User,
    limits: UploadLimits,
) -> bool:
    """Move a received file whose hash was checked into place and record it for ``user``
    (quota and rate checked once more on its real size). True when new for ``user``."""
    with engine.connect() as conn:
        check_upload(conn, user.username, size, limits)
    target = prepare_folder(root, sha256)
    tmp.chmod(0o600)  # the server's user only, whatever the umask (a resumed upload's file)
    tmp.replace(target)  # the same bytes when the file was there already
    fsync_dir(target.parent)  # the rename itself must survive a power cut
    return _record(engine, sha256, size, media, user.username)


def uploaded_by(conn: Connection, root: Path, username: str, sha256: str) -> int | None:
    """The size of the file when ``username`` has sent it and it is on disk, else None."""
    if not _uploaded_by(conn, username, sha256):
        return None
    try:
        return file_path(root, sha256).stat().st_size
    except FileNotFoundError:
        return None


def media_or_refuse(head: bytes) -> str:
    """The media type sniffed from a file's first bytes; 415 when not JPEG, PNG or WebP."""
    return _media_or_refuse(head)


def _receive(stream: IO[bytes], out: IO[bytes]) -> tuple[int, str, str]:
    """Copy ``stream`` to ``out``: its size, SHA-256 and media type (415 when not an image)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    media: str | None = None
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if media is None:
            head += chunk[: SNIFF_BYTES - len(head)]
            if len(head) >= SNIFF_BYTES:
                media = _media_or_refuse(head)
        digest.update(chunk)
        size += len(chunk)
        storage_full.write_all(out, chunk)
    if media is None:
        media = _media_or_refuse(head)
    return size, digest.hexdigest(), media


def _media_or_refuse(head: bytes) -> str:
    media = sniff_media_type(head)
    if media is None:
        raise ServiceError(415, "unsupported_attachment_type")
    return media


def _record(engine: Engine, sha256: str, size: int, media: str, username: str) -> bool:
    """Add the ``attachments`` row (when new) and ``username``'s upload row; True when the
    upload row is new. A row written by another connection at the same moment is looked up
    again, so the caller's own upload row is never lost."""
    for attempt in range(3):
        try:
            return _record_once(engine, sha256, size, media, username)
        except IntegrityError:
            if attempt == 2:
                raise
    return False  # pragma: no cover (the loop returns or raises)


def _record_once(engine: Engine, sha256: str, size: int, media: str, username: str) -> bool:
    now = now_iso()
    with write_tx(engine) as conn:
        held = conn.execute(
            select(attachments.c.sha256).where(attachments.c.sha256 == sha256)
        ).first()
        if held is None:
            conn.execute(
                attachments.insert().values(
                    sha256=sha256,
                    size=size,
                    media_type=media,
                    stored_at=now,
                    uploaded_by=username,
                )
            )
        mine = conn.execute(
            select(attachment_uploads.c.sha256).where(
                attachment_uploads.c.sha256 == sha256,
                attachment_uploads.c.username == username,
            )
        ).first()
        if mine is not None:
            return False
        conn.execute(
            attachment_uploads.insert().values(
                sha256=sha256, username=username, size=size, uploaded_at=now
            )
        )
        audit.record(conn, username, "attachment.store", "attachment", sha256, {"size": size})
    return True


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a new file, a rename) survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
