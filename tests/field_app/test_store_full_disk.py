"""A damaged store file while the tablet's storage is full: no entry is ever hidden.

The disk is simulated full behind the storage interface: the store's one write primitive
(:func:`field_app.storage.write_file_bytes`) raises ``ENOSPC`` once a byte budget is spent.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from field_app import entries, storage
from field_app.recovery import CORRUPT_MARKER
from field_app.storage import StoreUnavailableError
from tests.field_app.helpers import kunjungan_form, open_store, valid_answers


class FullDisk:
    """Writes succeed until ``budget`` bytes are written, then ``ENOSPC`` (partly written)."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def __call__(self, handle: BinaryIO, data: bytes) -> None:
        if len(data) > self.left:
            handle.write(data[: self.left])
            self.left = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.left -= len(data)
        handle.write(data)


def _seed(folder: Path, count: int = 20) -> list[str]:
    form = kunjungan_form()
    store = open_store(folder, durable=True)
    store.set_credentials("tok", {"username": "petugas"}, "http://127.0.0.1:1")
    ids = []
    for n in range(count):
        entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(n))
        assert store.finalize_entry(entry_id, form) == []
        ids.append(entry_id)
    store.close()
    return ids


#: free space as a share of the damaged file's size: none, half, room for the salvaged copy
#: but not for the report, a little more, plenty
@pytest.mark.parametrize("room", [0, 0.5, 1.0, 1.02, 1.05, 1.2, 100])
@pytest.mark.parametrize("damaged", ["outbox", "device"])
def test_recovery_on_a_full_disk_hides_no_entry_and_all_is_back_once_space_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: float, damaged: str
) -> None:
    ids = _seed(tmp_path)
    bad = tmp_path / f"{damaged}.json"
    bad.write_bytes(bad.read_bytes() + b"\0" * 64)  # cut-off write: the records still read
    monkeypatch.setattr(storage, "write_file_bytes", FullDisk(int(room * bad.stat().st_size)))
    opened: Any = None
    try:
        opened = open_store(tmp_path, durable=True)
    except StoreUnavailableError as exc:
        assert exc.storage_full and "nothing was changed" in str(exc)
        assert bad.exists()  # the damaged file stays where it was
        assert not list(tmp_path.glob(f"*{CORRUPT_MARKER}*"))
    else:  # enough room: recovered at once
        assert {e["entry_id"] for e in opened.list_entries()} == set(ids)
        opened.close()
    monkeypatch.undo()  # space freed

    store = open_store(tmp_path, durable=True)
    listed = store.list_entries(status=entries.FINALIZED)
    assert {e["entry_id"] for e in listed} == set(ids)
    assert len(store.pending_revisions()) == len(ids)
    reports = store.set_aside_files()
    assert [Path(r.path).name for r in reports] == [f"{damaged}.json"]
    assert Path(reports[0].kept_as).exists()
    assert len(list(tmp_path.glob(f"*{CORRUPT_MARKER}*"))) == 1
    assert not list(tmp_path.glob(".*salvaged*"))
    store.close()


def test_a_recovery_cut_short_after_the_rename_is_finished_at_the_next_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _seed(tmp_path)
    bad = tmp_path / "outbox.json"
    bad.write_bytes(bad.read_bytes() + b"\0" * 64)
    real_replace = Path.replace

    def power_cut(self: Path, target: Any) -> Path:
        if self.name.endswith(".salvaged"):
            raise KeyboardInterrupt("power cut")  # not an OSError: nothing cleans up
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", power_cut)
    with pytest.raises(KeyboardInterrupt):
        open_store(tmp_path, durable=True)
    monkeypatch.undo()
    assert not bad.exists()  # moved aside, the salvaged copy not yet in place
    store = open_store(tmp_path, durable=True)
    assert {e["entry_id"] for e in store.list_entries()} == set(ids)
    assert [Path(r.path).name for r in store.set_aside_files()] == ["outbox.json"]
