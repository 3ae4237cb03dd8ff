"""Operations on a live server (SQLite and PostgreSQL): backup, restore, check, the pull's
epochs and resets, ``POST /sync/revisions/missing``, chains of revisions in one push, health."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from sync_server.backup import create_backup, restore_backup, verify_backup
from sync_server.backup_files import BackupError
from sync_server.db import read_tx, write_tx
from sync_server.integrity import run_check
from sync_server.schema import attachments, changes, entries, revisions, server_identity
from tests.support.server import LiveServer, engine_of

from .helpers import Client, child, make_revision, observation_answers


def _attachments_dir(server: LiveServer) -> Path:
    return Path(server.app.config["ATTACHMENTS_DIR"])


def _upload(client: Client, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    resp = client.session.put(
        f"{client.base}/attachments/{sha}",
        data=data,
        headers={"Content-Type": "image/jpeg"},
        timeout=10,
    )
    assert resp.status_code in (200, 201), resp.text
    return sha


def _entry_with_photo(client: Client, data: bytes) -> dict:
    data = b"\xff\xd8\xff\xe0" + data  # a JPEG signature: the server takes photos only
    sha = _upload(client, data)
    answers = observation_answers()
    answers["foto_i08"] = {"sha256": sha, "filename": "a.jpg", "media_type": "image/jpeg"}
    rev = make_revision(answers)
    assert client.push(rev)[0]["status"] == "stored"
    return rev


# ------------------------------------------------------------------------------ check


def test_check_finds_missing_and_corrupt_photos_and_orphans(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    root = _attachments_dir(server)
    engine = engine_of(server.app)
    shas = [
        _entry_with_photo(tab, os.urandom(500 + i))["answers"]["foto_i08"]["sha256"]
        for i in range(3)
    ]
    assert run_check(engine, root).ok
    (root / shas[0][:2] / shas[0]).unlink()  # lost
    (root / shas[1][:2] / shas[1]).write_bytes(b"bit rot")  # damaged
    orphan = hashlib.sha256(b"orphan").hexdigest()
    (root / orphan[:2]).mkdir(exist_ok=True)
    (root / orphan[:2] / orphan).write_bytes(b"orphan")
    report = run_check(engine, root)
    kinds = {(f.kind, f.subject.rsplit("/", 1)[-1]) for f in report.problems}
    assert kinds == {("photo_missing", shas[0]), ("photo_corrupt", shas[1])}
    assert not report.ok
    # an orphan file is listed, but needs no action (documented as harmless)
    assert [
        (f.kind, f.subject.rsplit("/", 1)[-1]) for f in report.notes if f.kind == "orphan_photo"
    ] == [("orphan_photo", orphan)]


def test_check_finds_a_head_without_its_revision(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    engine = engine_of(server.app)
    with write_tx(engine) as conn:
        conn.execute(
            update(entries).where(entries.c.entry_id == rev["entry_id"]).values(head_rev="9-x")
        )
    report = run_check(engine, _attachments_dir(server))
    assert [f.kind for f in report.problems] == ["head_missing"]


# -------------------------------------------------------------------- backup/restore


def _counts(server: LiveServer) -> dict[str, int]:
    with read_tx(engine_of(server.app)) as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("entries", entries),
                ("revisions", revisions),
                ("attachments", attachments),
                ("changes", changes),
            )
        }


def test_backup_under_concurrent_pushes_is_consistent(server: LiveServer, tmp_path: Path) -> None:
    tab = Client(server.url, "petugas_plg")
    for i in range(5):
        _entry_with_photo(tab, os.urandom(300 + i))
    stop = threading.Event()
    errors: list[BaseException] = []

    # signed in one after the other: a sign-in is charged as a failure until its password is
    # checked, so simultaneous sign-ins of one account from one address can be told to wait
    clients = [Client(server.url, "petugas_plg") for _ in range(3)]

    def pusher(client: Client) -> None:
        n = 0
        try:
            while not stop.is_set():
                first = make_revision(observation_answers())
                answers = {**first["answers"], "catatan_i04": f"revisi {n}"}
                results = client.push(first, child(first, answers))
                assert [r["status"] for r in results] == ["stored", "stored"]
                _entry_with_photo(client, os.urandom(100) + str(n).encode())
                n += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=pusher, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    manifests = []
    try:
        for i in range(3):
            seen = _counts(server)["entries"]
            deadline = time.monotonic() + 60
            while _counts(server)["entries"] < seen + 3 and time.monotonic() < deadline:
                time.sleep(0.05)  # the pushes go on between and during the backups
            manifests.append(
                create_backup(engine_of(server.app), _attachments_dir(server), tmp_path / f"b{i}")
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    assert all(not m["problems"] for m in manifests)
    server.stop()  # a restore is refused while a server uses the instance
    # each backup is one snapshot: restoring it gives exactly its manifest's counts, every
    # entry's head revision and every referenced photo
    for i, manifest in enumerate(manifests):
        restore_backup(
            engine_of(server.app),
            _attachments_dir(server),
            tmp_path / f"b{i}",
            instance_dir=Path(server.app.instance_path),
        )
        counts = _counts(server)
        assert {k: manifest["counts"][k] for k in counts} == counts
        assert counts["entries"] * 2 > counts["attachments"]
        report = run_check(engine_of(server.app), _attachments_dir(server))
        assert report.ok, report.problems
    assert manifests[-1]["counts"]["entries"] > manifests[0]["counts"]["entries"] >= 5


def test_restore_refuses_a_damaged_or_newer_backup_and_changes_nothing(
    server: LiveServer, tmp_path: Path
) -> None:
    tab = Client(server.url, "petugas_plg")
    _entry_with_photo(tab, b"photo-1")
    engine = engine_of(server.app)
    create_backup(engine, _attachments_dir(server), tmp_path / "good")
    _entry_with_photo(tab, b"photo-2")
    before = _counts(server)
    with read_tx(engine) as conn:
        epoch = conn.execute(select(server_identity.c.epoch)).scalar_one()

    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "good", damaged)
    photo = next((damaged / "attachments").rglob("*"))
    while photo.is_dir():
        photo = next(photo.iterdir())
    photo.write_bytes(b"changed")
    newer = tmp_path / "newer"
    shutil.copytree(tmp_path / "good", newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["schema_version"] = "9999"
    (newer / "manifest.json").write_text(json.dumps(manifest))
    empty = tmp_path / "empty"
    empty.mkdir()
    server.stop()  # else refused for that reason first
    for folder, words in ((damaged, "not intact"), (newer, "newer"), (empty, "no manifest")):
        with pytest.raises(BackupError, match=words):
            restore_backup(
                engine,
                _attachments_dir(server),
                folder,
                instance_dir=Path(server.app.instance_path),
            )
    assert _counts(server) == before
    with read_tx(engine) as conn:
        assert conn.execute(select(server_identity.c.epoch)).scalar_one() == epoch
    assert verify_backup(tmp_path / "good")["counts"]["entries"] == before["entries"] - 1


def test_backup_refuses_an_existing_folder(server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "something").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        create_backup(engine_of(server.app), _attachments_dir(server), tmp_path / "dest")


def test_postgres_backup_without_pg_dump_says_what_to_install(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine_of(server.app).dialect.name == "sqlite":
        pytest.skip("SQLite backups need no external tool")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        create_backup(engine_of(server.app), _attachments_dir(server), tmp_path / "b")
    assert not (tmp_path / "b").exists()


# ------------------------------------------------------------------------- pull epochs


def test_pull_resets_cursors_of_another_epoch_server_or_format(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    tab.push(make_revision(observation_answers()))
    changes_, cursor = tab.pull_all()
    page = tab.pull(cursor)
    assert page["reset"] is False and page["changes"] == []
    server_id, epoch = page["server"]["server_id"], page["server"]["epoch"]
    assert cursor.startswith(f"{server_id}.{epoch}.")
    seq = cursor.split(".")[2]
    other = "c" + "0" * 31  # a server id may begin with "c": not an old cursor
    for since, reason in (
        (f"c{seq}", "unknown_epoch"),
        (f"{other}.{epoch}.{seq}.0", "other_server"),
    ):
        page = tab.pull(since)
        assert (page["reset"], page["reset_reason"]) == (True, reason)
        assert [c["seq"] for c in page["changes"]] == [c["seq"] for c in changes_]
    # the database goes back in time: a cursor ahead of the feed starts a new epoch
    ahead = f"{server_id}.{epoch}.{int(seq) + 5}.0"
    page = tab.pull(ahead)
    assert (page["reset"], page["reset_reason"]) == (True, "restored")
    assert page["server"]["epoch"] != epoch
    # then the old epoch's cursors are reset too, for every tablet
    page = tab.pull(cursor)
    assert (page["reset"], page["reset_reason"]) == (True, "other_epoch")
    for bad in ("x1", f"{server_id}.{epoch}.1", f"{server_id}.{epoch}.1.zz", "c" * 90):
        resp = tab.get("/sync/pull", params={"since": bad})
        assert resp.status_code == 400 and resp.json()["error"] == "bad_cursor"


# -------------------------------------------------------------- missing revisions, chains


def _no_photos(answers: dict) -> dict:
    return {k: v for k, v in answers.items() if not (isinstance(v, dict) and "sha256" in v)}


def test_missing_revisions_are_scoped_to_the_callers_entries(server: LiveServer) -> None:
    plg, mura = Client(server.url, "petugas_plg"), Client(server.url, "petugas_mura")
    mine = make_revision(_no_photos(observation_answers()))
    sha = hashlib.sha256(b"never uploaded").hexdigest()
    answers = _no_photos(observation_answers())
    answers["foto_i08"] = {"sha256": sha, "filename": "b.jpg", "media_type": "image/jpeg"}
    with_photo = make_revision(answers)
    plg.push(mine, with_photo)
    # the other officer's entry references photos the server lacks too: never reported here
    theirs = make_revision(observation_answers("16.05"), region="16.05", officer="petugas_mura")
    mura.push(theirs)
    unknown = make_revision(observation_answers())
    asked = [
        {"entry_id": r["entry_id"], "rev": r["rev"]} for r in (mine, with_photo, theirs, unknown)
    ]
    asked.append({"entry_id": mine["entry_id"], "rev": "2-notthere"})
    resp = plg.post("/sync/revisions/missing", json={"revisions": asked})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    # another officer's entry is answered as missing: nothing is told about it
    assert body["missing"] == asked[2:]
    assert body["missing_attachments"] == [sha]
    too_many = [{"entry_id": "e", "rev": "1-a"}] * 1001
    for bad in (
        {"revisions": too_many},
        {"revisions": [{"entry_id": "e"}]},
        {"revs": []},
        {"revisions": [{"entry_id": 1, "rev": "1-a"}]},
    ):
        resp = plg.post("/sync/revisions/missing", json=bad)
        assert resp.status_code == 400 and resp.json()["error"] == "bad_request"
    staff = Client(server.url, "spv_plg")
    assert staff.post("/sync/revisions/missing", json={"revisions": []}).status_code == 403


def test_a_chain_of_revisions_in_one_push_is_stored_in_order(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    first = make_revision(observation_answers())
    second = child(first, {**first["answers"], "catatan_i04": "dua"})
    third = child(second, {**first["answers"], "catatan_i04": "tiga"})
    results = tab.push(first, second, third)
    assert [r["status"] for r in results] == ["stored"] * 3
    assert results[-1]["head_rev"] == third["rev"]
    # an entry the server holds whose middle revisions were lost (a restore)
    other = make_revision(observation_answers())
    tab.push(other)
    a = child(other, {**other["answers"], "catatan_i04": "a"})
    b = child(a, {**other["answers"], "catatan_i04": "b"})
    assert tab.push(b)[0]["error"] == "unknown_parent"
    assert [r["status"] for r in tab.push(a, b)] == ["stored", "stored"]


# ---------------------------------------------------------------------------- health


def test_health_reports_database_and_low_disk(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    body = tab.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["disk"]["instance"]["free_bytes"] > 0
    server.app.config["HEALTH_MIN_FREE_BYTES"] = 1 << 62
    resp = tab.get("/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "degraded"
    assert set(body["problems"]) == {"instance_low_disk", "attachments_low_disk"}


def test_cli_check_and_restore_exit_codes_and_messages(server: LiveServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sync_server.cli import cli

    engine = engine_of(server.app)
    env = {"SURVEY_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    instance = str(Path(server.app.instance_path))

    def run(*args: str):
        return CliRunner().invoke(cli, ["--instance", instance, *args], env=env)

    tab = Client(server.url, "petugas_plg")
    sha = _entry_with_photo(tab, b"cli photo")["answers"]["foto_i08"]["sha256"]
    assert run("backup", str(tmp_path / "b")).exit_code == 0
    (_attachments_dir(server) / sha[:2] / sha).unlink()
    checked = run("check")
    assert checked.exit_code == 1
    assert "PROBLEM photo_missing: 1" in checked.output and sha in checked.output
    (tmp_path / "b" / "manifest.json").write_text("{}")
    server.stop()
    refused = run("restore", str(tmp_path / "b"), "--yes")
    assert refused.exit_code == 1 and "restore refused" in refused.output
    assert "unknown backup format" in refused.output
    assert "Traceback" not in refused.output
