"""Screenshots of every main screen at 1280x800 (landscape) and 800x1280 (portrait).

They are saved under ``test-artifacts/screens/`` to be looked at; the assertions check that
the screens were reached and that labels follow the language.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from field_app.store import Store
from survey_forms import load_pilot_form
from tests.field_app_ui.conftest import SCREENS, run_scenario
from tests.support.server import LiveServer

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(600)]


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_every_main_screen(ui_server: LiveServer, tmp_path: Path, size: str) -> None:
    device = tmp_path / "data"
    signed_in = run_scenario("first_run", device, server=ui_server.url, size=size, wrong="0")
    assert signed_in["officer"] == "Rina Petugas"
    toured = run_scenario("tour", device, size=size)
    assert toured["english_back"] == "Back"
    assert toured["summary_buttons"] > 5  # one per blocking issue (required questions)
    assert toured["server_after_sign_out"] == ui_server.url
    assert toured["signed_in_after_sign_out"] is False
    assert Store(device / "store", durable=False).list_entries(status="draft")  # kept
    for name in ("first_run", "home", "entries", "settings", "form_first_page",
                 "form_required_errors", "form_navigator", "form_summary_blocked"):
        shot = SCREENS / f"{size}-{name}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot


def test_errors_are_said_in_words(ui_server: LiveServer, tmp_path: Path) -> None:
    device = tmp_path / "data"
    run_scenario("first_run", device, server=ui_server.url, wrong="0")
    result = run_scenario("error_shown", device)
    assert result["message"].startswith("Terjadi kesalahan tak terduga.")
    assert "Traceback" not in result["message"]
    assert result["screen"] == "home"


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_conflict_and_sent_entries_open_read_only(ui_server: LiveServer, tmp_path: Path,
                                                  size: str) -> None:
    device = tmp_path / "data"
    run_scenario("first_run", device, server=ui_server.url, size=size, wrong="0")
    form = load_pilot_form("observasi")
    answers = json.loads((Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
                          / "observasi_complete.json").read_text("utf-8"))
    base = {"kind": "entry", "parent_rev": None, "form_id": form.form_id,
            "form_version": form.version, "region": "16.71", "answers": answers,
            "meta": {"officer": "petugas"}, "review_comment": None}
    conflicts = [{"path": "nama_unit", "base": "MPP", "ours": "Mal Pelayanan Publik",
                  "theirs": "MPP Kota Palembang"}]
    store = Store(device / "store", durable=False)
    store.apply_pull([  # the server's pull feed, as the sync client stores it
        {**base, "seq": 1, "entry_id": "e-sent", "rev": "1-" + "a" * 32,
         "review_status": "received", "conflicts": []},
        {**base, "seq": 2, "entry_id": "e-conflict", "rev": "2-" + "b" * 32,
         "review_status": "conflict", "conflicts": conflicts},
    ], "seeded")
    store.close()
    result = run_scenario("conflict_view", device, size=size)
    assert result["read_only"] and result["field_disabled"]
    # conflicts without their writers (recorded before the server kept them), nothing sent
    # from this tablet: both values shown, neither claimed as the officer's
    assert ("nilai lain (asal tidak diketahui) = Mal Pelayanan Publik; "
            "nilai lain (asal tidak diketahui) = MPP Kota Palembang") in result["banner"]
    assert result["sent_read_only"]
    assert result["sent_banner"] == "Hanya dapat dilihat (status: Terkirim)."
    assert result["screens"] == [f"{size}-entries_conflict.png", f"{size}-form_conflict.png"]
