"""PostgreSQL backups with the client tools: ``pg_dump`` in the server's snapshot, ``psql``.

The dump covers the server's schema only (the ``search_path`` of its URL, ``public`` by
default), as plain SQL without owners or privileges, so it restores into another database or
account. :func:`dump` exports the snapshot of an open ``REPEATABLE READ`` transaction and hands
it to ``pg_dump --snapshot``: the manifest's counts and the list of attachments are read in
exactly the state the dump holds, however many pushes arrive meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from .backup_files import CHUNK, BackupError, database_facts

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


#: libpq connection parameters a URL's query may carry, and the variable each is passed in
#: (https://www.postgresql.org/docs/current/libpq-envars.html). ``options`` carries the
#: ``search_path`` the server uses, so pg_dump and psql see the same schema first.
_QUERY_VARIABLES = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "passfile": "PGPASSFILE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslpassword": "PGSSLPASSWORD",
    "requiressl": "PGREQUIRESSL",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "service": "PGSERVICE",
    "servicefile": "PGSERVICEFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "channel_binding": "PGCHANNELBINDING",
}


def _environment(url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """libpq's environment for ``url`` (the password never on a command line).

    The URL's user, password, host, port and database, and its query parameters that are
    libpq connection parameters (``?host=/var/run/postgresql``, ``sslmode=verify-full``,
    ``sslrootcert=...``, ...), each in its ``PG*`` variable; a parameter repeated (several
    hosts) is joined with commas as libpq expects. ``base`` defaults to ``os.environ``.
    """
    parsed = make_url(url)
    env = dict(os.environ if base is None else base)
    for name, value in parsed.query.items():
        var = _QUERY_VARIABLES.get(name)
        if var is None:
            continue
        env[var] = value if isinstance(value, str) else ",".join(value)
    for var, part in (
        ("PGHOST", parsed.host),
        ("PGPORT", parsed.port),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if part is not None:
            env[var] = str(part)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not run: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (exit {done.returncode}): " + " / ".join(detail))


#: Extensions the server's schema needs (migration 0005: the review search's trigram index).
#: A ``--schema`` dump leaves extensions out; restore creates them first, where they were.
EXTENSIONS = ("pg_trgm",)


def _extensions(conn: Connection) -> dict[str, str]:
    """The schema of each needed extension installed in the database (name -> schema)."""
    rows = conn.execute(
        text(
            "SELECT e.extname, n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY(:names)"
        ),
        {"names": list(EXTENSIONS)},
    ).all()
    return {str(name): str(schema) for name, schema in rows}


def dump(engine: Engine, out_file: Path) -> dict[str, Any]:
    """Dump the server's schema to ``out_file``; returns the facts of the same snapshot.

    The facts include ``schema`` and ``extensions`` (name -> schema of the extensions the
    server needs): a restore replays the dump into that schema, creating them first.
    """
    pg_dump = _tool("pg_dump")
    url = engine.url.render_as_string(hide_password=False)
    schema = schema_of(url)
    _private_file(out_file)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = database_facts(conn)
            extensions = _extensions(conn)
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
    facts["extensions"] = extensions
    return facts


def _private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (pg_dump keeps the mode)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    path.chmod(0o600)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _drop_statements(engine: Engine, schema: str) -> list[str]:
    """SQL that empties the server's schema before the dump is replayed.

    Another schema than ``public`` is dropped whole (the dump creates it again). ``public`` is
    kept, with the extensions' objects in it: only the server's own tables, views, sequences,
    functions and types are dropped. Nothing to drop in a fresh database.
    """
    if schema != "public":
        return [f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE;"]
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    not_extension = (
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
    )
    statements = []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
                "AND d.deptype IN ('e', 'a', 'i'))"
            ),
            {"s": schema},
        ).all()
        functions = conn.execute(
            text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s AND "
                + not_extension.format(oid="p.oid")
            ),
            {"s": schema},
        ).scalars()
        types = conn.execute(
            text(
                "SELECT t.typname FROM pg_type t "
                "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = :s "
                "AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR EXISTS "
                "(SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')) AND "
                + not_extension.format(oid="t.oid")
            ),
            {"s": schema},
        ).scalars()
        for name, kind in rows:
            statements.append(
                f"DROP {kinds[kind]} IF EXISTS {_quote(schema)}.{_quote(name)} CASCADE;"
            )
        statements += [f"DROP FUNCTION IF EXISTS {fn} CASCADE;" for fn in functions]
        statements += [f"DROP TYPE IF EXISTS {_quote(schema)}.{_quote(t)} CASCADE;" for t in types]
    return statements


def _extension_statements(extensions: dict[str, str]) -> list[str]:
    """Create the extensions the dump needs where they were (kept when already there)."""
    statements = []
    for name, schema in sorted(extensions.items()):
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)};")
        statements.append(
            f"CREATE EXTENSION IF NOT EXISTS {_quote(name)} WITH SCHEMA {_quote(schema)};"
        )
    return statements


#: ``CREATE SCHEMA name;`` as pg_dump writes it for the dumped schema (``public`` too since
#: PostgreSQL 15); replayed as ``CREATE SCHEMA IF NOT EXISTS`` (public is kept, see above)
_CREATE_SCHEMA = re.compile(rb"^CREATE SCHEMA ((?:[a-z_][a-z0-9_$]*|\"(?:[^\"]|\"\")+\"));\n$")


def _replay(dump_file: Path, out: IO[bytes]) -> None:
    """Write the dump to ``out``, its ``CREATE SCHEMA`` made tolerant of an existing schema.

    Only the statements before the first ``COPY`` (the dump's definitions, made by pg_dump from
    the catalog) are looked at; the rows after it pass through unchanged, so no answer text
    can ever be read as a statement.
    """
    with dump_file.open("rb") as dump_lines:
        for line in dump_lines:
            if line.startswith(b"COPY "):
                out.write(line)
                break
            match = _CREATE_SCHEMA.match(line)
            if match:
                line = b"CREATE SCHEMA IF NOT EXISTS " + match.group(1) + b";\n"
            out.write(line)
        shutil.copyfileobj(dump_lines, out, CHUNK)


def restore(engine: Engine, dump_file: Path, extensions: dict[str, str] | None = None) -> None:
    """Replace the server's schema by the dump, in one transaction (all or nothing).

    Works in the database the dump came from and in a new empty one, whatever the schema
    (``public`` or another): the schema is emptied (or dropped), the ``extensions``
    (name -> schema; default pg_trgm in public, as ``init-db`` creates it) are created when
    missing, then the dump is replayed, all by one ``psql --single-transaction``.
    """
    psql = _tool("psql")
    url = engine.url.render_as_string(hide_password=False)
    schema = schema_of(url)
    needed = extensions if extensions is not None else dict.fromkeys(EXTENSIONS, "public")
    with tempfile.TemporaryDirectory(prefix="survey-restore-") as work:
        prelude = Path(work) / "restore-prelude.sql"
        statements = [
            "SET client_min_messages = warning;",
            *_drop_statements(engine, schema),
            *_extension_statements(needed),
        ]
        prelude.write_text("\n".join(statements) + "\n", encoding="utf-8")
        engine.dispose()  # the server's pooled connections would hold locks on the tables
        command = [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--file={prelude}",
            "--file=-",
        ]
        _run_fed(command, _environment(url), "psql (restoring the dump)", dump_file)


def _run_fed(command: list[str], env: dict[str, str], what: str, dump_file: Path) -> None:
    """Run ``command`` with the dump replayed on its standard input (see :func:`_replay`)."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
            )
        except OSError as exc:
            raise BackupError(f"{what} could not run: {exc}") from exc
        assert process.stdin is not None
        try:
            _replay(dump_file, process.stdin)
        except BrokenPipeError:
            pass  # psql stopped at an error: its exit code and message tell which
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        code = process.wait()
        if code != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BackupError(f"{what} failed (exit {code}): " + " / ".join(detail))
