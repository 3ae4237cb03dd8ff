"""Photos taken for an entry, kept in the app's data folder under their SHA-256.

A photo is copied (never moved: the camera app owns its file) into ``attachments/<sha256>``
when it is taken, durably and atomically, so the answer ``{"sha256", "filename", "media_type"}``
always points at a file that is there, and the same photo taken twice is stored once.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from pathlib import Path
from typing import Any

from field_app.storage import atomic_write_bytes, make_dir

__all__ = ["attachment_path", "file_sha256", "import_photo", "read_verified", "store_bytes"]

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def attachment_path(folder: Path, sha256: str) -> Path:
    """Where the attachment with this hash is kept."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return folder / sha256


def import_photo(
    folder: Path, source: str | os.PathLike[str], media_type: str | None = None
) -> dict[str, Any]:
    """Copy a photo into ``folder`` under its hash; return the image answer for it."""
    source = Path(source)
    sha = store_bytes(folder, source.read_bytes())
    guessed = mimetypes.guess_type(source.name)[0]
    return {
        "sha256": sha,
        "filename": source.name,
        "media_type": media_type or guessed or "application/octet-stream",
    }


def store_bytes(folder: Path, data: bytes) -> str:
    """Keep ``data`` under its hash in ``folder`` (durably, atomically); return the hash.

    A file already there with the right content is not written again; a damaged one is.
    """
    sha = hashlib.sha256(data).hexdigest()
    make_dir(folder)  # the first attachments/ folder is fsynced into its parent
    target = attachment_path(folder, sha)
    if not target.exists() or file_sha256(target) != sha:
        atomic_write_bytes(target, data)
    return sha


def read_verified(folder: Path, sha256: str) -> bytes:
    """Return an attachment's bytes; ``ValueError`` if the file no longer matches its hash."""
    data = attachment_path(folder, sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"attachment {sha256} is damaged")
    return data
