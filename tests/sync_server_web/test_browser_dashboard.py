"""The dashboard in Chromium: the score table, the indicator heat map, the map of visit points,
the community survey's IKM and who has not synced, on a desktop and at 390 px wide, and a
regional supervisor who sees only Palembang. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import LiveServer, start_live_server
from tests.sync_server.helpers import FIXTURES, Client, make_revision, observation_answers

from .conftest import seed_accounts
from .test_browser import ARTIFACTS, browser, sign_in

__all__ = ["browser"]  # the shared Chromium fixture of test_browser.py

pytestmark = pytest.mark.browser

OBS = "/dashboard?form_id=observasi_kabkota_antikorupsi"
SURVEY = "/dashboard?form_id=survei_partisipasi_masyarakat"
RESULTS = ("terpenuhi", "sebagian", "tidak_terpenuhi", "terpenuhi")
#: region, kecamatan, point of the visits: Palembang's centre, Musi Rawas around Muara Beliti
VISITS = [
    ("16.71", "16.71.04", -2.9909, 104.7566),
    ("16.71", "16.71.04", -2.9861, 104.7502),
    ("16.71", "16.71.07", -2.9290, 104.7180),
    ("16.71", "16.71.07", -2.9350, 104.7040),
    ("16.71", "16.71.14", -3.0120, 104.8080),
    ("16.05", "16.05.09", -3.2870, 102.8750),
    ("16.05", "16.05.09", -3.2790, 102.8900),
    ("16.05", "16.05.01", -3.2050, 102.9700),
]


def _observation(region: str, kecamatan: str, lat: float, lon: float, n: int) -> dict[str, Any]:
    answers = dict(observation_answers(region), kecamatan=kecamatan)
    answers["lokasi"] = {"latitude": lat, "longitude": lon, "accuracy": 5.0}
    for i in range(2, 19, 3):  # vary some indicators between the visits
        result = RESULTS[(i + n) % len(RESULTS)]
        answers[f"hasil_i{i:02d}"] = result
        if result != "terpenuhi":
            answers[f"catatan_i{i:02d}"] = "Catatan pengamatan"
    return answers


def _survey(region: str, kecamatan: str, elements: list[int]) -> dict[str, Any]:
    answers = json.loads((FIXTURES / "survei_complete.json").read_text("utf-8"))
    answers.update(kabkota=region, kecamatan=kecamatan)
    answers.update({f"skm_u{i + 1}": str(v) for i, v in enumerate(elements)})
    return answers


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(
        tmp_path_factory.mktemp("dash") / "instance", SESSION_COOKIE_SECURE=False
    )
    seed_accounts(server.app)
    officers = {
        "16.71": Client(server.url, "petugas_plg"),
        "16.05": Client(server.url, "petugas_mura"),
    }
    for n, (region, kecamatan, lat, lon) in enumerate(VISITS):
        officer = "petugas_plg" if region == "16.71" else "petugas_mura"
        rev = make_revision(
            _observation(region, kecamatan, lat, lon, n), region=region, officer=officer
        )
        assert officers[region].push(rev)[0]["status"] == "stored"
    for region, kecamatan, elements in (
        ("16.71", "16.71.04", [4, 4, 3, 4, 3, 4, 4, 3, 4]),
        ("16.71", "16.71.07", [3, 3, 3, 2, 3, 3, 3, 3, 3]),
        ("16.05", "16.05.09", [2, 2, 3, 2, 2, 3, 2, 2, 2]),
    ):
        officer = "petugas_plg" if region == "16.71" else "petugas_mura"
        rev = make_revision(
            copy.deepcopy(_survey(region, kecamatan, elements)),
            region=region,
            officer=officer,
            form_id="survei_partisipasi_masyarakat",
            form_version="2024110101",
        )
        assert officers[region].push(rev)[0]["status"] == "stored"
    # a tablet that syncs with 3 entries waiting and 1 draft
    resp = officers["16.71"].get("/sync/pull", headers={"X-Device-Report": "waiting=3, drafts=1"})
    assert resp.status_code == 200
    try:
        yield server
    finally:
        server.stop()


def _page(browser: Any, live: LiveServer, width: int, height: int) -> Any:
    context = browser.new_context(base_url=live.url, viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    return context.new_page()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_dashboard_heat_map_and_map_on_a_desktop(browser: Any, live: LiveServer) -> None:
    page = _page(browser, live, 1280, 900)
    sign_in(page, "admin")
    page.goto(OBS)
    page.wait_for_selector("#heatmap")
    # regencies and kecamatan by name, 19 indicator columns under the component names
    assert page.locator("#heatmap tbody tr").count() == 2 + 5
    assert page.locator("#heatmap thead tr").nth(1).locator("th").count() == 19
    header = page.inner_text("#heatmap thead")
    assert "Tata Kelola Pemerintahan Daerah" in header and "Kearifan Lokal" in header
    assert "Muara Beliti" in page.inner_text("#heatmap") and "Plaju" in page.inner_text("#heatmap")
    # the stylesheet is applied under the page's CSP: a full cell is dark blue with white text
    dark = page.locator("#heatmap td.heat-4").first
    assert dark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(8, 81, 156)"
    assert dark.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert "%" in dark.inner_text()  # the value is written, not only coloured
    assert "rata-rata tertimbang" in page.inner_text("#scores thead")
    # the map: one point per visit, placed west to east, kecamatan names, a scale in km
    circles = page.locator("svg.map circle")
    assert circles.count() == len(VISITS)
    xs = sorted(float(circles.nth(i).get_attribute("cx")) for i in range(circles.count()))
    assert xs[-1] - xs[0] > 300  # Musi Rawas ~200 km west of Palembang on a 720 px map
    labels = page.locator("svg.map text.map-label").all_text_contents()
    assert {"Muara Beliti", "Ilir Barat I", "Sukarami", "Tugumulyo", "Plaju"} <= set(labels)
    assert "km" in (page.text_content("svg.map .map-scale") or "")
    box = page.locator("svg.map").bounding_box()
    assert box["width"] > 600
    # who has not synced: the tablet's report at its last contact
    row = page.locator('#last-sync tr[data-officer="petugas_plg"]')
    assert row.locator("td.waiting").inner_text() == "3"
    _shot(page, "20-dashboard-observation")
    page.locator("#heatmap-card").screenshot(path=str(ARTIFACTS / "21-heat-map.png"))
    page.locator("#map-card").screenshot(path=str(ARTIFACTS / "22-map.png"))
    page.goto(SURVEY)
    page.wait_for_selector("#ikm")
    text = page.inner_text("#ikm")
    assert "Persyaratan" in text and "Sangat Baik" in text
    _shot(page, "23-dashboard-survey")
    page.context.close()


def test_regional_supervisor_sees_only_palembang(browser: Any, live: LiveServer) -> None:
    page = _page(browser, live, 1280, 900)
    sign_in(page, "spv_plg")
    page.goto(OBS)
    page.wait_for_selector("#heatmap")
    body = page.inner_text("body")
    for other in ("Musi Rawas", "Muara Beliti", "Tugumulyo", "petugas_mura"):
        assert other not in body, other
    assert page.locator("svg.map circle").count() == 5
    page.goto(OBS + "&region=16.05")
    assert page.locator("svg.map circle").count() == 0
    assert "Musi Rawas" not in page.inner_text("body")
    page.goto(SURVEY)
    assert "Musi Rawas" not in page.inner_text("body")
    _shot(page, "24-dashboard-spv-plg")
    page.context.close()


def test_dashboard_at_390_px(browser: Any, live: LiveServer) -> None:
    page = _page(browser, live, 390, 844)
    sign_in(page, "admin")
    page.goto(OBS)
    page.wait_for_selector("#heatmap")
    # the page itself does not scroll sideways: wide tables scroll inside their card
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, width
    scroller = page.locator("#heatmap-card .scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    map_box = page.locator("svg.map").bounding_box()
    assert 300 < map_box["width"] <= 390
    assert page.locator("svg.map circle").count() == len(VISITS)
    _shot(page, "25-dashboard-390px")
    page.locator("#map-card").screenshot(path=str(ARTIFACTS / "26-map-390px.png"))
    page.context.close()
