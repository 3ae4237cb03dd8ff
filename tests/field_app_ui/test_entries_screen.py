"""The entries screen with a season of sent entries: paging, "load more" and search.

Screenshots at 1280x800 and 800x1280; the time to open the Sent list and to load one more page
is recorded (printed with ``-s``) and held to a loose bound (the machine running the tests is
shared; docs/field_app.md has the figures measured on a quiet run).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from field_app.store import Store
from survey_forms import load_pilot_form
from tests.field_app_ui.conftest import SCREENS, run_scenario

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(600)]

SEASON = 2000
FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
#: Entries whose unit is "Dinas Kesehatan" (the oldest is far beyond the first pages).
DINAS = (7, 1000, 1999)


def season(device: Path) -> None:
    """A signed-in device with a season of sent observations, as pulled from the server."""
    form = load_pilot_form("observasi")
    answers = json.loads((FIXTURE / "observasi_complete.json").read_text("utf-8"))
    store = Store(device / "store", durable=False)
    store.set_credentials("tok", {"username": "petugas", "full_name": "Rina Petugas",
                                  "regions": ["16.71"]}, "http://127.0.0.1:9")
    store.save_forms([form.to_json()])
    changes = []
    for number in range(SEASON):
        entry = copy.deepcopy(answers)
        entry["nama_unit"] = "Dinas Kesehatan" if number in DINAS else f"Kelurahan {number:04d}"
        changes.append({"kind": "entry", "seq": number + 1, "entry_id": f"e-{number:04d}",
                        "rev": "1-" + "a" * 32, "parent_rev": None, "form_id": form.form_id,
                        "form_version": form.version, "region": "16.71", "answers": entry,
                        "meta": {}, "review_status": "received", "review_comment": None,
                        "conflicts": []})
    store.apply_pull(changes, "season")
    store.close()


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_sent_list_pages_and_searches_a_season(tmp_path: Path, size: str) -> None:
    device = tmp_path / "data"
    season(device)

    result = run_scenario("entries_paging", device, size=size)

    assert result["sent"] == SEASON
    newest = [f"e-{n:04d}" for n in range(SEASON - 1, SEASON - 121, -1)]
    assert result["first_page"] == newest[:60]
    assert 0 < result["rows_built"] < 30  # only the rows on screen are widgets
    assert result["shown_first"] == "Menampilkan 60 dari 2000 entri"
    assert result["load_more_height"] >= 56  # a touch target
    assert result["after_more"] == newest
    assert result["shown_after_more"] == "Menampilkan 120 dari 2000 entri"
    found = result["found"]  # every match, though only 120 entries were loaded
    assert sorted(found) == [f"e-{n:04d}" for n in DINAS]
    assert result["found_listed"] == [f"e-{n:04d}" for n in reversed(DINAS)]
    assert all("Dinas Kesehatan" in name for name in found.values())
    assert not result["found_more"]
    assert result["shown_found"] == ('Menampilkan 3 dari 3 entri yang cocok dengan '
                                     '"DINAS KESEHATAN"')
    assert result["no_match"] == ['Tidak ada entri dengan status ini yang cocok dengan '
                                  '"tidak ada yang cocok".']
    assert result["after_clear"] == 60
    assert result["opened"] == "e-0007" and result["opened_read_only"]
    assert result["revisit"] == ["", "", 60]
    timings = result["timings"]
    print(size, {k: timings[k] for k in ("open_sent", "load_more", "names_ready_ms")})
    assert timings["open_sent"]["handler_ms"] < 2000  # loose: see the module docstring
    assert timings["load_more"]["handler_ms"] < 2000
    for name in ("entries_sent", "entries_sent_end", "entries_sent_more", "entries_search"):
        shot = SCREENS / f"{size}-{name}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot
