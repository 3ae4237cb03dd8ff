"""Files of a backup: copying with a hash check, the manifest, and where a database lives.

Pure helpers and file I/O shared by :mod:`sync_server.backup` (backup and restore) and
:mod:`sync_server.integrity` (``survey-server check``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url

from .schema import attachments, changes, entries, entry_attachments, revisions, server_identity

__all__ = [
    "BackupError",
    "copy_verified",
    "database_facts",
    "file_sha256",
    "make_private",
    "private_dirs",
    "safe_relative",
    "sqlite_path",
]

CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, restore or check that cannot go on; the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (``None`` for another database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(parsed.database)


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_verified(
    source: Path, target: Path, expected_sha256: str | None = None, *, durable: bool = True
) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (temporary name, fsync, rename), hashing on the way.

    With ``expected_sha256``, a copy whose content does not match is removed and
    :class:`BackupError` raised. Returns the hash and size. ``durable=False`` leaves the flush
    to one ``os.sync()`` of the caller after many files (an fsync per photo costs more than the
    copy itself).
    """
    private_dirs(target.parent)
    partial = target.with_name(f".{target.name}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src, _private_open(partial, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        sha = digest.hexdigest()
        if expected_sha256 is not None and sha != expected_sha256:
            raise BackupError(f"{source}: content does not match its hash {expected_sha256}")
        partial.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return sha, size


def _private_open(path: Path, mode: str) -> IO[Any]:
    """Open ``path`` for writing, created readable by its owner only whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file of that name keeps its mode otherwise
    return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")


def private_dirs(folder: Path) -> None:
    """Make ``folder`` and its missing parents, each readable by its owner only (0700)."""
    if folder.is_dir():
        return
    private_dirs(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is reduced by the umask, never widened


def make_private(root: Path) -> None:
    """Give every folder under ``root`` (and itself) mode 0700 and every file 0600."""
    root.chmod(0o700)
    for path in root.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def safe_relative(name: str) -> PurePosixPath:
    """A manifest's file name as a relative path that stays inside the backup folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("..", "") for p in path.parts):
        raise BackupError(f"the manifest names a file outside the backup: {name!r}")
    return path


def database_facts(conn: Connection) -> dict[str, Any]:
    """Counts, schema version, identity and held attachments, read in ``conn``'s snapshot."""
    counts = {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in (
            ("entries", entries),
            ("revisions", revisions),
            ("attachments", attachments),
            ("entry_attachments", entry_attachments),
            ("changes", changes),
        )
    }
    schema_version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    identity: dict[str, Any] = {}
    with contextlib.suppress(Exception):  # before migration 0009 there is no identity
        if schema_version is not None and schema_version >= "0009":
            row = conn.execute(select(server_identity)).mappings().first()
            if row is not None:
                identity = {"server_id": row["server_id"], "epoch": row["epoch"]}
    held = [
        (row.sha256, int(row.size))
        for row in conn.execute(
            select(attachments.c.sha256, attachments.c.size).order_by(attachments.c.sha256)
        )
    ]
    return {
        "counts": counts,
        "schema_version": schema_version,
        "identity": identity,
        "attachments": held,
        "last_seq": conn.execute(select(func.max(changes.c.seq))).scalar() or 0,
    }


def write_json(path: Path, value: Any) -> None:
    """Write a JSON document durably (temporary name, fsync, rename)."""
    partial = path.with_name(f".{path.name}.partial")
    with _private_open(partial, "w") as out:
        json.dump(value, out, indent=1, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
