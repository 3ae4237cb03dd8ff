"""Photos on their way to the server: checking them on the tablet, and resumable uploads.

:func:`photo_problem` tells a missing photo from a damaged one (its bytes no longer match its
SHA-256). :func:`upload_resumable` sends a photo in pieces of :data:`PIECE` bytes from the offset
the server reports (``GET``/``PATCH /attachments/<sha256>/upload``), so a connection cut after
300 kB continues from there on the next try instead of from byte 0; a server without resumable
uploads gets the whole file in one ``PUT``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from field_app.attachments import attachment_path
from field_app.http_api import ApiClient, SyncError

__all__ = ["PIECE", "photo_problem", "upload_resumable"]

#: Bytes per piece: what a cut can cost (a server or proxy that buffers bodies keeps nothing
#: of a cut piece), against the cost of one request per piece.
PIECE = 64 * 1024


def photo_problem(folder: Path, sha256: str) -> str | None:
    """``None`` when the photo is on the tablet with the bytes of its hash, else ``"missing"``
    or ``"damaged"``."""
    try:
        path = attachment_path(folder, sha256)
    except ValueError:
        return "damaged"
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "damaged"
    return None if digest.hexdigest() == sha256 else "damaged"


def upload_resumable(
    api: ApiClient,
    sha256: str,
    data: bytes,
    media_type: str,
    on_sent: Callable[[int], None] | None = None,
    piece: int = PIECE,
) -> None:
    """Upload ``data`` (whose hash is ``sha256``) from the offset the server holds.

    ``on_sent(bytes)`` follows the bytes of this file that are on the server. A cut piece is
    retried from the offset the server reports, up to the client's ``max_retries`` cuts in a
    row (with its back-off); then ``SyncError("no_connection")`` ends this sync, and the next
    sync continues from the server's offset.
    """
    report = on_sent or (lambda _sent: None)
    state = api.upload_state(sha256)
    if state is None:  # an older server: the whole file at once
        api.put_attachment(sha256, data, media_type)
        report(len(data))
        return
    offset, complete = state
    failures = 0
    while not complete:
        report(offset)
        if offset >= len(data):  # a server that holds more than the file: start again
            raise SyncError("server_error", f"upload of {sha256} at {offset} of {len(data)}")
        try:
            offset, complete = api.upload_piece(
                sha256, data[offset:offset + piece], offset, len(data), media_type)
            failures = 0
        except SyncError as exc:
            if exc.reason != "no_connection" or failures >= api.max_retries:
                raise
            api.back_off(failures)
            failures += 1
            state = api.upload_state(sha256)
            if state is None:
                raise
            offset, complete = state
    report(len(data))
