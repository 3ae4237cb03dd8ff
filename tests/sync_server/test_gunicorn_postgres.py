"""Several gunicorn workers on PostgreSQL, as docs/server.md describes, pushing concurrently."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sync_server.db import make_engine, write_tx
from sync_server.migrate import upgrade
from sync_server.users import create_user
from tests.support.fixtures import PG_ENV
from tests.support.ports import free_port
from tests.support.processes import wait_until_up

from .helpers import PASSWORD, Client, make_revision

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.postgres


def test_three_gunicorn_workers_share_one_postgres_database(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    from sync_server.forms_store import publish_file

    from .services import FORMS_DIR

    with write_tx(engine) as conn:
        publish_file(conn, FORMS_DIR / "mini.md", actor="test")
        for i in range(6):
            create_user(conn, f"petugas_{i}", PASSWORD, "officer", ["16.71"])
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": postgres_schema_url,
        "SURVEY_SECRET_KEY": "test-secret",
        "SURVEY_INSTANCE_PATH": str(tmp_path / "instance"),
        "SURVEY_ATTACHMENTS_DIR": str(tmp_path / "files"),
    }
    proc = subprocess.Popen(
        [
            str(GUNICORN),
            "--workers",
            "3",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "sync_server.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(lambda: requests.get(url + "/api/v1/health", timeout=5).ok,
                      "gunicorn", proc, 30)
        clients = [Client(url, f"petugas_{i}") for i in range(6)]
        revs = [
            [make_revision({"a": f"{i}-{j}"}, form_id="mini", form_version="1") for j in range(10)]
            for i in range(6)
        ]

        def push_twice(i: int) -> list[str]:
            statuses = [r["status"] for r in clients[i].push(*revs[i])]
            statuses += [r["status"] for r in clients[i].push(*revs[i])]
            return statuses

        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(push_twice, range(6)))
        for statuses in outcomes:
            assert statuses == ["stored"] * 10 + ["duplicate"] * 10
        seen = {}
        for i, client in enumerate(clients):
            changes, _ = client.pull_all()
            seen[i] = {c["entry_id"] for c in changes if c["kind"] == "entry"}
            assert seen[i] == {r["entry_id"] for r in revs[i]}
            seqs = [c["seq"] for c in changes]
            assert seqs == sorted(seqs)
        _restore_is_refused_while_gunicorn_serves(env, tmp_path)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _restore_is_refused_while_gunicorn_serves(env: dict[str, str], tmp_path: Path) -> None:
    """From the server's instance folder (its lock file, held by the workers) and from another
    one (the database's advisory lock, held by each worker that served a request)."""
    from click.testing import CliRunner

    from sync_server.cli import cli

    def run(instance: Path, *args: str):
        return CliRunner().invoke(cli, ["--instance", str(instance), *args], env=env)

    assert run(tmp_path / "instance", "backup", str(tmp_path / "bk")).exit_code == 0
    for instance, words in (
        (tmp_path / "instance", "a server is using the instance"),
        (tmp_path / "elsewhere", "a server is using the database"),
    ):
        refused = run(instance, "restore", str(tmp_path / "bk"), "--yes")
        assert refused.exit_code == 1 and words in refused.output, refused.output
    assert "survey-server pid" in refused.output  # the workers' connections are named


def test_env_is_named_in_the_skip_reason() -> None:
    from tests.support.fixtures import PG_SKIP_REASON

    assert PG_ENV in PG_SKIP_REASON
