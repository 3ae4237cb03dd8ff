"""Filling a form with autosave: every answer is on disk when the call returns."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from field_app import entries
from field_app.attachments import attachment_path, import_photo, read_verified
from field_app.form_session import EntryEditor
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form
from tests.field_app.photo_samples import small_photo


@pytest.fixture
def form():
    return kunjungan_form()


def on_disk(folder: Path, entry_id: str) -> dict:
    """What a fresh start of the app would see (a second store over the same files)."""
    return Store(folder / "store", durable=False).get_entry(entry_id)["answers"]


def test_every_answer_is_saved_at_once(tmp_path: Path, form) -> None:
    store = Store(tmp_path / "store")
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("opd", "Dinas Kominfo")
    assert on_disk(tmp_path, editor.entry_id)["opd"] == "Dinas Kominfo"
    index = editor.add_repeat("temuan")
    editor.set_answer("uraian", "Maklumat pelayanan tidak dipasang", (index,))
    [saved] = on_disk(tmp_path, editor.entry_id)["temuan"]
    assert saved == {"@key": saved["@key"], "uraian": "Maklumat pelayanan tidak dipasang"}
    assert len(saved["@key"]) == 32  # the instance's fresh key is saved with it
    editor.remove_repeat("temuan", index)
    assert on_disk(tmp_path, editor.entry_id).get("temuan", []) == []


def test_reopening_a_draft_continues_where_it_stopped(tmp_path: Path, form) -> None:
    store = Store(tmp_path / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("opd", "Bappeda")
    editor.set_answer("skor", 80)
    again = EntryEditor(Store(tmp_path / "store", durable=False), form, editor.entry_id)
    assert again.value("opd") == "Bappeda" and again.value("skor") == 80


def test_finalize_only_when_valid(tmp_path: Path, form) -> None:
    store = Store(tmp_path / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("opd", "Inspektorat")
    issues = editor.finalize()
    assert {i.path for i in issues} >= {"skor"}
    assert store.get_entry(editor.entry_id)["status"] == entries.DRAFT
    editor.set_answer("skor", 120)
    assert [i.code for i in editor.finalize() if i.path == "skor"] == ["constraint"]
    editor.set_answer("skor", 90)
    index = editor.add_repeat("temuan")
    editor.set_answer("uraian", "SOP tersedia", (index,))
    assert editor.finalize() == []
    record = store.get_entry(editor.entry_id)
    assert record["status"] == entries.FINALIZED and record["rev"].startswith("1-")
    with pytest.raises(entries.LifecycleError):
        EntryEditor(store, form, editor.entry_id)


def test_photo_is_copied_under_its_hash(tmp_path: Path, form) -> None:
    store = Store(tmp_path / "data" / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    photo = tmp_path / "camera" / "IMG_0001.jpg"
    photo.parent.mkdir()
    content = small_photo()  # no max-pixels on this form, upright: kept byte for byte
    photo.write_bytes(content)
    answer = editor.attach_photo("foto", photo)
    sha = hashlib.sha256(content).hexdigest()
    assert answer == {"sha256": sha, "filename": f"foto-{editor.entry_id[:8]}-{sha[:8]}.jpg",
                      "media_type": "image/jpeg"}
    photo.unlink()  # the camera app may delete its copy: ours stays
    assert read_verified(tmp_path / "data" / "attachments", sha) == content
    assert store.get_entry(editor.entry_id)["answers"]["foto"] == answer


def test_same_photo_twice_is_stored_once_and_damage_is_detected(tmp_path: Path) -> None:
    folder = tmp_path / "attachments"
    source = tmp_path / "a.png"
    source.write_bytes(b"\x89PNG fake image")
    first = import_photo(folder, source)
    second = import_photo(folder, source)
    assert first == second and first["media_type"] == "image/png"
    assert len(list(folder.iterdir())) == 1
    attachment_path(folder, first["sha256"]).write_bytes(b"bit rot")
    with pytest.raises(ValueError):
        read_verified(folder, first["sha256"])
    import_photo(folder, source)  # taking it again repairs the copy
    assert read_verified(folder, first["sha256"]) == b"\x89PNG fake image"
    with pytest.raises(ValueError):
        attachment_path(folder, "../../etc/passwd")
