"""The officer sees, in words, entries refused as someone else's and a clock that is off."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app import entries
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form, valid_answers
from tests.field_app_ui.conftest import SCREENS, run_scenario

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(300)]


def _refused(store: Store, entry_id: str, error: str) -> None:
    record = store.get_entry(entry_id)
    record["rejection"] = {
        "error": error,
        "message": "x",
        "message_id": "x",
        "issues": [],
        "at": store.now(),
    }
    store._put_many([record])


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_refused_entries_say_what_to_do_and_the_clock_warning_shows(
    tmp_path: Path, size: str
) -> None:
    device = tmp_path / "data"
    form = kunjungan_form()
    store = Store(device / "store", durable=False)
    store.set_credentials(
        "tok",
        {"username": "petugas", "full_name": "Rina Petugas", "regions": ["16.05"]},
        "http://127.0.0.1:9",
    )
    store.save_forms([form.to_json()])
    store.set_setting("clock_offset", 3 * 365 * 86400.0)  # the tablet is three years behind
    mine = store.create_draft(form.form_id, form.version, "16.05", valid_answers(1))
    theirs = store.create_draft(form.form_id, form.version, "16.71", valid_answers(2))
    moved = store.create_draft(form.form_id, form.version, "16.71", valid_answers(3))
    _refused(store, theirs, "not_owner")
    _refused(store, moved, "region_forbidden")
    store.close()

    result = run_scenario("ownership_messages", device, size=size, open=theirs)

    assert result["clock_warning"].startswith("Jam tablet terlambat sekitar 3 tahun")
    rows = {row["entry_id"]: row for row in result["rows"]}
    assert rows[mine]["deletable"] and rows[mine]["comment"] == ""
    for refused in (theirs, moved):
        assert not rows[refused]["deletable"] and rows[refused]["delete_disabled"]
    assert "milik petugas lain" in rows[theirs]["comment"]
    # never sent: nothing on the server to move, the admin gives the old region back
    assert "Wilayah tugas Anda diubah sebelum entri ini terkirim" in rows[moved]["comment"]
    assert "minta admin mengembalikan wilayah 16.71" in rows[moved]["comment"]
    assert "milik petugas lain" in result["banner"] and "Jangan dihapus" in result["banner"]
    assert "Traceback" not in str(result)
    for name in ("home_clock_warning", "entries_not_owner", "form_not_owner"):
        assert (SCREENS / f"{size}-{name}.png").stat().st_size > 10_000
    again = Store(device / "store", durable=False)
    assert again.get_entry(theirs)["status"] == entries.DRAFT
