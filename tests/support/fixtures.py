"""Pytest fixtures for tests that need a database or a running sync server.

They are enabled for the whole suite by ``pytest_plugins`` in the top-level ``tests/conftest.py``
(pytest accepts ``pytest_plugins`` only there).

``database_url`` and ``live_server`` are parametrised over ``sqlite`` and ``postgres``. The
PostgreSQL variants need ``SURVEY_TEST_DATABASE_URL`` (``make test`` and ``.ci/run`` set it via
``scripts/test-services.sh``); without it they are skipped with a visible reason. Each PostgreSQL
test gets its own schema, dropped afterwards, so tests are independent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from .server import LiveServer, start_live_server

__all__ = [
    "PG_ENV", "PG_SKIP_REASON", "database_url", "ensure_pg_trgm", "live_server",
    "postgres_schema_url",
]

PG_ENV = "SURVEY_TEST_DATABASE_URL"
PG_SKIP_REASON = (
    f"PostgreSQL tests skipped: {PG_ENV} is not set (run `make test`, or "
    "`source scripts/test-services.sh` first)"
)
#: the advisory lock key under which a test installs pg_trgm (any constant of this suite's own)
EXTENSION_LOCK = 0x5355_5256

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def ensure_pg_trgm(conn: Connection) -> None:
    """Install pg_trgm (migration 0005) in ``public`` on an autocommit connection.

    It lives in public, never in a test schema that is dropped with CASCADE (which would drop
    it, and its indexes, under other tests' feet). The xdist workers get here at the same
    moment on a fresh database, where CREATE EXTENSION IF NOT EXISTS is not safe against
    itself (duplicate key in pg_extension_name_index): one worker at a time, under an
    advisory lock.
    """
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": EXTENSION_LOCK})
    try:
        if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
            conn.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))
        else:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": EXTENSION_LOCK})


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a fresh schema, dropped after the test."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ensure_pg_trgm(conn)
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for a fresh, empty database: SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'survey-test.sqlite3'}"
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A migrated sync server on a free loopback port (no users, no forms yet)."""
    server = start_live_server(tmp_path / "instance", database_url)
    try:
        yield server
    finally:
        server.stop()
