"""Operations as an admin runs them (the ``survey-server`` command on a live server, SQLite and
PostgreSQL): a restore is refused while a server uses the instance or its database, ``check``
finds entries whose form is not published, backups and photos are private whatever the umask,
a backup onto a full disk fails with one clear line, and the database URL's query parameters
reach pg_dump and psql."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, func, select

from sync_server import serving_lock
from sync_server.backup import restore_backup
from sync_server.cli import cli
from sync_server.db import read_tx, write_tx
from sync_server.pg_tools import _environment
from sync_server.schema import entries, forms, server_identity
from tests.support.server import LiveServer, engine_of, start_live_server

from .helpers import Client, make_revision, observation_answers


def _cli(server: LiveServer, *args: str, instance: Path | None = None) -> Result:
    url = engine_of(server.app).url.render_as_string(hide_password=False)
    where = str(instance or server.app.instance_path)
    return CliRunner().invoke(cli, ["--instance", where, *args], env={"SURVEY_DATABASE_URL": url})


def _state(server: LiveServer) -> tuple[int, int, str]:
    with read_tx(engine_of(server.app)) as conn:
        return (
            conn.execute(select(func.count()).select_from(entries)).scalar_one(),
            conn.execute(select(func.count()).select_from(forms)).scalar_one(),
            conn.execute(select(server_identity.c.epoch)).scalar_one(),
        )


def _photo_entry(tab: Client, data: bytes, resumable: bool = False) -> str:
    data = b"\xff\xd8\xff\xe0" + data  # a JPEG signature
    sha = hashlib.sha256(data).hexdigest()
    if resumable:  # the tablet's way: PATCH with Content-Range
        resp = tab.session.patch(
            f"{tab.base}/attachments/{sha}/upload",
            data=data,
            headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
            timeout=10,
        )
    else:
        resp = tab.session.put(f"{tab.base}/attachments/{sha}", data=data, timeout=10)
    assert resp.status_code in (200, 201), resp.text
    answers = observation_answers()
    answers["foto_i08"] = {"sha256": sha, "filename": "a.jpg", "media_type": "image/jpeg"}
    assert tab.push(make_revision(answers))[0]["status"] == "stored"
    return sha


def test_restore_is_refused_while_a_server_runs_and_works_once_it_stopped(
    server: LiveServer, tmp_path: Path
) -> None:
    tab = Client(server.url, "petugas_plg")
    _photo_entry(tab, b"before the backup")
    assert _cli(server, "backup", str(tmp_path / "bk")).exit_code == 0
    _photo_entry(tab, b"after the backup")
    before = _state(server)

    refused = _cli(server, "restore", str(tmp_path / "bk"), "--yes")
    assert refused.exit_code == 1, refused.output
    assert "restore refused: a server is using the instance" in refused.output
    assert "stop it first (systemctl stop kpk-survey" in refused.output
    assert f"process {os.getpid()}" in refused.output  # the pid in server.lock
    assert "Traceback" not in refused.output
    with pytest.raises(serving_lock.InstanceInUseError):  # the library refuses by itself too
        restore_backup(
            engine_of(server.app),
            Path(server.app.config["ATTACHMENTS_DIR"]),
            tmp_path / "bk",
            instance_dir=Path(server.app.instance_path),
        )
    if engine_of(server.app).dialect.name == "postgresql":
        # from another instance folder (another machine): the database's advisory lock
        other = _cli(server, "restore", str(tmp_path / "bk"), "--yes", instance=tmp_path / "i2")
        assert other.exit_code == 1, other.output
        assert "a server is using the database" in other.output
        assert f"survey-server pid {os.getpid()}" in other.output
    assert _state(server) == before  # nothing changed
    assert tab.push(make_revision(observation_answers()))[0]["status"] == "stored"

    server.stop()
    restored = _cli(server, "restore", str(tmp_path / "bk"), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "Forms published after the backup are not in it" in restored.output
    count, form_count, epoch = _state(server)
    assert (count, form_count) == (1, before[1]) and epoch != before[2]
    # a server does not start while a restore holds the instance
    with serving_lock.exclusive(Path(server.app.instance_path), engine_of(server.app)):
        serve = _cli(server, "serve", "--port", "1")
        assert serve.exit_code == 1, serve.output
        assert "Error: not started: a restore is running on the instance" in serve.output
        with pytest.raises(serving_lock.RestoreRunningError, match="a restore is running"):
            url = engine_of(server.app).url.render_as_string(hide_password=False)
            start_live_server(Path(server.app.instance_path), url)


def test_check_reports_entries_whose_form_version_is_not_published(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    for _ in range(2):
        tab.push(make_revision(observation_answers()))
    assert _cli(server, "check").exit_code == 0
    with write_tx(engine_of(server.app)) as conn:  # as after a restore of an older backup
        form_id, version = conn.execute(select(entries.c.form_id, entries.c.form_version)).first()
        conn.execute(delete(forms).where(forms.c.form_id == form_id))
    checked = _cli(server, "check")
    assert checked.exit_code == 1, checked.output
    assert "PROBLEM form_not_published: 1. What to do: publish that form version" in checked.output
    assert f"{form_id} {version}  2 entries" in checked.output


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual login umask (files 0644, folders 0755 unless the code says otherwise)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> set[tuple[str, str]]:
    """(kind, mode) of ``root`` and everything under it."""
    found = {("dir", oct(stat.S_IMODE(root.stat().st_mode)))}
    for path in root.rglob("*"):
        kind = "dir" if path.is_dir() else "file"
        found.add((kind, oct(stat.S_IMODE(path.stat().st_mode))))
    return found


def test_backups_and_photos_are_private_whatever_the_umask(
    umask_022: None, server: LiveServer, tmp_path: Path
) -> None:
    tab = Client(server.url, "petugas_plg")
    _photo_entry(tab, b"whole-file upload")
    _photo_entry(tab, b"resumable upload", resumable=True)
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    photos = {p for p in root.rglob("*") if p.is_file() and ".partial" not in p.parts}
    assert len(photos) == 2
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in photos} == {"0o600"}
    assert {oct(stat.S_IMODE(p.parent.stat().st_mode)) for p in photos} == {"0o700"}
    assert stat.S_IMODE(root.stat().st_mode) == 0o700

    result = _cli(server, "backup", str(tmp_path / "nested" / "bk"))
    assert result.exit_code == 0, result.output
    assert _modes(tmp_path / "nested" / "bk") == {("dir", "0o700"), ("file", "0o600")}
    assert stat.S_IMODE((tmp_path / "nested").stat().st_mode) == 0o700  # made by the backup


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (needs root; skipped with the reason otherwise)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_backup_onto_a_full_disk_fails_with_one_clear_line(
    sqlite_server: LiveServer, small_disk: Path
) -> None:
    # the database alone (two pilot forms with their sources) is larger than the disk
    result = _cli(sqlite_server, "backup", str(small_disk / "bk"))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: backup failed, nothing was written to {small_disk}")
    assert "full" in result.output  # SQLite's "database or disk is full"
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an unhandled error
    assert list(small_disk.iterdir()) == []  # nothing half-written


def test_database_url_query_parameters_reach_pg_dump_and_psql() -> None:
    env = _environment(
        "postgresql+psycopg:///kpk_survey?host=/var/run/postgresql&sslmode=verify-full"
        "&sslrootcert=/etc/kpk-survey/ca.pem&options=-csearch_path%3Dsurvey&connect_timeout=5"
        "&application_name=kpk",
        base={"PGHOST": "elsewhere", "HOME": "/root"},
    )
    assert {k: v for k, v in env.items() if k.startswith("PG")} == {
        "PGHOST": "/var/run/postgresql",
        "PGDATABASE": "kpk_survey",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/kpk-survey/ca.pem",
        "PGOPTIONS": "-csearch_path=survey",
        "PGCONNECT_TIMEOUT": "5",
        "PGAPPNAME": "kpk",
    }
    # the URL's own parts win over its query; several hosts are joined as libpq expects
    env = _environment(
        "postgresql+psycopg://u:p%40ss@db1:5433/x?host=a&host=b&sslmode=require", base={}
    )
    assert env == {
        "PGHOST": "db1",
        "PGPORT": "5433",
        "PGUSER": "u",
        "PGPASSWORD": "p@ss",
        "PGDATABASE": "x",
        "PGSSLMODE": "require",
    }
    assert _environment("postgresql+psycopg:///x?host=a&host=b", base={})["PGHOST"] == "a,b"
