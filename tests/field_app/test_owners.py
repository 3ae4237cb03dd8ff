"""Entries belong to the officer who made them; older stores are upgraded to that rule."""

from __future__ import annotations

from pathlib import Path

from tests.field_app.helpers import open_store, valid_answers


def test_entries_recorded_before_owners_become_the_signed_in_officers(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft("kunjungan_uji", "1", "16.71", valid_answers())
    legacy = store.get_entry(entry_id)
    legacy.pop("owner")
    store._put_many([legacy])  # a record as stores wrote them before owners
    store._set_device(pull_cursor="c-7", pull_cursors=None)
    store.close()

    upgraded = open_store(tmp_path)
    upgraded.set_credentials("t", {"username": "petugas", "regions": ["16.71"]}, "http://x")
    assert upgraded.get_entry(entry_id)["owner"] == "petugas"
    assert [e["entry_id"] for e in upgraded.list_entries()] == [entry_id]
    assert upgraded.pull_cursor() == "c-7"
    upgraded.set_credentials("t2", {"username": "lain", "regions": ["16.71"]}, "http://x")
    assert upgraded.list_entries() == [] and upgraded.pull_cursor() == ""
    assert upgraded.get_entry(entry_id)["owner"] == "petugas"


def test_a_store_signed_in_when_upgraded_gives_old_entries_to_that_officer(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path)
    store.set_credentials("t", {"username": "petugas"}, "http://x")
    entry_id = store.create_draft("kunjungan_uji", "1", "16.71", valid_answers())
    legacy = store.get_entry(entry_id)
    legacy.pop("owner")
    store._put_many([legacy])
    store.close()
    assert open_store(tmp_path).get_entry(entry_id)["owner"] == "petugas"


def test_the_region_question_decides_the_region_an_entry_is_filed_under(tmp_path: Path) -> None:
    from survey_forms.loader import load_pilot_form
    from tests.field_app.live import observation_answers

    form = load_pilot_form("observasi")
    store = open_store(tmp_path)
    answers = {**observation_answers(), "kabkota": "16.05", "kecamatan": None}
    assert form.choice("kecamatan", "16.05.01") is not None
    answers["kecamatan"] = "16.05.01"
    entry_id = store.create_draft(form.form_id, form.version, "16.71", answers)  # home toggle
    assert store.finalize_entry(entry_id, form) == []
    record = store.get_entry(entry_id)
    assert record["region"] == "16.05"
    assert store.pending_revisions()[0]["region"] == "16.05"
