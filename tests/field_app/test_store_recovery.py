"""Damaged store files: the store still opens, the bad file is kept aside, nothing else changes.

Each store file is damaged the ways flash storage and power cuts damage files (emptied,
zero-filled, cut short, a zeroed block, random bytes, invalid UTF-8 inside a record, valid JSON
of the wrong shape); the tests check what the officer keeps, what the technician finds next to
the store, and what the app is told.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from field_app import entries, recovery
from field_app.recovery import CORRUPT_MARKER, salvage
from field_app.storage import CorruptStoreError
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form, open_store, valid_answers


def _zeroed_block(raw: bytes) -> bytes:
    """A 64-byte block in the middle zeroed, as a failed flash page reads back."""
    middle = len(raw) // 2
    return raw[:middle - 32] + b"\0" * 64 + raw[middle + 32:]


def _invalid_utf8(raw: bytes) -> bytes:
    """Bytes that are not UTF-8 inside the first record's ``opd`` answer."""
    start = raw.index(b'"opd":"Dinas ') + len(b'"opd":"')
    return raw[:start] + b"\xff\xfe\xc3" + raw[start + 3:]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "zero_length": lambda raw: b"",
    "zero_filled": lambda raw: b"\0" * len(raw),
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbage": lambda raw: random.Random(7).randbytes(len(raw)),
    "invalid_utf8": _invalid_utf8,
    "zeroed_block": _zeroed_block,
}


def _seed(folder: Path) -> dict[str, Any]:
    """A store with 3 drafts, 3 finalized (outbox), 2 sent (archive), a sign-in and settings."""
    form = kunjungan_form()
    store = open_store(folder)
    ids: dict[str, list[str]] = {"draft": [], "finalized": [], "sent": []}
    for n in range(8):
        entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(n))
        if n >= 3:
            assert store.finalize_entry(entry_id, form) == []
        ids["draft" if n < 3 else "finalized" if n < 6 else "sent"].append(entry_id)
    pending = {p["entry_id"]: p for p in store.pending_revisions()}
    store.apply_push_results([{"entry_id": e, "rev": pending[e]["rev"], "status": "stored"}
                              for e in ids["sent"]])
    store.set_credentials("tok", {"username": "petugas"}, "http://127.0.0.1:1")
    store.set_setting("language", "en")
    records = {e: store.get_entry(e) for group in ids.values() for e in group}
    device_id = store.device_id
    store.close()
    return {"ids": ids, "records": records, "device_id": device_id}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _kept_aside(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob(f"*{CORRUPT_MARKER}*"))


def _check_unchanged(store: Store, seeded: dict[str, Any], lost: set[str]) -> None:
    """Every entry not in ``lost`` is there, exactly as it was saved."""
    for entry_id, record in seeded["records"].items():
        if entry_id in lost:
            assert not store.has_entry(entry_id)
        else:
            assert store.get_entry(entry_id) == record


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_draft_is_set_aside_and_the_rest_opens(tmp_path: Path, damage: str) -> None:
    seeded = _seed(tmp_path)
    bad_id = seeded["ids"]["draft"][1]
    bad = tmp_path / "drafts" / f"{bad_id}.json"
    bad.write_bytes(DAMAGE[damage](bad.read_bytes()))
    damaged_bytes = bad.read_bytes()
    before = _files(tmp_path)

    store = open_store(tmp_path)

    _check_unchanged(store, seeded, lost={bad_id})
    [kept] = _kept_aside(tmp_path)
    assert kept.parent == bad.parent and kept.name.startswith(f"{bad_id}.json{CORRUPT_MARKER}")
    assert kept.read_bytes() == damaged_bytes and not bad.exists()
    after = _files(tmp_path)
    for name, content in before.items():  # every other file byte for byte, the sign-in kept
        if name not in (f"drafts/{bad_id}.json", "device.json"):
            assert after[name] == content, name
    assert store.credentials()["token"] == "tok" and store.get_setting("language") == "en"
    assert store.device_id == seeded["device_id"]
    [report] = store.set_aside
    assert (report.path, report.kept_as, report.recovered) == (str(bad), str(kept), 0)
    assert report.reason
    store.close()

    again = open_store(tmp_path)  # the report outlives a restart until the officer saw it
    assert again.set_aside == [] and again.set_aside_files() == [report]
    again.mark_set_aside_seen()
    assert open_store(tmp_path).set_aside_files() == []
    assert open_store(tmp_path).set_aside_files(unseen_only=False) == [report]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_outbox_keeps_drafts_archive_and_what_can_be_read(
    tmp_path: Path, damage: str
) -> None:
    seeded = _seed(tmp_path)
    outbox = tmp_path / "outbox.json"
    original = outbox.read_bytes()
    outbox.write_bytes(DAMAGE[damage](original))
    damaged_bytes = outbox.read_bytes()
    drafts_before = {n: b for n, b in _files(tmp_path).items() if n.startswith("drafts/")}
    archive_before = (tmp_path / "archive.json").read_bytes()

    store = open_store(tmp_path)

    finalized = seeded["ids"]["finalized"]
    recovered = {e for e in finalized if store.has_entry(e)}
    _check_unchanged(store, seeded, lost=set(finalized) - recovered)
    [report] = store.set_aside
    assert report.recovered == len(recovered)
    expected = {  # which of the three outbox records survive each kind of damage
        "zero_length": 0, "zero_filled": 0, "garbage": 0,
        "invalid_utf8": 2,   # the record with the bad bytes is left out, the others kept
        "truncated": 1,      # the records before the cut
        "zeroed_block": 2,   # the records before and after the zeroed block
    }
    assert len(recovered) == expected[damage]
    [kept] = _kept_aside(tmp_path)
    assert kept.name.startswith(f"outbox.json{CORRUPT_MARKER}")
    assert kept.read_bytes() == damaged_bytes
    assert (tmp_path / "archive.json").read_bytes() == archive_before
    assert {n: b for n, b in _files(tmp_path).items() if n.startswith("drafts/")} == drafts_before
    assert store.counts()[entries.FINALIZED] == len(recovered)

    # the store keeps working, and a restart finds nothing more to set aside
    form = kunjungan_form()
    new_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(40))
    assert store.finalize_entry(new_id, form) == []
    store.close()
    again = open_store(tmp_path)
    assert again.set_aside == [] and again.get_entry(new_id)["status"] == entries.FINALIZED
    assert {e for e in finalized if again.has_entry(e)} == recovered
    assert len(_kept_aside(tmp_path)) == 1


@pytest.mark.parametrize("damage", ["zero_filled", "truncated", "garbage", "invalid_utf8"])
def test_a_damaged_archive_keeps_the_unsent_entries(tmp_path: Path, damage: str) -> None:
    seeded = _seed(tmp_path)
    archive = tmp_path / "archive.json"
    archive.write_bytes(DAMAGE[damage](archive.read_bytes()))
    store = open_store(tmp_path)
    sent = seeded["ids"]["sent"]
    _check_unchanged(store, seeded, lost={e for e in sent if not store.has_entry(e)})
    assert store.counts()[entries.DRAFT] == 3 and store.counts()[entries.FINALIZED] == 3
    assert len(store.pending_revisions()) == 3  # the unsent entries still go out
    [kept] = _kept_aside(tmp_path)
    assert kept.name.startswith(f"archive.json{CORRUPT_MARKER}")


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_device_file_keeps_every_entry(tmp_path: Path, damage: str) -> None:
    seeded = _seed(tmp_path)
    device = tmp_path / "device.json"
    if damage == "invalid_utf8":  # the device file holds no answers: damage the token
        raw = device.read_bytes()
        start = raw.index(b'"token":"') + len(b'"token":"')
        device.write_bytes(raw[:start] + b"\xff" + raw[start + 1:])
    else:
        device.write_bytes(DAMAGE[damage](device.read_bytes()))
    damaged_bytes = device.read_bytes()

    store = open_store(tmp_path)

    _check_unchanged(store, seeded, lost=set())
    assert store.device_id  # a new one when the old could not be read
    [kept] = _kept_aside(tmp_path)
    assert kept.name.startswith(f"device.json{CORRUPT_MARKER}")
    assert kept.read_bytes() == damaged_bytes
    [report] = store.set_aside_files()  # saved in the new device file
    assert report.kept_as == str(kept)
    if damage == "zeroed_block":
        pass  # depends on where the block fell
    elif damage == "truncated":
        assert store.credentials() is None  # the one record was cut
    else:
        assert store.credentials() is None and report.recovered == 0


def test_valid_json_of_the_wrong_shape_is_set_aside(tmp_path: Path) -> None:
    seeded = _seed(tmp_path)
    first, second, third = seeded["ids"]["draft"]
    (tmp_path / "drafts" / f"{first}.json").write_text("[1, 2]")
    path = tmp_path / "drafts" / f"{second}.json"
    data = json.loads(path.read_text("utf-8"))
    [doc] = data["entries"].values()
    doc["status"] = entries.SENT  # a sent entry cannot be a draft file's record
    path.write_text(json.dumps(data))
    archive = tmp_path / "archive.json"
    data = json.loads(archive.read_text("utf-8"))
    broken_id = next(iter(data["entries"].values()))["entry_id"]
    del next(iter(data["entries"].values()))["entry_id"]
    archive.write_text(json.dumps(data))

    store = open_store(tmp_path)

    _check_unchanged(store, seeded, lost={first, second, broken_id})
    assert store.has_entry(third)
    assert sorted(r.recovered for r in store.set_aside) == [0, 0, 1]  # the other sent entry
    assert len(_kept_aside(tmp_path)) == 3


def test_a_file_that_cannot_be_moved_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = _seed(tmp_path)
    bad_id = seeded["ids"]["draft"][0]
    bad = tmp_path / "drafts" / f"{bad_id}.json"
    bad.write_bytes(b"\0" * 100)

    real_replace = os.replace

    def refuse(src: Any, dst: Any) -> None:
        if CORRUPT_MARKER in str(dst):
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse)  # what Path.replace calls
    store = open_store(tmp_path)
    _check_unchanged(store, seeded, lost={bad_id})
    assert bad.read_bytes() == b"\0" * 100  # not written over, not deleted
    [report] = store.set_aside
    assert report.kept_as == report.path == str(bad)
    assert "could not be renamed" in report.reason
    store.close()
    (tmp_path / "outbox.json").write_bytes(b"\0" * 100)
    with pytest.raises(CorruptStoreError):  # a main file the store cannot move: it says so
        open_store(tmp_path)
    assert (tmp_path / "outbox.json").read_bytes() == b"\0" * 100


def test_an_unreadable_file_is_set_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = _seed(tmp_path)
    bad_id = seeded["ids"]["draft"][2]
    real_read = Path.read_bytes

    def failing_read(path: Path) -> bytes:
        if path.name == f"{bad_id}.json":
            raise OSError(5, "Input/output error")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", failing_read)
    store = open_store(tmp_path)
    _check_unchanged(store, seeded, lost={bad_id})
    [report] = store.set_aside
    assert "Input/output error" in report.reason
    assert _kept_aside(tmp_path) == [Path(report.kept_as)]


def test_two_files_set_aside_in_the_same_second_get_distinct_names(tmp_path: Path) -> None:
    path = tmp_path / "outbox.json"
    for _ in range(2):
        path.write_bytes(b"\0")
        _data, report = recovery.load_checked(path, "outbox", durable=False)
        assert report is not None
    assert len(_kept_aside(tmp_path)) == 2 and not path.exists()


def test_salvage_skips_damaged_records_and_nested_look_alikes() -> None:
    good = [{"entry_id": f"e{i}", "status": "finalized", "form_id": "f", "form_version": "1",
             "answers": {"x": i}, "meta": {"1": {"entry_id": "nested"}}, "local_version": i}
            for i in range(1, 5)]
    raw = json.dumps({"entries": {str(i + 1): d for i, d in enumerate(good)}}).encode()
    cut = raw.index(b'"e3"')
    damaged = raw[:cut] + b"\0\0\0" + raw[cut + 3:]
    tables = salvage(damaged, "outbox")
    assert list(tables["entries"]) == ["1", "2", "4"]
    assert [d["entry_id"] for d in tables["entries"].values()] == ["e1", "e2", "e4"]
    assert salvage(raw, "archive") == {}  # finalized records do not belong in the archive
    assert salvage(os.urandom(0), "outbox") == {}
