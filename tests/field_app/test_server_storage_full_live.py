"""A full disk on the server, met by a real tablet and by the API itself.

The server's attachments folder is on a tiny tmpfs filled to the last byte (when the tests run
as root; otherwise the one write edge of uploaded bytes, ``sync_server.storage_full.write_all``,
raises ENOSPC). Then:

* whole-file (``PUT``) and resumable (``PATCH``) uploads answer 507 ``storage_full`` with the
  Indonesian and English words, leave no temporary or partial file, and the server logs one
  line naming the full disk, no traceback;
* the tablet still sends the entries without photos and those whose photos the server holds,
  keeps the others (named, "waits: the server's storage is full"), says why in both languages,
  and sends everything at the next sync once there is space.

With the SQLite database itself on a full disk, a push answers 507 too and the tablet says so.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from field_app import entries
from field_app.sync_summary import summary_lines
from survey_forms import pilot_form_path
from sync_server.db import read_tx
from sync_server.schema import entries as server_entries
from tests.field_app.live import PASSWORD, tablet
from tests.support.server import LiveServer, create_user, engine_of, publish_form, start_live_server
from tests.support.weak_link import make_entries, realistic_photo

FULL_ID = "penyimpanan server penuh"
FULL_EN = "the server's storage is full"


class FullDisk:
    """A folder whose disk can be filled and freed: a tmpfs of ``size`` when mounting works
    (root), else the upload write edge made to fail with ENOSPC."""

    def __init__(self, path: Path, size: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.mounted = os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
            capture_output=True,
        ).returncode == 0
        self._monkeypatch = monkeypatch
        self._filler = path / "filler"

    def fill(self) -> None:
        if not self.mounted:
            from sync_server import storage_full

            def no_space(out, data) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            self._monkeypatch.setattr(storage_full, "write_all", no_space)
            return
        with open(self._filler, "ab", buffering=0) as out:
            block = b"\0" * 4096
            try:
                while True:
                    out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        with pytest.raises(OSError), open(self._filler, "ab", buffering=0) as out:
            for _ in range(64):  # not even a byte more
                out.write(b"\0" * 64)

    def free(self) -> None:
        self._monkeypatch.undo()
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FullDisk]:
    disk = FullDisk(tmp_path / "disk", "2m", monkeypatch)
    try:
        yield disk
    finally:
        disk.close()


@pytest.fixture
def server(database_url: str, tmp_path: Path, full_disk: FullDisk) -> Iterator[LiveServer]:
    live = start_live_server(tmp_path / "instance", database_url,
                             ATTACHMENTS_DIR=str(full_disk.path / "attachments"))
    publish_form(live.app, pilot_form_path("observasi"))
    create_user(live.app, "petugas", PASSWORD, "officer", ["16.71"], "Petugas Satu")
    try:
        yield live
    finally:
        live.stop()


def _server_entries(server: LiveServer) -> int:
    with read_tx(engine_of(server.app)) as conn:
        return conn.execute(select(func.count()).select_from(server_entries)).scalar_one()


def _leftovers(root: Path) -> list[str]:
    """Temporary or partial upload files left in the attachments folder."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and (p.name.startswith(".upload-") or p.name.startswith(".part-")))


def _full_disk_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    records = [r for r in caplog.records if r.name == "sync_server.errors"]
    assert all(r.exc_info is None for r in records), "a traceback in the server log"
    assert not [r for r in records if "unhandled" in r.getMessage()]
    return [r for r in records if "server storage full" in r.getMessage()]


def test_uploads_on_a_full_disk_answer_507_and_leave_nothing_behind(
    server: LiveServer, full_disk: FullDisk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = server.url + "/api/v1"
    token = requests.post(f"{api}/sessions", json={
        "username": "petugas", "password": PASSWORD, "device_id": "d1"}, timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    photo = realistic_photo(7, (800, 600), 400)
    sha = hashlib.sha256(photo).hexdigest()
    full_disk.fill()

    put = requests.put(f"{api}/attachments/{sha}", data=photo,
                       headers={**auth, "Content-Type": "image/jpeg"}, timeout=30)
    half = len(photo) // 2
    patch = requests.patch(f"{api}/attachments/{sha}/upload", data=photo[:half], timeout=30,
                           headers={**auth, "Content-Type": "image/jpeg",
                                    "Content-Range": f"bytes 0-{half - 1}/{len(photo)}"})
    for resp in (put, patch):
        assert resp.status_code == 507, resp.text
        body = resp.json()
        assert body["error"] == "storage_full"
        assert body["message"].lower().startswith(FULL_EN)
        assert body["message_id"].lower().startswith(FULL_ID)
    assert _leftovers(full_disk.path / "attachments") == []
    state = requests.get(f"{api}/attachments/{sha}/upload", headers=auth, timeout=10).json()
    assert state == {"sha256": sha, "offset": 0, "complete": False}  # nothing half-written
    lines = _full_disk_logs(caplog)
    assert len(lines) == 2 and all(r.levelno == logging.ERROR for r in lines)
    assert "No space left on device" in lines[0].getMessage()
    assert "/api/v1/attachments/" in lines[0].getMessage()

    full_disk.free()  # the same uploads go through once there is space
    resp = requests.put(f"{api}/attachments/{sha}", data=photo,
                        headers={**auth, "Content-Type": "image/jpeg"}, timeout=30)
    assert resp.status_code == 201, resp.text


def test_the_tablet_sends_what_needs_no_upload_and_says_the_server_is_full(
    server: LiveServer, full_disk: FullDisk, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok  # the forms
    held_photo = realistic_photo(1, (800, 600), 400)
    _, (first,) = make_entries(store, client, tmp_path, 0, [[held_photo]])
    assert client.sync().ok and _server_entries(server) == 1  # its photo is on the server

    full_disk.fill()
    plain, (known, *new) = make_entries(
        store, client, tmp_path, 2,
        [[held_photo], [realistic_photo(2, (800, 600), 400)],
         [realistic_photo(3, (800, 600), 400), realistic_photo(4, (800, 600), 400)]])
    outcome = client.sync()

    assert not outcome.ok and outcome.reason == "server_storage_full"
    assert FULL_ID in outcome.message["id"].lower()
    assert FULL_EN in outcome.message["en"].lower()
    assert "admin" in outcome.message["id"] and "admin" in outcome.message["en"]
    for entry_id in [*plain, known]:  # no upload needed: sent before any photo
        assert store.get_entry(entry_id)["status"] == entries.SENT
    for entry_id in new:  # kept on the tablet, to be sent later
        assert store.get_entry(entry_id)["status"] == entries.FINALIZED
    held = {item["entry_id"]: item for item in outcome.held_back}
    assert set(held) == set(new)
    assert {p["problem"] for item in outcome.held_back for p in item["photos"]} == {"server_full"}
    lines = summary_lines(outcome.summary, "en")
    assert any("waits (the server's storage is full)" in line for line in lines), lines
    assert any("penyimpanan server penuh" in line
               for line in summary_lines(outcome.summary, "id"))
    assert _server_entries(server) == 4
    assert _leftovers(full_disk.path / "attachments") == []
    assert _full_disk_logs(caplog)  # one line per refused request, no traceback

    full_disk.free()
    again = client.sync()
    assert again.ok, again.message
    assert all(store.get_entry(e)["status"] == entries.SENT for e in [first, *plain, known, *new])
    assert _server_entries(server) == 6
    assert not store.has_unsent()


def test_a_full_sqlite_database_disk_answers_507_to_the_push(
    tmp_path: Path, full_disk: FullDisk, caplog: pytest.LogCaptureFixture
) -> None:
    if not full_disk.mounted:
        pytest.skip("needs a small tmpfs (root) for the database file")
    caplog.set_level(logging.INFO)
    live = start_live_server(full_disk.path / "instance",
                             f"sqlite:///{full_disk.path / 'survey.sqlite3'}",
                             SESSION_COOKIE_SECURE=False)  # plain HTTP on loopback
    try:
        publish_form(live.app, pilot_form_path("observasi"))
        create_user(live.app, "petugas", PASSWORD, "officer", ["16.71"], "Petugas Satu")
        create_user(live.app, "spv", PASSWORD, "supervisor", ["16.71"], "Supervisor")
        store, client = tablet(tmp_path / "tab", live.url)
        client.sign_in("petugas", PASSWORD)
        assert client.sync().ok
        full_disk.fill()
        plain, _ = make_entries(store, client, tmp_path, 3, [])
        outcome = client.sync()
        assert not outcome.ok and outcome.reason == "server_storage_full"
        assert FULL_ID in outcome.message["id"].lower()
        assert FULL_EN in outcome.message["en"].lower()
        assert all(store.get_entry(e)["status"] == entries.FINALIZED for e in plain)
        # a supervisor's web sign-in writes too: the error page says it (Indonesian first)
        web = requests.Session()
        page = web.get(live.url + "/signin", timeout=10)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, page.text[:500]
        signin = web.post(live.url + "/signin", timeout=10, data={
            "username": "spv", "password": PASSWORD, "csrf_token": csrf.group(1)})
        assert signin.status_code == 507, signin.text[:500]
        assert FULL_ID in signin.text.lower()
        assert "Traceback" not in signin.text
        lines = _full_disk_logs(caplog)
        assert len(lines) >= 2 and "database" in lines[0].getMessage()
        assert any("POST /signin" in line.getMessage() for line in lines)
        full_disk.free()
        assert client.sync().ok
        assert all(store.get_entry(e)["status"] == entries.SENT for e in plain)
    finally:
        live.stop()
