"""AtomicJSONStorage: atomic replace, leftovers ignored, batches, failure leaves the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tinydb import TinyDB

from field_app.storage import TEMP_MARKER, AtomicJSONStorage, CorruptStoreError


def open_db(path: Path) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage)


def test_round_trip(tmp_path: Path) -> None:
    db = open_db(tmp_path / "db.json")
    db.insert({"a": 1, "teks": "Palembang ✓"})
    db.close()
    again = open_db(tmp_path / "db.json")
    assert again.all() == [{"a": 1, "teks": "Palembang ✓"}]


def test_missing_and_empty_file_read_as_empty(tmp_path: Path) -> None:
    assert AtomicJSONStorage(tmp_path / "nope.json").read() is None
    (tmp_path / "empty.json").write_bytes(b"")
    assert AtomicJSONStorage(tmp_path / "empty.json").read() is None


def test_leftover_temp_file_is_removed_and_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.insert({"good": True})
    half = tmp_path / f".db.json{TEMP_MARKER}4242"
    half.write_bytes(b'{"_default": {"1": {"good": fal')  # a writer died mid-write
    storage = AtomicJSONStorage(path)
    assert half not in list(tmp_path.iterdir())
    assert storage.removed_temps == [half]
    assert storage.read() == {"_default": {"1": {"good": True}}}


def test_write_replaces_file_with_new_inode(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.insert({"n": 1})
    before = path.stat().st_ino
    db.insert({"n": 2})
    assert path.stat().st_ino != before  # replaced, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["db.json"]


def test_failed_write_keeps_old_file_and_forgets_unsaved_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.insert({"n": 1})

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        db.insert({"n": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"_default": {"1": {"n": 1}}}
    assert [d["n"] for d in db.all()] == [1]  # memory reloaded from disk
    assert [p.name for p in tmp_path.iterdir()] == ["db.json"]


def test_batch_writes_once_and_atomically(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    storage = db.storage
    assert isinstance(storage, AtomicJSONStorage)
    with storage.batch():
        for n in range(50):
            db.insert({"n": n})
        assert not path.exists()
    assert storage.writes == 1
    assert len(open_db(path).all()) == 50

    with pytest.raises(RuntimeError), storage.batch():
        db.insert({"n": 99})
        raise RuntimeError("crash in the middle of a group")
    assert len(db.all()) == 50
    assert len(open_db(path).all()) == 50


def test_garbage_file_is_an_error_not_silently_emptied(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text("[1, 2]")
    with pytest.raises(CorruptStoreError):
        AtomicJSONStorage(path).read()
    path.write_text("{not json")
    with pytest.raises(CorruptStoreError):
        AtomicJSONStorage(path).read()
