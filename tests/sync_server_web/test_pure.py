"""Pure helpers of the review pages: diffs and answer paths, answer parsing, cursors, charts,
answer display blocks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from survey_forms import load_pilot_form
from sync_server.review.answer_input import parse_answer, raw_text
from sync_server.review.charts import bar_chart
from sync_server.review.diffs import diff_answers, flatten, human_path, set_path
from sync_server.review.entry_display import answer_blocks, format_geopoint
from sync_server.review.table import decode_cursor, encode_cursor

FIXTURE = (
    Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures" / "observasi_complete.json"
)


def test_flatten_and_diff() -> None:
    old = {"a": 1, "r": [{"x": "p"}, {"x": "q"}], "gone": "y"}
    new = {"a": 2, "r": [{"x": "p"}, {"x": "z"}, {"x": "w"}], "m": ["a", "b"]}
    assert flatten(new)["r[2]/x"] == "w"
    assert diff_answers(old, new) == [
        {"path": "a", "old": 1, "new": 2},
        {"path": "gone", "old": "y", "new": None},
        {"path": "m", "old": None, "new": ["a", "b"]},
        {"path": "r[1]/x", "old": "q", "new": "z"},
        {"path": "r[2]/x", "old": None, "new": "w"},
    ]
    assert diff_answers(new, new) == []
    assert human_path("r[0]/x") == "r #1 / x"


def test_set_path() -> None:
    answers = {"a": 1, "r": [{"x": "p", "s": [{"y": 1}]}]}
    assert set_path(answers, "r[0]/s[0]/y", 5)["r"][0]["s"][0]["y"] == 5
    assert set_path(answers, "a", None) == {"r": answers["r"]}
    assert set_path(answers, "b", "new")["b"] == "new"
    assert answers["a"] == 1 and answers["r"][0]["s"][0]["y"] == 1  # copy, not in place
    with pytest.raises(ValueError):
        set_path(answers, "r[3]/x", 1)
    with pytest.raises(ValueError):
        set_path(answers, "r[0]]/x", 1)


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("integer", " 12 ", 12),
        ("decimal", "87,35", 87.35),
        ("select_multiple", "a  b", ["a", "b"]),
        (
            "geopoint",
            "-2.99 104.75 14 4.5",
            {"latitude": -2.99, "longitude": 104.75, "altitude": 14.0, "accuracy": 4.5},
        ),
        ("text", "  kept as typed ", "  kept as typed "),
        ("date", "2024-08-13", "2024-08-13"),
        ("integer", "", None),
    ],
)
def test_parse_answer_round_trips(kind: str, raw: str, value: object) -> None:
    assert parse_answer(kind, raw) == value
    if value is not None and kind != "text":
        assert parse_answer(kind, raw_text(kind, value)) == value


@pytest.mark.parametrize(("kind", "raw"), [("integer", "1.5"), ("decimal", "x"), ("geopoint", "1")])
def test_parse_answer_refuses_bad_text(kind: str, raw: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(kind, raw)


def test_cursor_round_trip_and_garbage() -> None:
    cursor = encode_cursor("2024-08-13T02:15:00.123456Z", "e-1")
    assert decode_cursor(cursor) == ("2024-08-13T02:15:00.123456Z", "e-1")
    assert decode_cursor("not-a-cursor!") is None
    assert decode_cursor(encode_cursor("x", "y")[:-3]) is None


def test_bar_chart_escapes_and_scales() -> None:
    svg = bar_chart([("a<b", 3), ("c", 7)], title="T & U")
    assert "a&lt;b" in svg and "T &amp; U" in svg and "<script" not in svg
    assert svg.count('class="bar"') == 2
    assert ">8</text>" in svg and ">2</text>" in svg  # four whole steps: 0 2 4 6 8
    bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', svg)
    assert float(bars[1]) / float(bars[0]) == pytest.approx(7 / 3, rel=0.01)


def test_answer_blocks_of_the_pilot_form() -> None:
    form = load_pilot_form("observasi")
    answers = json.loads(FIXTURE.read_text("utf-8"))
    blocks = answer_blocks(form, answers, "id")
    kinds = [b["kind"] for b in blocks]
    assert kinds.count("repeat") == 1
    repeat = next(b for b in blocks if b["kind"] == "repeat")
    assert len(repeat["rows"]) == len(answers["temuan"])
    fields = {b["name"]: b for b in blocks if b["kind"] == "field"}
    assert fields["kecamatan"]["text"] != answers["kecamatan"]  # a label, not the code
    assert fields["lokasi"]["text"] == format_geopoint(answers["lokasi"])
    assert fields["foto_i08"]["photo"]["sha256"] == answers["foto_i08"]["sha256"]
    assert "start" not in fields  # metadata is shown with the entry's details
    english = {b["name"]: b for b in answer_blocks(form, answers, "en") if b["kind"] == "field"}
    assert english["nama_unit"]["label"] == "Name of the unit observed"
