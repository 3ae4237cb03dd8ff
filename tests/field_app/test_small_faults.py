"""Smaller faults of the tablet in real use: form versions, duplicate drafts, a full storage
during a sync, new folders made durable, the tablet's clock against the server's."""

from __future__ import annotations

import errno
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from tinydb import TinyDB

from field_app import clock_check, entries, storage
from field_app.clock_check import clock_offset, clock_warning
from field_app.store import Store
from field_app.ui.controller import AppController
from field_app.versions import is_newer
from tests.field_app.helpers import kunjungan_form, open_store, valid_answers
from tests.field_app.live import PASSWORD, tablet
from tests.field_app.test_store_full_disk import FullDisk
from tests.support.server import LiveServer


def test_form_versions_compare_as_numbers_never_as_text(tmp_path: Path) -> None:
    assert is_newer("10", "9") and not is_newer("9", "10")
    assert is_newer("2024110102", "2024110101")
    assert is_newer("b", "a") and is_newer("a", "b")  # not numbers: the one received later
    app = AppController(tmp_path, durable=False)
    app.store.save_forms(
        [
            {"form_id": "f", "version": "9", "title": "Formulir"},
            {"form_id": "f", "version": "10", "title": "Formulir"},
            {"form_id": "g", "version": "10", "title": "Lain"},
            {"form_id": "g", "version": "9", "title": "Lain"},
        ]
    )
    assert {f["form_id"]: f["version"] for f in app.available_forms()} == {"f": "10", "g": "10"}
    app.stop()


def test_a_duplicate_copy_inside_a_draft_file_is_cleaned_at_load(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft("kunjungan_uji", "1", "16.71", valid_answers())
    store.close()
    path = tmp_path / "drafts" / f"{entry_id}.json"
    db = TinyDB(path)
    doc = dict(db.table("entries").all()[0])
    db.table("entries").insert(doc)  # a write half-applied: the same draft twice in its file
    db.close()
    for _ in range(2):  # and still once after a restart
        store = open_store(tmp_path)
        assert store.counts()[entries.DRAFT] == 1
        assert [e["entry_id"] for e in store.list_entries()] == [entry_id]
        store.close()
    db = TinyDB(path)
    assert len(db.table("entries")) == 1
    db.close()


def test_new_folders_are_fsynced_into_their_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    real = storage.fsync_dir
    monkeypatch.setattr(
        storage, "fsync_dir", lambda folder: (synced.append(Path(folder)), real(folder))
    )
    store = Store(tmp_path / "data" / "store", durable=True)
    assert tmp_path / "data" in synced  # the first store/ folder, in its parent
    assert tmp_path in synced  # data/ was new too
    assert tmp_path / "data" / "store" in synced  # drafts/ in store/
    from field_app.attachments import import_photo

    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    synced.clear()
    import_photo(tmp_path / "data" / "attachments", photo)
    assert tmp_path / "data" in synced  # the first attachments/ folder
    store.close()


def test_the_clock_offset_and_its_warning_in_both_languages() -> None:
    now = time.time()
    assert abs(clock_offset(formatdate(now, usegmt=True), now)) < 1
    behind = clock_offset(formatdate(now, usegmt=True), now - 3 * 365 * 86400)
    assert behind > 0
    warning = clock_warning(behind)
    assert "terlambat" in warning["id"] and "behind" in warning["en"]
    assert clock_warning(300) is None and clock_warning(-300) is None
    assert "terlalu cepat" in clock_warning(-3600)["id"]
    assert clock_offset(None) is None and clock_offset("not a date") is None


def test_a_sync_stopped_by_a_full_storage_says_so(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    monkeypatch.setattr(storage, "write_file_bytes", FullDisk(0))
    outcome = client.sync()
    assert not outcome.ok and outcome.reason == "storage_full", outcome
    assert "Penyimpanan tablet penuh" in outcome.message["id"]
    assert "storage is full" in outcome.message["en"]
    monkeypatch.undo()
    assert client.sync().ok


def test_a_finalize_on_a_full_storage_keeps_the_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    form = kunjungan_form()
    entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers())
    monkeypatch.setattr(storage, "write_file_bytes", FullDisk(0))
    with pytest.raises(OSError) as caught:
        store.finalize_entry(entry_id, form)
    assert storage.is_storage_full(caught.value)
    monkeypatch.undo()
    assert store.get_entry(entry_id)["status"] == entries.DRAFT
    assert store.finalize_entry(entry_id, form) == []


def test_a_sync_learns_the_servers_clock_and_warns_when_the_tablet_is_years_behind(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = AppController(tmp_path / "tab", server_url=server.url, durable=False)
    app.sign_in(server.url, "petugas", PASSWORD)
    outcome = app.client.sync()
    assert outcome.ok and abs(outcome.clock_offset) < 60
    assert app.clock_warning("id") == ""
    real = time.time
    monkeypatch.setattr(clock_check, "tablet_time", lambda: real() - 2 * 365 * 86400)
    assert app.client.sync().clock_offset > 365 * 86400
    assert "Jam tablet terlambat" in app.clock_warning("id")
    assert "clock is about" in app.clock_warning("en")
    app.stop()


def test_enospc_is_recognised() -> None:
    assert storage.is_storage_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not storage.is_storage_full(OSError(errno.EACCES, "denied"))
    assert not storage.is_storage_full(ValueError("x"))
