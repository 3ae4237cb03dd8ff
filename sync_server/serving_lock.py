"""Who uses an instance: serving processes hold a shared lock, a restore needs it alone.

A restore under a running server leaves that server with stale caches (forms, accounts), and
it goes on accepting entries of forms the restore removed. So every serving process (``survey-
server serve``, each gunicorn worker, the tests' live server) holds, for its whole life:

* a shared ``flock`` on ``<instance>/server.lock`` (the file names the last server's pid), and
* on PostgreSQL, a shared session advisory lock on its own connection, keyed by the schema, so
  that a restore run from another machine or instance folder against the same database is
  refused too.

``survey-server restore`` takes both exclusively without waiting (:func:`exclusive`) and refuses,
naming what to stop, when a server holds them; while it holds them, a server does not start
(``serve`` exits with a message; a gunicorn worker answers 503 until the restore ends).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from .backup_files import BackupError
from .pg_tools import schema_of

__all__ = [
    "LOCK_FILE",
    "InstanceInUseError",
    "RestoreRunningError",
    "ServingLock",
    "exclusive",
    "hold_serving",
]

LOCK_FILE = "server.lock"

_STOP_ADVICE = (
    "stop it first (systemctl stop kpk-survey, or Ctrl+C in the window of `survey-server "
    "serve`), restore, then start it again"
)


class InstanceInUseError(BackupError):
    """A restore refused because a server uses the instance or its database."""


class RestoreRunningError(RuntimeError):
    """A server refused to start (or to serve) because a restore holds the instance."""


def _lock_key(schema: str) -> int:
    """The advisory lock's 64-bit key for the server of ``schema`` (one per schema)."""
    digest = hashlib.sha256(f"kpk-survey-server:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _label() -> str:
    return f"survey-server pid {os.getpid()} on {socket.gethostname()}"[:63]


def _lock_engine(engine: Engine) -> Engine | None:
    """A one-connection engine of ``engine``'s database for the advisory lock (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return None
    return create_engine(
        engine.url.render_as_string(hide_password=False),
        poolclass=NullPool,
        connect_args={"application_name": _label()},
    )


def _open_lock_file(instance_dir: Path) -> int:
    instance_dir.mkdir(parents=True, exist_ok=True)
    return os.open(instance_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)


@dataclass
class ServingLock:
    """The locks one serving process holds; :meth:`release` when it stops serving."""

    fd: int | None
    instance_dir: Path
    engine: Engine | None = None
    conn: Connection | None = None
    pid: int = 0
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hold_database(self, source: Engine) -> None:
        """Take the shared advisory lock on PostgreSQL, once per process (a gunicorn worker
        forked from a preloading master takes its own; nothing to do on SQLite)."""
        if self.pid == os.getpid():
            return
        with self._mutex:
            if self.pid == os.getpid():
                return
            self.engine = _lock_engine(source)
            if self.engine is not None:
                conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                key = _lock_key(schema_of(source.url.render_as_string(hide_password=False)))
                query = text("SELECT pg_try_advisory_lock_shared(:k)")
                if not conn.execute(query, {"k": key}).scalar():
                    conn.close()
                    raise RestoreRunningError(
                        "a restore is running on this database: start the server when it has "
                        "finished"
                    )
                self.conn = conn
            self.pid = os.getpid()

    def release(self) -> None:
        """Give the locks up (closing the connection ends its advisory lock)."""
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.pid = 0


def hold_serving(instance_dir: Path, engine: Engine, *, database: bool = True) -> ServingLock:
    """Take the serving locks of ``instance_dir`` (and, with ``database``, of ``engine``'s
    PostgreSQL schema) for this process; :class:`RestoreRunningError` during a restore."""
    fd = _open_lock_file(instance_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RestoreRunningError(
            f"a restore is running on the instance {instance_dir}: start the server when it "
            "has finished"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    lock = ServingLock(fd, instance_dir)
    if database:
        try:
            lock.hold_database(engine)
        except BaseException:
            lock.release()
            raise
    return lock


def _holders(conn: Connection, key: int) -> list[str]:
    """Who holds the advisory lock ``key`` (their connections' application names)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    rows = conn.execute(
        text(
            "SELECT DISTINCT coalesce(nullif(a.application_name, ''), 'pid ' || l.pid), "
            "coalesce(host(a.client_addr), 'local') FROM pg_locks l "
            "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo "
            "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) AND l.pid <> pg_backend_pid()"
        ),
        {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
    ).all()
    return [f"{name} (from {host})" for name, host in rows]


@contextlib.contextmanager
def exclusive(instance_dir: Path, engine: Engine) -> Iterator[None]:
    """Hold the instance and its database alone for a restore, or raise
    :class:`InstanceInUseError` naming the server to stop (nothing is changed then)."""
    fd = _open_lock_file(instance_dir)
    lock_engine: Any = None
    conn: Connection | None = None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise InstanceInUseError(
                f"a server is using the instance {instance_dir} (process {pid}, see "
                f"{instance_dir / LOCK_FILE}): {_STOP_ADVICE}"
            ) from None
        lock_engine = _lock_engine(engine)
        if lock_engine is not None:
            schema = schema_of(engine.url.render_as_string(hide_password=False))
            key = _lock_key(schema)
            conn = lock_engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                holders = ", ".join(_holders(conn, key)) or "another session"
                raise InstanceInUseError(
                    f"a server is using the database (schema {schema}): {holders}; {_STOP_ADVICE}"
                )
        yield
    finally:
        if conn is not None:
            conn.close()
        if lock_engine is not None:
            lock_engine.dispose()
        os.close(fd)
