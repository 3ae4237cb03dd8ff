"""PostgreSQL backups with the client tools: ``pg_dump`` in the server's snapshot, ``psql``.

The dump covers the server's schema only (the ``search_path`` of its URL, ``public`` by
default), as plain SQL without owners or privileges, so it restores into another database or
account. :func:`dump` exports the snapshot of an open ``REPEATABLE READ`` transaction and hands
it to ``pg_dump --snapshot``: the manifest's counts and the list of attachments are read in
exactly the state the dump holds, however many pushes arrive meanwhile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from .backup_files import BackupError, database_facts

__all__ = ["dump", "restore", "schema_of"]

_INSTALL_HINT = (
    "install the PostgreSQL client tools of the server's major version "
    "(Debian/Ubuntu: apt-get install postgresql-client)"
)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed or not on PATH: {_INSTALL_HINT}")
    return found


def schema_of(url: str) -> str:
    """The schema the server uses: ``-csearch_path=...`` in the URL's options, else public."""
    options = make_url(url).query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    for part in options.split():
        for prefix in ("-csearch_path=", "search_path="):
            if part.startswith(prefix):
                return part[len(prefix) :].split(",")[0].strip('"') or "public"
    return "public"


def _environment(url: str) -> dict[str, str]:
    """libpq's environment for ``url`` (the password never on a command line)."""
    parsed = make_url(url)
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", parsed.port),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value is not None:
            env[var] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not run: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (exit {done.returncode}): " + " / ".join(detail))


def dump(engine: Engine, out_file: Path) -> dict[str, Any]:
    """Dump the server's schema to ``out_file``; returns the facts of the same snapshot."""
    pg_dump = _tool("pg_dump")
    url = engine.url.render_as_string(hide_password=False)
    schema = schema_of(url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = database_facts(conn)
            _run(
                [
                    pg_dump,
                    "--format=plain",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--schema={schema}",
                    f"--file={out_file}",
                ],
                _environment(url),
                "pg_dump",
            )
    facts["schema"] = schema
    return facts


def _drop_statements(engine: Engine, schema: str) -> list[str]:
    """SQL that empties the schema before the dump is replayed (extensions' objects kept)."""
    quoted = '"' + schema.replace('"', '""') + '"'
    if schema != "public":
        return [f"DROP SCHEMA IF EXISTS {quoted} CASCADE;"]
    # public holds extensions (pg_trgm): drop the server's own objects only
    statements = []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relkind IN ('r', 'v', 'm', 'S') "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
                "AND d.deptype IN ('e', 'a', 'i'))"
            ),
            {"s": schema},
        ).all()
        functions = conn.execute(
            text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
                "AND d.deptype = 'e')"
            ),
            {"s": schema},
        ).scalars()
        kinds = {"r": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        for name, kind in rows:
            ident = '"' + name.replace('"', '""') + '"'
            statements.append(f"DROP {kinds[kind]} IF EXISTS {quoted}.{ident} CASCADE;")
        statements += [f"DROP FUNCTION IF EXISTS {fn} CASCADE;" for fn in functions]
    return statements


def restore(engine: Engine, dump_file: Path) -> None:
    """Replace the server's schema by the dump, in one transaction (all or nothing)."""
    psql = _tool("psql")
    url = engine.url.render_as_string(hide_password=False)
    schema = schema_of(url)
    with tempfile.TemporaryDirectory(prefix="survey-restore-") as work:
        prelude = Path(work) / "restore-prelude.sql"
        prelude.write_text("\n".join(_drop_statements(engine, schema)) + "\n", encoding="utf-8")
        engine.dispose()  # the server's pooled connections would hold locks on the tables
        _run(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={prelude}",
                f"--file={dump_file}",
            ],
            _environment(url),
            "psql (restoring the dump)",
        )
