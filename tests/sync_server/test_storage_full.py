"""Telling a full disk apart from other failures, wherever it sits in an exception's chain."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from sync_server.storage_full import describe, is_storage_full, write_all


def _wrapped(orig: BaseException) -> OperationalError:
    return OperationalError("INSERT INTO entries ...", {}, orig)


def _sqlite_full() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # what SQLite sets (SQLITE_FULL)
    return exc


def _raised_from(cause: BaseException) -> RuntimeError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("while storing the upload") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize("exc", [
    OSError(errno.ENOSPC, "No space left on device", "/srv/files/ab/.upload-x"),
    OSError(errno.EDQUOT, "Disk quota exceeded"),
    _wrapped(_sqlite_full()),
    _wrapped(sqlite3.OperationalError("database or disk is full")),
    _raised_from(OSError(errno.ENOSPC, "No space left on device")),
], ids=["enospc", "edquot", "sqlite-code", "sqlite-text", "chained"])
def test_full_disks_are_recognised(exc: BaseException) -> None:
    assert is_storage_full(exc)
    line = describe(exc)
    assert "\n" not in line and len(line) < 300
    assert ("space" in line or "quota" in line or "full" in line), line


def test_postgresql_disk_full_is_recognised() -> None:
    psycopg_errors = pytest.importorskip("psycopg.errors")
    exc = _wrapped(psycopg_errors.DiskFull("could not extend file \"base/16384/2619\": No space"))
    assert is_storage_full(exc)
    assert describe(exc).startswith("database: could not extend file")


@pytest.mark.parametrize("exc", [
    OSError(errno.EACCES, "Permission denied"),
    OSError(errno.EIO, "Input/output error"),
    _wrapped(sqlite3.OperationalError("database is locked")),
    IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
    ValueError("disk is full of cats"),
], ids=["eacces", "eio", "locked", "integrity", "value"])
def test_other_failures_are_not_a_full_disk(exc: BaseException) -> None:
    assert not is_storage_full(exc)


def test_write_all_writes_every_byte_of_short_writes() -> None:
    class Short:
        def __init__(self) -> None:
            self.got = b""

        def write(self, data: memoryview) -> int:
            self.got += bytes(data[:3])
            return min(3, len(data))

    out = Short()
    write_all(out, b"0123456789")
    assert out.got == b"0123456789"
