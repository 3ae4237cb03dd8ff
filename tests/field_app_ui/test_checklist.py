"""Filling the 19-indicator checklist (issue 17): taps, where am I, a refused Next, contrast.

The real app offscreen, driven through its widgets (``scenarios_checklist.py``), at 1280x800
and 800x1280; screenshots in ``test-artifacts/screens/``, contrast figures in
``test-artifacts/contrast-<size>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from field_app.ui import navigation
from field_app.ui.app import BACKGROUND
from survey_forms import load_pilot_form
from tests.field_app_ui.conftest import ROOT, SCREENS, run_scenario
from tests.field_app_ui.contrast import (
    colours,
    contrast,
    dominant,
    on_background,
    ring,
    strongest_against,
)
from tests.support.server import LiveServer

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(900)]

SIZES = ("1280x800", "800x1280")
MODULE = "scenarios_checklist"
#: measured taps of a whole observation (home button to finalized); see README
FULFILLED_TAPS = 49
MIXED_TAPS = 50
WCAG_NON_TEXT = 3.0


@pytest.fixture(scope="module")
def devices(ui_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A signed-in tablet per screen size."""
    found = {}
    for size in SIZES:
        device = tmp_path_factory.mktemp(f"checklist-{size}") / "data"
        run_scenario("first_run", device, server=ui_server.url, size=size, wrong="0")
        found[size] = device
    return found


def test_taps_of_a_whole_observation(devices: dict[str, Path]) -> None:
    device = devices["1280x800"]
    fulfilled = run_scenario(f"{MODULE}:observation_taps", device, mode="fulfilled")
    mixed = run_scenario(f"{MODULE}:observation_taps", device, mode="mixed")
    for result in (fulfilled, mixed):
        assert result["status"] == "finalized"
        assert result["popups_after_finalize"] == 0  # finishing costs no extra tap
        # the last page of a ready entry finalizes: no summary page to pass through
        assert result["last_button"] == "Finalisasi"
    # 19 findings + 19 pieces of evidence are taps no layout can save; the rest is
    # navigation: a page per component (components 1-2 and 5-6 share one: 4 pages for 19
    # indicators), no note pages (7)
    assert fulfilled["taps"] <= FULFILLED_TAPS < 50, fulfilled
    assert fulfilled["typed"] == 4  # unit name, staff present, their names, MCP score
    assert fulfilled["page_count"] == 7
    assert fulfilled["shared_headings"] == ["Komponen 1: Tata Kelola Pemerintahan Daerah",
                                            "Komponen 2: Peningkatan Kualitas Pengawasan"]
    assert mixed["taps"] <= MIXED_TAPS, mixed
    figures = {"fulfilled": [fulfilled["taps"], fulfilled["typed"], fulfilled["page_count"]],
               "mixed": [mixed["taps"], mixed["typed"], len(mixed["pages"])]}
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "taps.json").write_text(json.dumps(figures), "utf-8")


@pytest.mark.parametrize("size", SIZES)
def test_where_am_i(devices: dict[str, Path], size: str) -> None:
    result = run_scenario(f"{MODULE}:where_am_i", devices[size], size=size)
    form = load_pilot_form("observasi")
    sections = navigation.sections(form)
    assert [s.number for s in sections.values()] == list(range(1, 20))
    lines = result["lines"]
    indicators = [line for line in lines if line[0] == 1]
    assert [line[5] for line in indicators] == list(sections)  # every indicator, in order
    for line in indicators:  # each sits under its component's heading, on its page
        heading = next(h for h in reversed(lines[:lines.index(line)]) if h[0] == 0)
        component = form.question(sections[line[5]].parent).label("id")
        assert heading[1] == component and heading[4] == line[4]
    assert all(line[3] in ("answered", "required", "error", "empty") for line in lines)
    assert lines[0][3] == "required" and "Mal Pelayanan Publik" in lines[0][2]
    assert indicators[-1][3] == "required"  # a page never visited is marked too
    assert result["first_previous_disabled"]
    # a tap on an indicator of a page never visited: its page, scrolled to it
    # (components 1 and 2 share page 2)
    assert result["jumped_position"].startswith("Halaman 2 dari 7")
    assert "Indikator 1–7 dari 19" in result["jumped_position"]
    assert result["header_kicker"] == ("Indikator 6 dari 19 · Komponen 2: Peningkatan "
                                       "Kualitas Pengawasan")
    assert result["header_in_view"]
    after = {line[5] or line[1]: line for line in result["lines_after"]}
    assert after["indikator_i06"][3] == "error"
    assert after["indikator_i06"][2].startswith("Terpenuhi · Perda")
    assert after["komponen_2"][1] == "Komponen 2: Peningkatan Kualitas Pengawasan"
    assert after["komponen_2"][3] == "error"  # its heading on the shared page
    assert result["state_words"]["indikator_i06"] == "Perlu diperbaiki"
    assert result["state_words"]["indikator_i07"] == "Wajib diisi"
    # the summary lists every blocking issue (more than 40), Next is gone there
    assert result["summary_issue_buttons"] == result["summary_issues"] > 40
    assert result["summary_next_disabled"] and result["summary_next_opacity"] == 0
    assert result["issue_in_view"]  # a tap on an issue opens its page scrolled to it
    assert result["issue_message"] == ["Pertanyaan ini wajib diisi.", True]
    assert result["popups_after_leave"] == 0  # a toast says the draft is kept: no tap
    assert result["toast"].startswith("Draf tersimpan di tablet.")
    for name in ("where_navigator_start", "where_indicator_page", "where_navigator_marks",
                 "where_summary", "where_left_toast"):
        assert (SCREENS / f"{size}-{name}.png").stat().st_size > 10_000


@pytest.mark.parametrize("size", SIZES)
def test_refused_next_shows_the_first_message(devices: dict[str, Path], size: str) -> None:
    result = run_scenario(f"{MODULE}:refused_next", devices[size], size=size)
    visit, indicator = result["refused"]
    assert visit["position"] == "Halaman 1 dari 7" and visit["framed"] == ["kecamatan"]
    assert indicator["framed"] == ["catatan_i01"]  # below the fold of a long page
    for found in (visit, indicator):
        assert found["message"]
        assert found["label_in_view"] and found["message_in_view"], found


@pytest.mark.parametrize("size", SIZES)
def test_controls_contrast_outdoors(devices: dict[str, Path], size: str) -> None:
    result = run_scenario(f"{MODULE}:contrast_pages", devices[size], size=size)
    figures: dict[str, float] = {}

    def record(name: str, ratio: float) -> None:
        figures[name] = round(min(ratio, figures.get(name, 99.0)), 2)

    for shot, controls in result["shots"].items():
        image = on_background(SCREENS / f"{size}-{shot}.png", BACKGROUND)
        assert list(image.size) == result["size"]
        kinds = {c["kind"] for c in controls}
        assert shot.split("_")[1] in kinds, (shot, kinds)
        assert any(c["active"] for c in controls) and any(not c["active"] for c in controls)
        _measure_rows(image, controls, record)
    image = on_background(SCREENS / f"{size}-contrast_checkbox.png", BACKGROUND)
    bar = result["progress"]["box"]
    done = bar[0] + (bar[2] - bar[0]) * result["progress"]["fraction"]
    track = dominant(image, (done + 4, bar[1] + 2, bar[2] - 4, bar[3] - 2))
    filled = dominant(image, (bar[0] + 2, bar[1] + 2, done - 4, bar[3] - 2))
    record("progress done vs track", contrast(filled, track))
    (ROOT / "test-artifacts" / f"contrast-{size}.json").write_text(
        json.dumps(figures, indent=1), "utf-8")
    low = {name: ratio for name, ratio in figures.items() if ratio < WCAG_NON_TEXT}
    assert not low, (low, figures)
    assert len(figures) >= 10, figures
    texts = result["chooser_texts"]
    assert {"Nama berkas", "Ukuran", "Pilih berkas foto", "Batal", "Gunakan foto ini"} <= set(
        texts), texts
    assert not {"Name", "Size"} & set(texts), texts


def _measure_rows(image: Image.Image, controls: list[dict], record: Any) -> None:
    """Border, fill and box/circle of every choice row in view, against what is around."""
    idle_fill = None
    for control in controls:
        row, mark = control["row"], control["mark"]
        fill = dominant(image, row)
        outside = [dominant(image, band) for band in ring(row, 3)]
        state = "selected" if control["active"] else "unselected"
        if not control["active"]:
            idle_fill = fill
            edge = colours(image, (row[0] - 1, row[1] - 1, row[2] + 1, row[1] + 2), 0.02)
            border = max((rgb for rgb, _ in edge), key=lambda rgb: contrast(rgb, fill))
            record("row border vs row", contrast(border, fill))
            record("row border vs page", min(contrast(border, o) for o in outside))
        else:
            record("selected-row fill vs page", min(contrast(fill, o) for o in outside))
        _rgb, ratio = strongest_against(image, mark, fill)
        record(f"{control['kind']} ({state}) vs its row", ratio)
        if control["active"]:  # the tick / dot inside the white box or circle
            inner = dominant(image, mark)
            _tick, tick_ratio = strongest_against(image, _shrink(mark, 6), inner)
            record(f"{control['kind']} mark inside", tick_ratio)
    selected = next(c for c in controls if c["active"])
    assert idle_fill is not None
    record("selected-row fill vs unselected row",
           contrast(dominant(image, selected["row"]), idle_fill))


def _shrink(box: list[float], by: float) -> tuple[float, float, float, float]:
    return (box[0] + by, box[1] + by, box[2] - by, box[3] - by)


@pytest.mark.parametrize("size", SIZES)
def test_long_choice_lists_are_searchable(devices: dict[str, Path], size: str) -> None:
    result = run_scenario(f"{MODULE}:choice_search", devices[size], size=size)
    assert result["rows_before"] == 18
    assert result["rows_ilir"] == ["Ilir Barat I", "Ilir Barat II", "Ilir Timur I",
                                   "Ilir Timur II", "Ilir Timur III"]
    assert result["chosen"] == "16.71.16"
    assert result["rows_folded"] == ["Sematang Borang"]
    assert result["show_all"] == "Tampilkan semua pilihan (18)"
    assert result["no_match"] == 'Tidak ada pilihan yang cocok dengan "tidak ada".'
    assert result["rows_all"] == 18
    assert not result["short_list_search"]  # five choices: no search field
