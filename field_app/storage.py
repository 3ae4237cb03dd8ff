"""A crash-safe TinyDB storage: every write replaces the file atomically.

TinyDB's ``JSONStorage`` truncates and rewrites its file in place, so a crash (dead battery,
killed app) in the middle of a write leaves a half-written file and loses everything.
:class:`AtomicJSONStorage` instead writes the whole database to a temporary file in the same
folder, flushes and fsyncs it, ``os.replace``-s it over the old file and fsyncs the folder. A
reader therefore always sees either the old or the new file, never a mix.

At start, leftover temporary files (from a crash before the rename) are removed and never
loaded. The last state read or written is kept in memory, so TinyDB's many reads cost nothing;
the storage is the only writer of its file (see :mod:`field_app.store`).

:meth:`AtomicJSONStorage.batch` groups several TinyDB operations into one file write, which is
both faster (TinyDB rewrites the whole file per operation) and atomic for the group.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from tinydb.storages import Storage

__all__ = [
    "TEMP_MARKER", "AtomicJSONStorage", "CorruptStoreError", "StoreUnavailableError",
    "atomic_write_bytes", "fsync_dir", "is_storage_full", "make_dir", "write_file_bytes",
]

#: Temporary files are named ``.<file name><TEMP_MARKER><pid>``.
TEMP_MARKER = ".tmp-"


class CorruptStoreError(Exception):
    """The store file exists but does not hold a JSON object (it was not written by us)."""


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entry table so a rename inside it survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def make_dir(folder: Path, *, durable: bool = True) -> None:
    """Create ``folder`` (and missing parents) and fsync each new one into its parent folder,
    so a power cut right after cannot lose the folder with the files written into it."""
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    if durable:
        for created in reversed(missing):
            fsync_dir(created.parent)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMP_MARKER}{os.getpid()}")


def write_file_bytes(handle: BinaryIO, data: bytes) -> None:
    """Write ``data`` to an open file: the one write primitive of the store's files.

    (Tests replace it to simulate a full disk: ``OSError(ENOSPC)`` after some bytes.)
    """
    handle.write(data)


def is_storage_full(exc: BaseException) -> bool:
    """Whether an error says the tablet's storage is full (``ENOSPC``, or a quota)."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class StoreUnavailableError(CorruptStoreError):
    """A damaged store file could not be recovered now (e.g. the storage is full).

    Nothing was changed: the damaged file is where it was, and every entry in it comes back
    once the cause (``storage_full``) is gone and the store is opened again.
    """

    def __init__(self, message: str, *, storage_full: bool = False) -> None:
        super().__init__(message)
        self.storage_full = storage_full


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename, fsync folder)."""
    tmp = _temp_path(path)
    try:
        with open(tmp, "wb") as handle:
            write_file_bytes(handle, data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)


def remove_leftover_temps(path: Path) -> list[Path]:
    """Delete temporary files a crashed writer left next to ``path``; return what was removed."""
    removed = []
    prefix = f".{path.name}{TEMP_MARKER}"
    if not path.parent.is_dir():
        return removed
    for candidate in path.parent.iterdir():
        if candidate.name.startswith(prefix):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes a JSON file atomically and durably.

    ``durable=False`` skips the fsyncs (tests of logic only; never on a device).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, durable: bool = True, clean_temps: bool = True
    ) -> None:
        """Open (and create the folder of) the store file at ``path``.

        ``clean_temps=False`` when the caller already cleaned the folder (many small files).
        """
        super().__init__()
        self.path = Path(path)
        self.durable = durable
        make_dir(self.path.parent, durable=durable)
        self.removed_temps = remove_leftover_temps(self.path) if clean_temps else []
        self._cache: dict[str, dict[str, Any]] | None = None
        self._loaded = False
        self._batch_depth = 0
        self._dirty = False
        self.writes = 0

    def _load(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise CorruptStoreError(f"{self.path}: not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise CorruptStoreError(f"{self.path}: not a JSON object")
        return data

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the database state (from memory after the first read)."""
        if not self._loaded:
            self._cache = self._load()
            self._loaded = True
        return self._cache

    def preload(self, data: dict[str, dict[str, Any]] | None) -> None:
        """Take ``data`` as the file's content, already read and checked by the caller.

        Saves a second read of the file (see :func:`field_app.recovery.load_checked`).
        """
        self._cache = data
        self._loaded = True
        self._dirty = False

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Store the new state; written to disk now, or at the end of the current batch."""
        self._cache = data
        self._loaded = True
        if self._batch_depth:
            self._dirty = True
            return
        self._flush()

    def _flush(self) -> None:
        payload = json.dumps(self._cache, ensure_ascii=False, separators=(",", ":"))
        try:
            atomic_write_bytes(self.path, payload.encode("utf-8"), durable=self.durable)
        except BaseException:
            # The memory copy holds changes that never reached the disk: forget it so the
            # next read shows the file as it is.
            self.discard_cache()
            raise
        self.writes += 1
        self._dirty = False

    def discard_cache(self) -> None:
        """Forget the in-memory state; the next read loads the file again."""
        self._cache = None
        self._loaded = False
        self._dirty = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes into one atomic file write at the end of the block.

        If the block raises, nothing is written and the in-memory state is reloaded from disk.
        """
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self.discard_cache()
            raise
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self._flush()

    def close(self) -> None:
        """Nothing is held open between writes; kept for TinyDB's interface."""
