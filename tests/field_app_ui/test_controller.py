"""What the screens get from the controller, and the UI catalogs, without Kivy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from field_app import entries
from field_app.ui import texts
from field_app.ui.controller import AppController, format_size, short_time
from field_app.ui.editing import ReadOnlyEntry, comment_of, move_repeat
from field_app.ui.navigation import issue_location
from survey_forms import load_pilot_form

FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"


@pytest.fixture
def controller(tmp_path: Path) -> AppController:
    app = AppController(tmp_path / "data", server_url="http://127.0.0.1:9", durable=False)
    form = load_pilot_form("observasi")
    app.store.save_forms([form.to_json()])
    app.store.set_credentials("t", {"username": "petugas", "full_name": "Rina",
                                    "regions": ["16.05", "16.71"]}, "http://127.0.0.1:9")
    return app


def pulled(form, entry_id: str, **fields) -> dict:
    answers = json.loads((FIXTURE / "observasi_complete.json").read_text("utf-8"))
    return {"kind": "entry", "seq": 1, "entry_id": entry_id, "rev": "1-" + "a" * 32,
            "parent_rev": None, "form_id": form.form_id, "form_version": form.version,
            "region": "16.71", "answers": answers, "meta": {}, "review_status": "received",
            "review_comment": None, "conflicts": [], **fields}


def test_server_prefill_and_regions(controller: AppController) -> None:
    assert controller.server_url == "http://127.0.0.1:9"
    assert controller.regions() == ["16.05", "16.71"]
    assert controller.current_region() == "16.05"
    controller.set_region("16.71")
    assert controller.current_region() == "16.71"
    controller.set_region("99.99")  # not the officer's: falls back
    assert controller.current_region() == "16.05"


def test_new_entry_prefills_the_region_question(controller: AppController) -> None:
    controller.set_region("16.71")
    editor = controller.new_entry("observasi_kabkota_antikorupsi", "2024110101")
    assert editor.value("kabkota") == "16.71"
    assert controller.store.get_entry(editor.entry_id)["region"] == "16.71"


def test_entries_open_by_status(controller: AppController) -> None:
    form = controller.form("observasi_kabkota_antikorupsi", "2024110101")
    conflicts = [{"path": "nama_unit", "base": "A", "ours": "B", "theirs": "C"}]
    controller.store.apply_pull([
        pulled(form, "e-sent"),
        pulled(form, "e-fix", review_status="needs_correction", review_comment="Cek skor"),
        pulled(form, "e-conflict", review_status="conflict", conflicts=conflicts),
    ], "c1")
    sent = controller.open_entry("e-sent")
    assert isinstance(sent, ReadOnlyEntry) and sent.value("nama_unit")
    conflict = controller.open_entry("e-conflict")
    assert isinstance(conflict, ReadOnlyEntry)
    assert conflict.record["conflicts"] == conflicts
    fixing = controller.open_entry("e-fix")
    assert not isinstance(fixing, ReadOnlyEntry)
    record = controller.store.get_entry("e-fix")
    assert record["status"] == entries.DRAFT and comment_of(record) == "Cek skor"
    rows = controller.entry_rows(entries.CONFLICT, "id")
    assert rows[0]["name"].startswith("Kota Palembang – ")  # the form's instance_name
    assert rows[0]["region"] == "Kota Palembang"


def test_move_repeat_saves(controller: AppController) -> None:
    editor = controller.new_entry("observasi_kabkota_antikorupsi", "2024110101")
    for text in ("satu", "dua"):
        index = editor.add_repeat("temuan")
        editor.set_answer("temuan_teks", text, (index,))
    move_repeat(editor, "temuan", 1, 0)
    saved = controller.store.get_entry(editor.entry_id)["answers"]["temuan"]
    assert [item["temuan_teks"] for item in saved] == ["dua", "satu"]


def test_issue_location() -> None:
    assert issue_location("temuan[1]/temuan_teks") == ("temuan_teks", (1,))
    assert issue_location("nama_unit") == ("nama_unit", ())


def test_small_formatters() -> None:
    assert format_size(512) == "512 B"
    assert format_size(3 * 1024 * 1024) == "3.0 MB"
    assert short_time("2024-08-13T09:41:12.000+07:00") == "2024-08-13 09:41"
    assert short_time(None) == ""


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    ids, ens = texts.ui_catalog("id"), texts.ui_catalog("en")
    assert set(ids) == set(ens)
    for key in ids:
        # sets: an English plural form ({n:entry|entries}) names its count again
        assert set(_fields(ids[key])) == set(_fields(ens[key])), key
    assert texts.tr("home.greeting", "id", name="Rina") == "Halo, Rina"
    assert texts.tr("home.greeting", "en", name="Rina") == "Hello, Rina"
    assert texts.tr("entry.status.draft", "en") == "Draft"  # the core's catalog


def test_every_key_used_in_the_ui_exists() -> None:
    import re

    folder = Path(texts.__file__).parent
    used = set()
    for path in [*folder.rglob("*.py"), *folder.rglob("*.kv")]:
        used |= set(re.findall(r"""tr\(\s*["']([a-z_]+\.[a-z_.]+[a-z_])["']""",
                               path.read_text("utf-8")))
    known = set(texts.ui_catalog("id")) | set(json.loads(
        (folder.parent / "translations" / "id.json").read_text("utf-8")))
    assert used and used <= known, used - known


def _fields(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_set_aside_message_names_each_file_in_the_officers_language(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = AppController(data, durable=False)
    assert first.set_aside_message("id") is None
    entry_id = first.store.create_draft("f", "1", "16.71", {"x": 1})
    first.stop()
    store_folder = data / "store"
    (store_folder / "drafts" / f"{entry_id}.json").write_bytes(b"\0" * 40)
    outbox = store_folder / "outbox.json"
    outbox.write_bytes(b'{"entries":{"1":{"entry_id":"e1","status":"finalized","form_id":"f",'
                       b'"form_version":"1","answers":{},"meta":{}},"2":{"entry_')
    app = AppController(data, durable=False)
    kept = {Path(f.path).name: f.kept_as for f in app.store.set_aside_files()}
    indonesian = app.set_aside_message("id")
    english = app.set_aside_message("en")
    assert indonesian.startswith("Ada 2 berkas data di tablet ini yang tidak dapat dibaca")
    assert "Satu draf entri: disimpan sebagai\n" + kept[f"{entry_id}.json"] in indonesian
    assert "Daftar entri siap kirim: disimpan sebagai\n" + kept["outbox.json"] in indonesian
    assert "1 catatan berhasil dipulihkan" in indonesian  # the outbox record before the cut
    assert english.startswith("2 data files on this tablet could not be read")
    assert "Do not clear the app's data." in english
    app.set_aside_seen()
    assert app.set_aside_message("id") is None
    assert app.store.has_entry("e1")
