"""Database engine and transactions (SQLAlchemy Core).

The same code runs on the embedded SQLite file and on PostgreSQL:

* SQLite: WAL journal, foreign keys on, a busy timeout, and write transactions opened with
  ``BEGIN IMMEDIATE`` (:func:`write_tx`) so that concurrent writers queue on the database lock
  instead of failing with "database is locked" when a read transaction tries to upgrade.
* PostgreSQL: ordinary ``READ COMMITTED`` transactions; uniqueness is enforced by constraints and
  rows that are updated are locked with ``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

__all__ = ["FEED_LOCK_KEY", "is_sqlite", "lock_feed", "make_engine", "read_tx", "write_tx"]

FEED_LOCK_KEY = 7_412_001


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    """True when the engine (or connection) talks to SQLite."""
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 10) -> Engine:
    """Create an engine for ``url`` with the pragmas and pool the server needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=20,
        )
        _install_sqlite_hooks(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by this user only (its WAL and shared-memory files take
    the database file's permissions); an existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a missing folder: SQLite's own error says it better when it connects
    os.close(fd)


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the sqlite3 module) decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # FULL: an acknowledged push survives a power cut (the tablet then forgets it was unsent).
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction: ``BEGIN IMMEDIATE`` on SQLite, a plain one elsewhere."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction (a consistent snapshot on both back ends)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def lock_feed(conn: Connection) -> None:
    """Before writing ``changes`` rows: on PostgreSQL take a transaction-wide advisory lock, so
    feed sequence numbers become visible in the order they were given (a reader never sees seq
    11 committed while seq 10 is still in flight). SQLite writers are already serialised."""
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK_KEY})
