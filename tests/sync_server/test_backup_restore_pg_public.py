"""The documented PostgreSQL deployment (its own database, schema ``public``, no search_path in
the URL): a backup restores into the same database and into a new empty one (a new machine),
through the ``survey-server`` command as an admin runs it. The other PostgreSQL tests use a
private ``test_<hex>`` schema each; this one makes two throwaway databases and drops them."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sync_server.cli import cli
from tests.support.fixtures import PG_ENV, PG_SKIP_REASON
from tests.support.server import start_live_server

from .conftest import seed
from .helpers import Client, make_revision, observation_answers

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_databases() -> Iterator[list[str]]:
    """URLs of two new empty databases (schema public), dropped after the test. The second URL
    names its host and port in the query string (as ``?host=/var/run/postgresql`` does)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"ops_public_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    parsed = make_url(base)
    urls = [
        parsed.set(database=names[0]).render_as_string(hide_password=False),
        parsed.set(database=names[1], host=None, port=None)
        .update_query_dict({"host": parsed.host or "127.0.0.1", "port": str(parsed.port or 5432)})
        .render_as_string(hide_password=False),
    ]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield urls
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cli(instance: Path, url: str, *args: str) -> Result:
    result = CliRunner().invoke(
        cli, ["--instance", str(instance), *args], env={"SURVEY_DATABASE_URL": url}
    )
    assert "Traceback" not in result.output
    return result


def _push_with_photo(tab: Client, data: bytes) -> None:
    data = b"\xff\xd8\xff\xe0" + data
    sha = hashlib.sha256(data).hexdigest()
    assert tab.session.put(f"{tab.base}/attachments/{sha}", data=data, timeout=10).ok
    answers = observation_answers()
    answers["foto_i08"] = {"sha256": sha, "filename": "a.jpg", "media_type": "image/jpeg"}
    assert tab.push(make_revision(answers))[0]["status"] == "stored"


def _facts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass('public.entries')")).scalar()
            count = "SELECT count(*) FROM public.entries"
            return {
                "entries": conn.execute(text(count)).scalar() if exists else None,
                "search_index": conn.execute(
                    text(
                        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_entries_search_trgm'"
                    )
                ).scalar(),
                "trgm_schema": conn.execute(
                    text(
                        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                        "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
                    )
                ).scalar(),
            }
    finally:
        engine.dispose()


def test_a_public_schema_backup_restores_into_the_same_and_a_new_database(
    two_databases: list[str], tmp_path: Path
) -> None:
    url, fresh_url = two_databases
    instance = tmp_path / "instance"
    assert _cli(instance, url, "init-db").exit_code == 0
    server = start_live_server(instance, url)
    try:
        seed(server)
        tab = Client(server.url, "petugas_plg")
        for n in range(2):
            _push_with_photo(tab, f"photo {n}".encode())
        backup = _cli(instance, url, "backup", str(tmp_path / "bk"))
        assert backup.exit_code == 0, backup.output
        _push_with_photo(tab, b"after the backup")  # lost by the restore (tablets resend it)
    finally:
        server.stop()
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["database"]["schema"] == "public"
    assert manifest["database"]["extensions"] == {"pg_trgm": "public"}
    dump = (tmp_path / "bk" / "database.sql").read_text()
    assert "CREATE SCHEMA public;" in dump and "CREATE EXTENSION" not in dump  # pg_dump's own
    before = _facts(url)

    restored = _cli(instance, url, "restore", str(tmp_path / "bk"), "--yes")
    assert restored.exit_code == 0, restored.output
    after = _facts(url)
    assert after == {**before, "entries": 2}
    checked = _cli(instance, url, "check")
    assert checked.exit_code == 0, checked.output  # the later photo: listed as orphan only
    assert "NOTE orphan_photo: 1 (no action needed)" in checked.output

    # a new machine: empty instance folder, new empty database (no pg_trgm yet)
    assert _facts(fresh_url)["trgm_schema"] is None
    new_instance = tmp_path / "new-instance"
    restored = _cli(new_instance, fresh_url, "restore", str(tmp_path / "bk"), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "2 photos copied back" in restored.output
    assert _facts(fresh_url) == after
    checked = _cli(new_instance, fresh_url, "check")
    assert checked.exit_code == 0 and "Result: OK" in checked.output, checked.output
    again = _cli(new_instance, fresh_url, "restore", str(tmp_path / "bk"), "--yes")
    assert again.exit_code == 0, again.output  # and once more over itself
    assert _facts(fresh_url) == after
