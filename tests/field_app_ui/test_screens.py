"""Screenshots of every main screen at 1280x800 (landscape) and 800x1280 (portrait).

They are saved under ``test-artifacts/screens/`` to be looked at; the assertions check that
the screens were reached and that labels follow the language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
