"""The real app started on a data folder whose store has a damaged draft file."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.recovery import CORRUPT_MARKER
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form, valid_answers
from tests.field_app_ui.conftest import SCREENS, run_scenario

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(300)]


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_a_damaged_draft_is_reported_instead_of_a_crash(tmp_path: Path, size: str) -> None:
    device = tmp_path / "data"
    form = kunjungan_form()
    store = Store(device / "store", durable=False)
    store.set_credentials("tok", {"username": "petugas", "full_name": "Rina Petugas",
                                  "regions": ["16.71"]}, "http://127.0.0.1:9")
    store.save_forms([form.to_json()])
    keep = store.create_draft(form.form_id, form.version, "16.71", valid_answers(1))
    bad = store.create_draft(form.form_id, form.version, "16.71", valid_answers(2))
    store.close()
    bad_file = device / "store" / "drafts" / f"{bad}.json"
    bad_file.write_bytes(b"\0" * bad_file.stat().st_size)  # a zero-filled flash page

    result = run_scenario("set_aside_message", device, size=size)

    [kept] = sorted((device / "store" / "drafts").glob(f"{bad}.json{CORRUPT_MARKER}*"))
    message = result["message"]
    assert message.startswith("Ada 1 berkas data di tablet ini yang tidak dapat dibaca")
    assert str(kept) in message and "Satu draf entri" in message
    assert "Isinya tidak dapat dipulihkan" in message
    assert "Traceback" not in message
    assert result["counts"]["draft"] == 1
    assert result["tiles"] == result["counts"]  # the numbers drawn on the home screen
    assert result["unseen_after_ok"] == 0  # said once; the report stays in the store
    again = Store(device / "store", durable=False)
    assert again.has_entry(keep) and not again.has_entry(bad)
    assert kept.read_bytes() == b"\0" * len(kept.read_bytes())
    assert result["screens"] == [f"{size}-store_set_aside.png", f"{size}-store_set_aside_home.png"]
    assert (SCREENS / f"{size}-store_set_aside.png").stat().st_size > 10_000


def test_a_store_that_cannot_open_is_said_in_both_languages(tmp_path: Path) -> None:
    device = tmp_path / "data"
    device.mkdir()
    (device / "store").write_bytes(b"\0" * 64)  # the store folder is a damaged file

    result = run_scenario("store_cannot_open", device)

    assert result["manager"] is False  # no screens: only the message
    indonesian, english = result["text"].split("\n\n")
    assert indonesian.startswith("Data di tablet ini tidak dapat dibuka")
    assert english.startswith("The data on this tablet cannot be opened")
    assert str(device / "store") in indonesian and "Traceback" not in result["text"]
    assert (device / "store").read_bytes() == b"\0" * 64  # nothing written over
