"""The dashboard: entries per day (server-drawn SVG), counts by status, observation scores and
the indicator heat map per regency and kecamatan, the community survey's IKM, the map of visit
points and who has not synced, each checked against figures computed here from the pushed
answers; supervisors see only their regions."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from statistics import mean
from typing import Any

import pytest
from flask import Flask

from sync_server import clock as server_clock
from sync_server.review import dashboard_map, pages_dashboard
from sync_server.review.i18n import WIB
from tests.support.server import create_user, engine_of
from tests.sync_server.helpers import FIXTURES, head_answers_text

from .conftest import PASSWORD, as_user
from .data import make_revision, new_entry, push_as

OBS = "/dashboard?form_id=observasi_kabkota_antikorupsi"
SURVEY = "/dashboard?form_id=survei_partisipasi_masyarakat"
RESULTS = ("terpenuhi", "sebagian", "tidak_terpenuhi")

#: (officer, region, kecamatan, changed indicator results, point)
OBSERVATIONS = [
    (
        "petugas_plg",
        "16.71",
        "16.71.04",
        {"hasil_i02": "terpenuhi", "hasil_i03": "terpenuhi"},
        (-2.99, 104.75),
    ),
    ("petugas_plg", "16.71", "16.71.04", {"hasil_i02": "tidak_terpenuhi"}, (-2.98, 104.76)),
    ("petugas_plg", "16.71", "16.71.07", {"hasil_i02": "sebagian"}, (-2.93, 104.70)),
    ("petugas_mura", "16.05", "16.05.09", {"hasil_i02": "terpenuhi"}, (-3.25, 102.90)),
]


def _notes(changes: dict[str, str]) -> dict[str, str]:
    """The notes the form requires for partly/not fulfilled results."""
    return {
        f"catatan_{k[6:]}": "Catatan"
        for k, v in changes.items()
        if v in ("sebagian", "tidak_terpenuhi")
    }


def _seed_observations(app: Flask) -> dict[str, dict[str, Any]]:
    """Push the observations; returns each entry's stored head answers (with the server's
    scores)."""
    heads = {}
    for officer, region, kecamatan, changes, (lat, lon) in OBSERVATIONS:
        revision = new_entry(
            app,
            officer=officer,
            region=region,
            changes={
                "kecamatan": kecamatan,
                **changes,
                **_notes(changes),
                "lokasi": {"latitude": lat, "longitude": lon},
            },
        )
        heads[revision["entry_id"]] = json.loads(
            head_answers_text(engine_of(app), revision["entry_id"])
        )
    return heads


def _table_rows(html: str, table_id: str) -> dict[tuple[str, str], list[str]]:
    table = re.search(rf'<table class="grid[^"]*" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, f"no table {table_id}"
    out = {}
    for region, kecamatan, body in re.findall(
        r'<tr class="[^"]*" data-region="([^"]*)" data-kecamatan="([^"]*)">(.*?)</tr>',
        table.group(1),
        re.S,
    ):
        out[(region, kecamatan)] = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
    return out


def _fmt(values: list[float]) -> str:
    return f"{mean(values):.1f}" if values else "—"


def test_observation_scores_and_heat_map_are_the_entries_figures(app: Flask) -> None:
    heads = _seed_observations(app)
    page = as_user(app, "admin").get(OBS).text
    scores = _table_rows(page, "scores")
    heat = _table_rows(page, "heatmap")
    areas: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for answers in heads.values():
        areas.setdefault((answers["kabkota"], ""), []).append(answers)
        areas.setdefault((answers["kabkota"], answers["kecamatan"]), []).append(answers)
    assert set(scores) == set(areas) == set(heat)
    for area, group in areas.items():
        cells = scores[area]
        assert cells[1] == str(len(group))
        for i in range(1, 7):
            assert cells[1 + i] == _fmt(
                [float(a[f"skor_k{i}"]) for a in group if a.get(f"skor_k{i}") not in (None, "")]
            ), (area, i)
        assert cells[8] == _fmt([float(a["skor_total"]) for a in group]), area
        for i in range(1, 20):
            results = [a.get(f"hasil_i{i:02d}") for a in group]
            counted = [r for r in results if r in RESULTS]
            cell = heat[area][i]
            if not counted:
                assert cell == "—"
                continue
            shares = [100 * counted.count(r) / len(counted) for r in RESULTS]
            assert cell == (
                f"<b>{shares[0]:.0f}%</b><small>{shares[1]:.0f} · {shares[2]:.0f}</small>"
            ), (area, i)
    # names, not codes; the overall score is a weighted mean, never "Jumlah"
    assert "Ilir Barat I" in page and "Sukarami" in page and "Kota Palembang" in page
    assert "Tata Kelola Pemerintahan Daerah" in page and "Kearifan Lokal" in page
    head = re.search(r'id="scores"><thead>(.*?)</thead>', page, re.S).group(1)
    assert "rata-rata tertimbang" in head and "Jumlah" not in head
    english = as_user(app, "admin")
    english.get("/lang/en?next=/")
    assert "weighted mean" in english.get(OBS).text


def test_supervisor_sees_only_their_region(app: Flask) -> None:
    _seed_observations(app)
    page = as_user(app, "spv_plg").get(OBS).text
    for table in ("scores", "heatmap"):
        assert {r for r, _k in _table_rows(page, table)} == {"16.71"}
    assert "Musi Rawas" not in page and "Muara Beliti" not in page
    assert "petugas_mura" not in page
    svg = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="map".*?</svg>', page, re.S)
    assert svg and svg.group(0).count("<circle") == 3  # the three Palembang visits only
    # asking for the other region by hand shows nothing of it
    other = as_user(app, "spv_plg").get(OBS + "&region=16.05").text
    assert 'data-region="16.05"' not in other and "<circle" not in other
    assert "Muara Beliti" not in other


def test_map_places_points_by_latitude_and_longitude(app: Flask) -> None:
    _seed_observations(app)
    page = as_user(app, "admin").get(OBS).text
    svg = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="map".*?</svg>', page, re.S)
    assert svg
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg.group(0))
    assert len(circles) == 4
    points = sorted((float(x), float(y)) for x, y in circles)
    lonlat = sorted((o[4][1], o[4][0]) for o in OBSERVATIONS)
    # west to east = left to right; north (less negative latitude) = up
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    by_x = {lon: y for (lon, _lat), (_x, y) in zip(lonlat, points, strict=True)}
    assert by_x[102.90] > by_x[104.70]  # Musi Rawas lies south of Palembang
    for name in ("Ilir Barat I", "Sukarami", "Muara Beliti"):
        assert f">{name}</text>" in svg.group(0)
    assert re.search(r"<text[^>]*>\d+ km</text>", svg.group(0))
    assert "/entries/" in svg.group(0)  # each point opens its entry


def test_map_groups_many_points_into_cells(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_observations(app)
    monkeypatch.setattr(dashboard_map, "MAX_POINTS", 2)
    monkeypatch.setattr(dashboard_map, "GRID", 3)  # cells of ~0.62 degrees
    page = as_user(app, "admin").get(OBS).text
    svg = re.search(r'class="map".*?</svg>', page, re.S).group(0)
    tips = re.findall(r"<title>[^<]*?(\d+) entri</title>", svg)
    assert sorted(int(n) for n in tips) == [1, 3]  # Musi Rawas; the three Palembang visits
    assert "/entries/" not in svg
    english = as_user(app, "admin")
    english.get("/lang/en?next=/")
    svg = re.search(r'class="map".*?</svg>', english.get(OBS).text, re.S).group(0)
    tips = re.findall(r"<title>[^<]*?(\d+ entr(?:y|ies))</title>", svg)
    assert sorted(tips) == ["1 entry", "3 entries"]  # the noun follows the count


def _survey(
    app: Flask, officer: str, region: str, kecamatan: str | None, elements: list[int] | None
) -> None:
    name = "survei_complete.json" if elements else "survei_declined.json"
    answers = json.loads((FIXTURES / name).read_text("utf-8"))
    if elements:
        answers.update(kabkota=region, kecamatan=kecamatan)
        answers.update({f"skm_u{i + 1}": str(v) for i, v in enumerate(elements)})
    revision = make_revision(
        copy.deepcopy(answers),
        region=region,
        officer=officer,
        form_id="survei_partisipasi_masyarakat",
        form_version="2024110101",
    )
    assert push_as(app, officer, [revision])[0]["status"] == "stored"


def test_survey_ikm_per_element_with_grade_and_consent(app: Flask) -> None:
    plg = [[4] * 9, [3, 3, 3, 4, 3, 4, 4, 3, 3]]
    mura = [[2, 2, 3, 2, 2, 3, 2, 2, 2]]
    for elements in plg:
        _survey(app, "petugas_plg", "16.71", "16.71.04", elements)
    _survey(app, "petugas_plg", "16.71", None, None)  # declined
    for elements in mura:
        _survey(app, "petugas_mura", "16.05", "16.05.01", elements)
    page = as_user(app, "admin").get(SURVEY).text
    rows = _table_rows(page, "ikm")
    for (region, kecamatan), group, asked in (
        (("16.71", ""), plg, 3),
        (("16.71", "16.71.04"), plg, 2),
        (("16.05", ""), mura, 1),
    ):
        cells = rows[(region, kecamatan)]
        assert cells[1] == str(len(group))
        assert cells[2] == f"{100 * len(group) / asked:.0f}%"
        element_means = [mean(g[i] for g in group) for i in range(9)]
        assert cells[5:14] == [f"{25 * m:.2f}" for m in element_means]
        ikm = 25 * mean(element_means)
        assert cells[3] == f"{ikm:.2f}"
        grade = "A" if ikm >= 88.31 else "B" if ikm >= 76.61 else "C" if ikm >= 65 else "D"
        assert f'<span class="grade">{grade}</span>' in cells[4]
    # the declined interview has no kecamatan: its own row, no respondent, consent 0%
    declined = rows[("16.71", "-")]
    assert "(tanpa kecamatan)" in declined[0] and declined[1:3] == ["0", "0%"]
    assert declined[3] == "—"
    assert "Persyaratan" in page  # the SKM element names
    spv = as_user(app, "spv_plg").get(SURVEY).text
    assert {r for r, _k in _table_rows(spv, "ikm")} == {"16.71"}


def _api_token(app: Flask, username: str, device: str) -> str:
    resp = app.test_client().post(
        "/api/v1/sessions",
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    assert resp.status_code == 201, resp.text
    return resp.json["token"]


def test_who_has_not_synced_shows_last_contact_and_waiting_entries(app: Flask) -> None:
    create_user(app, "petugas_baru", PASSWORD, "officer", ["16.71"])
    new_entry(app)  # an entry pushed through the service: not a tablet's contact
    token = _api_token(app, "petugas_plg", "tab-plg-1")
    resp = app.test_client().get(
        "/api/v1/sync/pull",
        headers={"Authorization": f"Bearer {token}", "X-Device-Report": "waiting=4, drafts=2"},
    )
    assert resp.status_code == 200
    mura = _api_token(app, "petugas_mura", "tab-mura-1")
    assert (
        app.test_client()
        .get("/api/v1/forms", headers={"Authorization": f"Bearer {mura}"})
        .status_code
        == 200
    )
    page = as_user(app, "spv_plg").get("/dashboard").text
    rows = dict(re.findall(r'<tr class="(stale|)" data-officer="(\w+)">', page)[::1])
    flags = {
        name: flag for flag, name in re.findall(r'<tr class="(stale|)" data-officer="(\w+)">', page)
    }
    assert flags == {"petugas_baru": "stale", "petugas_plg": ""}, rows
    row = re.search(r'data-officer="petugas_plg">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num waiting">4</td>' in row and "tab-plg-1" in row
    assert "petugas_mura" not in page and "tab-mura-1" not in page
    admin = as_user(app, "admin").get("/dashboard").text
    mura_row = re.search(r'data-officer="petugas_mura">(.*?)</tr>', admin, re.S).group(1)
    assert '<td class="num waiting">—</td>' in mura_row  # contact without a report


def test_chart_and_counts(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # One server clock for the pushes and the page, stopped at 00:30 WIB (17:30 UTC the day
    # before): the bar of the WIB day holds the entries, and no WIB midnight can fall between
    # the pushes and the page (or the test's own reading of the day), as it could on the wall
    # clock.
    moment = datetime.now(WIB).replace(hour=0, minute=30, second=0, microsecond=0)

    class Stopped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    monkeypatch.setattr(server_clock, "datetime", Stopped)
    monkeypatch.setattr(pages_dashboard, "datetime", Stopped)
    _seed_observations(app)
    page = as_user(app, "admin").get(OBS).text
    assert moment.astimezone(UTC).date() != moment.date()
    assert f"<title>{moment.day}/{moment.month}: 4</title>" in page
    assert page.count('class="bar"') == 30
    assert "jumlah 4" in page


def test_ikm_grades_follow_the_regulations_bounds() -> None:
    from sync_server.review.dashboard_areas import grade_of

    cases = {
        100.0: "A",
        88.31: "A",
        88.3: "B",
        76.61: "B",
        76.6: "C",
        65.0: "C",
        64.99: "D",
        25.0: "D",
        None: None,
    }
    assert {value: grade_of(value) for value in cases} == cases
