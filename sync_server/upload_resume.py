"""Resumable photo uploads: a photo sent in pieces, continued from the byte the server reports.

A tablet on a weak connection asks ``GET /attachments/<sha256>/upload`` how many bytes of that
file the server holds *from this account* (``offset``), then sends the rest with ``PATCH
/attachments/<sha256>/upload`` and ``Content-Range: bytes <start>-<end>/<total>`` (``start``
must be the reported offset). Every piece that arrives is kept, so the next attempt continues
from there instead of from byte 0. Of a piece cut mid-way, the bytes the application was handed
are kept too; a server or proxy that buffers request bodies (waitress, nginx by default) hands
over nothing of a cut piece, so tablets send pieces small enough to lose (64 KiB).

Partial files live apart from the stored photos, one folder per account:
``<ATTACHMENTS_DIR>/.partial/<account key>/.part-<sha256>`` (the account key is a hash of the
user name, so no name from a client becomes a path). A partial file is visible to nobody, is
not a stored file (``POST /attachments/missing`` still reports it missing) and does not count
against the quota until it is complete. When the last byte arrives, the SHA-256 of the whole
file is checked, then the file goes through the same checks and bookkeeping as a whole-file
``PUT`` (:func:`sync_server.attachments.install`: image types only, quota, rate, the caller's
upload row, fsync). The quota and rate are also checked against the announced total before any
byte is written. Abandoned partial files are removed by ``survey-server clean-uploads``
(:mod:`sync_server.upload_cleanup`).

A full disk (:mod:`sync_server.storage_full`) keeps nothing of the piece being written: the
partial file is cut back to the bytes held before it (removed when there were none, and a
complete file that cannot be stored is dropped), and the error is answered 507
``storage_full``; the tablet continues from the offset held once there is space again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from . import storage_full
from .attachment_integrity import forget_lost
from .attachment_types import SNIFF_BYTES, declared_type_allowed
from .attachments import CHUNK, check_sha, install, media_or_refuse, uploaded_by
from .service_errors import ServiceError
from .storage_full import is_storage_full
from .upload_quota import UploadLimits, check_upload
from .users import User

__all__ = [
    "PARTIAL_DIR",
    "ContentRange",
    "UploadState",
    "append",
    "parse_content_range",
    "partial_path",
    "status",
]

#: The folder (under ``ATTACHMENTS_DIR``) of the partial uploads.
PARTIAL_DIR = ".partial"
_RANGE_RE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")


@dataclass(frozen=True)
class ContentRange:
    """A parsed ``Content-Range: bytes <start>-<end>/<total>`` (``end`` inclusive)."""

    start: int
    end: int
    total: int


@dataclass(frozen=True)
class UploadState:
    """Where an upload stands for one account: bytes held, and whether the file is stored."""

    offset: int
    complete: bool
    created: bool = False


def parse_content_range(header: str | None, max_total: int) -> ContentRange:
    """Parse the header; 400 ``bad_content_range`` when malformed or outside the file, 413
    ``too_large`` when the whole file would pass ``max_total`` bytes."""
    match = _RANGE_RE.match((header or "").strip())
    if match is None:
        raise ServiceError(400, "bad_content_range")
    start, end, total = (int(part) for part in match.groups())
    if not start <= end < total:
        raise ServiceError(400, "bad_content_range")
    if total > max_total:
        raise ServiceError(413, "too_large", limit=max_total)
    return ContentRange(start, end, total)


def _account_key(username: str) -> str:
    return hashlib.sha256(username.encode("utf-8")).hexdigest()[:32]


def partial_path(root: Path, username: str, sha256: str) -> Path:
    """Where ``username``'s partial upload of ``sha256`` is kept."""
    check_sha(sha256)
    return root / PARTIAL_DIR / _account_key(username) / f".part-{sha256}"


def status(engine: Engine, root: Path, user: User, sha256: str) -> UploadState:
    """How many bytes of ``sha256`` the server holds from ``user``: the whole file (complete)
    when ``user`` has sent it before and it is intact, else the partial file's size (0: none)."""
    check_sha(sha256)
    forget_lost(engine, root, [sha256])  # a lost stored file must be sent again
    with engine.connect() as conn:
        size = uploaded_by(conn, root, user.username, sha256)
    if size is not None:
        return UploadState(size, True)
    try:
        return UploadState(partial_path(root, user.username, sha256).stat().st_size, False)
    except FileNotFoundError:
        return UploadState(0, False)


def append(
    engine: Engine,
    root: Path,
    sha256: str,
    stream: IO[bytes],
    declared_type: str | None,
    user: User,
    limits: UploadLimits,
    piece: ContentRange,
) -> UploadState:
    """Append one piece of ``user``'s upload of ``sha256``; the file is stored when complete.

    Refuses with :class:`ServiceError`: 409 ``upload_offset_mismatch`` (``piece.start`` is not
    the offset held; the answer names it), 400 ``bad_content_range`` (more bytes than the range
    says), 400 ``hash_mismatch`` (the whole file does not match: the partial file is dropped),
    415 ``unsupported_attachment_type``, 413 ``upload_quota_exceeded``, 429
    ``upload_rate_limited``. A connection cut mid-piece keeps the bytes that arrived.
    """
    check_sha(sha256)
    if not declared_type_allowed(declared_type):
        raise ServiceError(415, "unsupported_attachment_type")
    forget_lost(engine, root, [sha256], deep=True)
    with engine.connect() as conn:
        size = uploaded_by(conn, root, user.username, sha256)
        if size is not None:  # sent before: a no-op, like a repeated whole-file PUT
            _drain(stream)
            return UploadState(size, True)
        check_upload(conn, user.username, piece.total, limits)
    part = partial_path(root, user.username, sha256)
    if not part.parent.is_dir():
        part.parent.mkdir(parents=True, exist_ok=True)
    # unbuffered: a failed write (a full disk) leaves no bytes in a buffer for close()
    with open(part, "ab", buffering=0) as out:
        fcntl.flock(out.fileno(), fcntl.LOCK_EX)  # one writer per account and file
        held = os.fstat(out.fileno()).st_size
        if not part.exists() or part.stat().st_ino != os.fstat(out.fileno()).st_ino:
            held = -1  # completed (or dropped) by a request that held the lock before
        if piece.start != held:
            _drain(stream)
            raise ServiceError(409, "upload_offset_mismatch", offset=max(held, 0),
                               details={"offset": max(held, 0)})
        offset = _receive(stream, out, held, piece)
        if offset < piece.total:
            return UploadState(offset, False)
        return _finish(engine, root, sha256, part, offset, user, limits)


def _drain(stream: IO[bytes]) -> None:
    with contextlib.suppress(Exception):  # the client may be gone already
        while stream.read(CHUNK):
            pass


def _receive(stream: IO[bytes], out: IO[bytes], held: int, piece: ContentRange) -> int:
    """Write the piece's bytes after ``held``; return the new size. The bytes that arrived are
    made durable also when the connection is cut (the read then raises); on a full disk the
    piece is dropped whole (:func:`_drop_piece`) and the error raised."""
    offset = held
    limit = piece.end + 1
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            if offset + len(chunk) > limit:
                out.truncate(held)
                raise ServiceError(400, "bad_content_range")
            storage_full.write_all(out, chunk)
            offset += len(chunk)
            if held == 0 and offset - len(chunk) < SNIFF_BYTES <= offset:
                _check_head(Path(out.name))
        os.fsync(out.fileno())
    except BaseException as exc:
        if is_storage_full(exc):
            _drop_piece(out, held)
        else:  # a cut connection (or a refusal): what arrived is kept, durably
            with contextlib.suppress(OSError):
                os.fsync(out.fileno())
        raise
    if held == 0 and 0 < offset < SNIFF_BYTES and offset == piece.total:
        _check_head(Path(out.name))
    return offset


def _drop_piece(out: IO[bytes], held: int) -> None:
    """Cut the partial file back to the ``held`` bytes it had before this piece (the disk is
    full: what was written of the piece may not be durable); remove it when nothing was held."""
    with contextlib.suppress(OSError):  # cutting back frees space, it needs none
        out.truncate(held)
        os.fsync(out.fileno())
        if held == 0:
            Path(out.name).unlink(missing_ok=True)


def _check_head(path: Path) -> None:
    """415 (and the partial file dropped) when its first bytes are not a photo's."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    try:
        media_or_refuse(head)
    except ServiceError:
        path.unlink(missing_ok=True)
        raise


def _finish(
    engine: Engine, root: Path, sha256: str, part: Path, size: int, user: User,
    limits: UploadLimits,
) -> UploadState:
    """Check the whole file's hash and type, then store it like a whole-file upload."""
    digest = hashlib.sha256()
    with open(part, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        digest.update(head)
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise ServiceError(400, "hash_mismatch", sha256=sha256)
    try:
        media = media_or_refuse(head)
    except ServiceError:
        part.unlink(missing_ok=True)
        raise
    try:
        created = install(engine, root, sha256, part, size, media, user, limits)
    except Exception as exc:
        if is_storage_full(exc):  # not stored: sent again whole once there is space
            part.unlink(missing_ok=True)
        raise
    return UploadState(size, True, created)
