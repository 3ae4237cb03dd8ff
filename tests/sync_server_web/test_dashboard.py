"""The dashboard: entries per day (server-drawn SVG), counts by status, last sync per officer,
observation scores per region (checked against averages computed here)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from statistics import mean
from typing import Any

from flask import Flask

from sync_server.review.i18n import WIB
from tests.support.server import create_user, engine_of
from tests.sync_server.helpers import head_answers_text, store_head_directly

from .conftest import as_user
from .data import new_entry

SCORES = {
    "16.71": [
        {
            "skor_k1": "100",
            "skor_k2": "50",
            "skor_k3": "80",
            "skor_k4": "60",
            "skor_k5": "70",
            "skor_k6": "40",
            "skor_total": "66.67",
        },
        {
            "skor_k1": "50",
            "skor_k2": "75",
            "skor_k3": "NaN",  # ODK's value of a sum with an empty part: left out
            "skor_k4": "90",
            "skor_k5": "70",
            "skor_k6": "60",
            "skor_total": "69",
        },
    ],
    "16.05": [
        {
            "skor_k1": "20",
            "skor_k2": "30",
            "skor_k3": "40",
            "skor_k4": "50",
            "skor_k5": "60",
            "skor_k6": "70",
            "skor_total": "45",
        },
    ],
}


def store_scores(app: Flask, entry_id: str, scores: dict[str, Any]) -> None:
    """Store score values straight in the database as an entry's head (the server computes
    the scores of what tablets push: chosen averages need values stored as older data)."""
    engine = engine_of(app)
    answers = json.loads(head_answers_text(engine, entry_id))
    answers.update(scores)
    store_head_directly(engine, entry_id, json.dumps(answers))


def _seed(app: Flask) -> None:
    for region, rows in SCORES.items():
        officer = "petugas_plg" if region == "16.71" else "petugas_mura"
        for scores in rows:
            revision = new_entry(app, officer=officer, region=region)
            store_scores(app, revision["entry_id"], scores)


def _score_row(html: str, region: str) -> list[str]:
    table = re.search(r'<table class="grid" id="scores">(.*?)</table>', html, re.S)
    assert table, "no score table"
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        if f'<code class="small">{region}</code>' in row:
            return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    raise AssertionError(f"no row for {region}")


def test_scores_per_region_are_the_averages(app: Flask) -> None:
    _seed(app)
    page = as_user(app, "admin").get("/dashboard?form_id=observasi_kabkota_antikorupsi").text
    for region, rows in SCORES.items():
        cells = _score_row(page, region)
        assert cells[0] == str(len(rows))
        for key, cell in zip(
            ("skor_k1", "skor_k2", "skor_k3", "skor_k4", "skor_k5", "skor_k6", "skor_total"),
            cells[1:],
            strict=True,
        ):
            values = [float(r[key]) for r in rows if r[key] not in ("", "NaN")]
            assert cell == f"{mean(values):.1f}", (region, key)
    assert "Kota Palembang" in page  # region label from the form's choices


def test_supervisor_sees_only_own_region_on_the_dashboard(app: Flask) -> None:
    _seed(app)
    page = as_user(app, "spv_plg").get("/dashboard?form_id=observasi_kabkota_antikorupsi").text
    assert '<code class="small">16.05</code>' not in page
    assert _score_row(page, "16.71")[0] == "2"
    assert "petugas_mura" not in page


def test_chart_and_counts(app: Flask) -> None:
    _seed(app)
    page = as_user(app, "admin").get("/dashboard?form_id=observasi_kabkota_antikorupsi").text
    today = datetime.now(UTC).astimezone(WIB)
    assert f"<title>{today.day}/{today.month}: 3</title>" in page
    assert page.count('class="bar"') == 30
    assert "jumlah 3" in page


def test_last_sync_flags_officers_who_never_synced(app: Flask) -> None:
    create_user(app, "petugas_baru", "rahasia-123", "officer", ["16.71"])
    new_entry(app)
    page = as_user(app, "spv_plg").get("/dashboard").text
    rows = {name: flag for flag, name in re.findall(r'<tr class="(stale|)">\s*<td>(\w+)', page)}
    assert rows["petugas_baru"] == "stale"
    assert rows["petugas_plg"] == ""
