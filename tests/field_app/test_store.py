"""The one-writer store: autosave, lifecycle through the store, files, reopen, threads."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from field_app import entries
from field_app.store import EntryNotFoundError, Store
from tests.field_app.helpers import kunjungan_form, open_store, valid_answers


@pytest.fixture
def form():
    return kunjungan_form()


def test_autosave_survives_reopen(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft(form.form_id, form.version, "16.71")
    store.save_answers(entry_id, {"opd": "Dinas Kesehatan"})
    store.close()
    again = open_store(tmp_path)
    assert again.get_entry(entry_id)["answers"] == {"opd": "Dinas Kesehatan"}
    assert again.get_entry(entry_id)["status"] == entries.DRAFT
    assert again.device_id == store.device_id


def test_files_split_by_status(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(1))
    assert entry_id in (tmp_path / "drafts" / f"{entry_id}.json").read_text()
    assert store.finalize_entry(entry_id, form) == []
    assert not (tmp_path / "drafts" / f"{entry_id}.json").exists()
    assert entry_id in (tmp_path / "outbox.json").read_text()
    [payload] = store.pending_revisions()
    store.apply_push_results([{"entry_id": entry_id, "rev": payload["rev"],
                               "status": "stored"}])
    assert entry_id not in (tmp_path / "outbox.json").read_text()
    assert entry_id in (tmp_path / "archive.json").read_text()
    assert store.get_entry(entry_id)["status"] == entries.SENT
    assert not store.has_unsent()


def test_finalize_refused_while_form_invalid(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft(form.form_id, form.version, "16.71", {"opd": "X", "skor": 500})
    issues = store.finalize_entry(entry_id, form)
    assert {i.path for i in issues} >= {"skor"}
    assert store.get_entry(entry_id)["status"] == entries.DRAFT
    assert store.pending_revisions() == []


def test_only_unsent_drafts_can_be_deleted(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    keep = store.create_draft(form.form_id, form.version, "16.71", valid_answers(2))
    gone = store.create_draft(form.form_id, form.version, "16.71")
    store.delete_draft(gone)
    with pytest.raises(EntryNotFoundError):
        store.get_entry(gone)
    store.finalize_entry(keep, form)
    with pytest.raises(entries.LifecycleError):
        store.delete_draft(keep)
    assert open_store(tmp_path).has_entry(keep)
    assert not open_store(tmp_path).has_entry(gone)


def test_entry_left_in_two_files_by_a_crash_keeps_newer_copy(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(3))
    draft_file = tmp_path / "drafts" / f"{entry_id}.json"
    old_draft = draft_file.read_bytes()
    store.finalize_entry(entry_id, form)
    store.close()
    # simulate a crash between "write outbox" and "remove the draft's file"
    draft_file.write_bytes(old_draft)
    again = open_store(tmp_path)
    assert again.get_entry(entry_id)["status"] == entries.FINALIZED
    assert [s["entry_id"] for s in again.list_entries()] == [entry_id]
    assert not draft_file.exists()


def test_credentials_cursor_and_settings(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    draft = store.create_draft(form.form_id, form.version, "16.71", valid_answers(4))
    store.finalize_entry(draft, form)
    store.set_credentials("tok", {"username": "petugas"}, "http://127.0.0.1:1")
    store.set_setting("language", "en")
    store.apply_pull([], "c-9")
    again = open_store(tmp_path)
    assert again.credentials() == {"token": "tok", "user": {"username": "petugas"},
                                   "server_url": "http://127.0.0.1:1"}
    assert again.pull_cursor() == "c-9" and again.get_setting("language") == "en"
    again.clear_credentials()
    assert open_store(tmp_path).credentials() is None
    assert open_store(tmp_path).has_unsent()  # signing out never forgets unsent entries


def test_returned_records_are_copies(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft("f", "1", "16.71", {"temuan": [{"uraian": "a"}]})
    record = store.get_entry(entry_id)
    record["answers"]["temuan"][0]["uraian"] = "changed behind the store's back"
    assert store.get_entry(entry_id)["answers"]["temuan"][0]["uraian"] == "a"


def test_list_entries_filters_and_orders(tmp_path: Path, form) -> None:
    ticks = iter(f"2024-08-13T09:{m:02d}:00.000+07:00" for m in range(60))
    store = Store(tmp_path, durable=False, clock=lambda: next(ticks))
    a = store.create_draft(form.form_id, form.version, "16.71", valid_answers(5))
    b = store.create_draft(form.form_id, form.version, "16.05")
    store.finalize_entry(a, form)
    assert [s["entry_id"] for s in store.list_entries()] == [a, b]
    assert [s["entry_id"] for s in store.list_entries(status="draft")] == [b]
    assert store.counts()["finalized"] == 1
    assert "answers" not in store.list_entries()[0]


def test_concurrent_writers_never_lose_an_answer(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    ids = [store.create_draft("f", "1", "16.71") for _ in range(4)]
    errors: list[BaseException] = []

    def writer(entry_id: str) -> None:
        try:
            for n in range(40):
                store.save_answers(entry_id, {"n": n})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    reopened = open_store(tmp_path)
    assert [reopened.get_entry(i)["answers"] for i in ids] == [{"n": 39}] * 4
    for entry_id in ids:
        data = json.loads((tmp_path / "drafts" / f"{entry_id}.json").read_text())
        assert data["entries"]["1"]["answers"] == {"n": 39}


def test_pull_stores_changes_before_cursor_and_filters_strangers(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    mine = {"kind": "entry", "seq": 1, "entry_id": "e-a", "rev": "1-a", "parent_rev": None,
            "form_id": "f", "form_version": "1", "region": "16.71", "answers": {"x": 1},
            "meta": {"officer": "me"}, "review_status": "approved", "author": "me"}
    other = dict(mine, entry_id="e-b", author="someone", meta={"officer": "someone"})
    n = store.apply_pull([mine, other], "c-2", accept=lambda c: c["author"] == "me")
    assert n == 1 and store.has_entry("e-a") and not store.has_entry("e-b")
    assert store.get_entry("e-a")["review_status"] == "approved"
    assert open_store(tmp_path).pull_cursor() == "c-2"


def test_leftover_temp_of_a_new_draft_is_cleaned(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    half = tmp_path / "drafts" / ".abc.json.tmp-77"
    half.write_text('{"entries": {"1": {"entry_id": "ab')
    store = open_store(tmp_path)
    assert not half.exists() and store.list_entries() == []


def test_correction_draft_moves_back_out_of_the_archive(tmp_path: Path, form) -> None:
    store = open_store(tmp_path)
    entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(6))
    store.finalize_entry(entry_id, form)
    [payload] = store.pending_revisions()
    store.apply_push_results([{"entry_id": entry_id, "rev": payload["rev"], "status": "stored"}])
    change = {"kind": "entry", "seq": 3, "entry_id": entry_id, "rev": payload["rev"],
              "parent_rev": None, "form_id": form.form_id, "form_version": form.version,
              "region": "16.71", "answers": payload["answers"], "meta": payload["meta"],
              "review_status": "needs_correction", "review_comment": "Perbaiki skor"}
    store.apply_pull([change], "c-3")
    assert store.get_entry(entry_id)["status"] == entries.NEEDS_CORRECTION
    store.start_correction(entry_id)
    store.save_answers(entry_id, {**valid_answers(6), "skor": 77})
    assert store.finalize_entry(entry_id, form) == []
    [again] = store.pending_revisions()
    assert again["parent_rev"] == payload["rev"] and again["rev"].startswith("2-")
    reopened = open_store(tmp_path)
    assert reopened.counts() == {"draft": 0, "finalized": 1, "sent": 0,
                                 "needs_correction": 0, "conflict": 0}
