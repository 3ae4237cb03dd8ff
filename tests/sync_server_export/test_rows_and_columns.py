"""Pure parts of the export: column merging across versions, cells, CSV line encoding."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from survey_forms import load_xlsform
from sync_server.export import build_tables, merge_orders, merged_choices, neutralise
from sync_server.export.csv_cells import unguard
from sync_server.export.rows import (
    EntryRecord,
    ExportLayout,
    ExportOptions,
    decode_answers,
    encode_row,
)

FORMS = Path(__file__).resolve().parent / "forms"


def test_merge_orders_keeps_newest_order_and_places_old_questions_after_their_neighbour() -> None:
    assert merge_orders([["a", "b", "d"], ["a", "c", "b", "x", "y"]]) == [
        "a",
        "c",
        "b",
        "x",
        "y",
        "d",
    ]
    assert merge_orders([["b"], ["z", "b"]]) == ["z", "b"]
    assert merge_orders([["a", "b"], ["b", "a"]]) == ["a", "b"]
    assert merge_orders([]) == []


def test_tables_across_two_versions() -> None:
    v1 = load_xlsform(FORMS / "ekspor_v1.md")
    v2 = load_xlsform(FORMS / "ekspor_v2.md")
    tables = build_tables([v2, v1])
    assert [t.repeat_path for t in tables] == [(), ("temuan",), ("temuan", "tindakan")]
    root = [f.name for f in tables[0].fields]
    assert root == [
        "start",
        "kabkota",
        "kecamatan",
        "nama_unit",
        "catatan_lama",
        "alamat",
        "jumlah",
        "nilai",
        "bukti",
        "lokasi",
        "foto",
    ]
    assert tables[0].fields[1].groups == ("identitas",)
    assert tables[1].file_name("ekspor_uji") == "ekspor_uji-temuan.csv"
    assert [c.name for c in merged_choices([v2, v1])["bukti"]] == [
        "regulasi",
        "foto",
        "notulen",
        "survei",
    ]
    # only the old version: no alamat, and the form's own order
    assert "alamat" not in [f.name for f in build_tables([v1])[0].fields]


def _record(answers: dict) -> EntryRecord:
    return EntryRecord(
        entry_id="e1",
        submission_date="2024-08-13T02:00:00Z",
        officer="budi",
        officer_name="Budi",
        region="16.71",
        form_version="1",
        review_status="received",
        review_comment="",
        device_id="tab",
        edits=0,
        attachments_present=0,
        attachments_expected=0,
        answers=answers,
    )


def test_cells_of_every_kind() -> None:
    v1 = load_xlsform(FORMS / "ekspor_v1.md")
    layout = ExportLayout(
        build_tables([v1]),
        merged_choices([v1]),
        ExportOptions(split_select_multiple=True, labels=True, lang="en"),
        "id",
    )
    answers = decode_answers(
        '{"kabkota":"16.05","jumlah":-3,"nilai":1e-7,"bukti":["notulen"],'
        '"lokasi":{"latitude":-2.5,"longitude":104.0},'
        '"foto":{"sha256":"ab","filename":"a.jpg","media_type":"image/jpeg"},'
        '"temuan":[{"prioritas":"tinggi","tindakan":[{"tindakan_teks":"x"}]},{}]}'
    )
    row = dict(zip(layout.headers(0), layout.root_row(_record(answers)), strict=True))
    assert row["identitas-kabkota"] == "Musi Rawas Regency"
    assert row["jumlah"] == "-3" and row["nilai"] == "1e-7"
    assert row["bukti"] == "Meeting minutes"
    assert [row[f"bukti/{c}"] for c in ("regulasi", "foto", "notulen")] == ["0", "0", "1"]
    assert row["lokasi-Latitude"] == "-2.5" and row["lokasi-Altitude"] == ""
    assert row["foto"] == "a.jpg" and row["identitas-nama_unit"] == ""
    assert row["KEY"] == "uuid:e1"
    repeats = list(layout.repeat_rows(_record(answers)))
    assert repeats == [
        (1, ["", "High", "uuid:e1", "uuid:e1/temuan[1]"]),
        (2, ["x", "uuid:e1/temuan[1]", "uuid:e1/temuan[1]/tindakan[1]"]),
        (1, ["", "", "uuid:e1", "uuid:e1/temuan[2]"]),
    ]
    unanswered = dict(zip(layout.headers(0), layout.root_row(_record({})), strict=True))
    assert unanswered["bukti/regulasi"] == "0" and unanswered["bukti"] == ""


def test_neutralise() -> None:
    for text in ("=1+1", "+62 811", "-x", "@SUM(A1)", "\t=1", "\r=1", "-", "+", "=", "- 2"):
        assert neutralise(text) == "'" + text
    # a text already beginning with apostrophes before a formula character gets one more, so
    # the guard can be taken off exactly (the XLSX writes the answer as typed)
    for text in ("'=1", "''-x", "'@a"):
        assert neutralise(text) == "'" + text
    for text in ("-2.5", "+3", "-0.5e-3", "-.5", "12", "a=1", "", "'", "'-5", "Jl. -", "'a"):
        assert neutralise(text) == text


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r1.a "), max_size=6))
def test_unguard_gives_back_every_text(text: str) -> None:
    assert unguard(neutralise(text)) == text


def _csv_module_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(c) for c in cells])
    return buffer.getvalue()


@given(st.lists(st.text(alphabet=st.sampled_from("ab,\"\r\n =+-@\t'1.éŋ"), max_size=8), max_size=8))
def test_encode_row_matches_the_csv_module_and_reads_back(cells: list[str]) -> None:
    line = encode_row(cells)
    assert line == _csv_module_line(cells)
    read_back = list(csv.reader(io.StringIO(line, newline="")))
    assert read_back == ([[neutralise(c) for c in cells]] if cells else [[]])


def test_encode_row_turns_odd_values_into_text() -> None:
    assert encode_row(["a", None, True, ["x", "y"], {"filename": "f,1.jpg"}, 3]) == (
        'a,,1,x y,"f,1.jpg",3\r\n'
    )


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab,\"\r\n =+-@\t'1.\x00é"), max_size=6),
        min_size=2,
        max_size=40,
    )
)
def test_encode_row_on_wide_rows_matches_the_csv_module(cells: list[str]) -> None:
    # Wide rows go through the joined-line search (NUL cells through the per-cell path).
    assert encode_row(cells) == _csv_module_line(cells)


def test_encode_row_fixes_exactly_the_cells_that_need_it() -> None:
    cells = ["-2.99", "a,b", "=1", "x", "", "-y", 'q"', "\tz", "\r", "+62 811", "ok", "-"]
    assert encode_row(cells) == _csv_module_line(cells)
    assert encode_row(cells) == ('-2.99,"a,b",\'=1,x,,\'-y,"q""",\'\tz,"\'\r",\'+62 811,ok,\'-\r\n')


def _old_decode(text: str) -> object:
    """How answers were decoded before msgspec: every number as its JSON text."""
    return json.JSONDecoder(parse_float=str, parse_int=str).decode(text)


def test_rows_from_msgspec_decoding_equal_rows_from_numbers_as_text() -> None:
    v1 = load_xlsform(FORMS / "ekspor_v1.md")
    text = (
        '{"kabkota":"16.05","jumlah":-3,"nilai":12,"bukti":["notulen","regulasi"],'
        '"catatan":"a, \\"b\\"\\n=c","lokasi":{"latitude":-2,"longitude":104.750,'
        '"altitude":14,"accuracy":4.5},'
        '"foto":{"sha256":"ab","filename":"a.jpg","media_type":"image/jpeg"},'
        '"temuan":[{"prioritas":"tinggi","tindakan":[{"tindakan_teks":7}]},{}]}'
    )
    assert decode_answers(text)["jumlah"] == -3  # integers come as int now
    for options in (
        ExportOptions(),
        ExportOptions(labels=True, lang="en", split_select_multiple=True, group_prefix=False),
    ):
        layout = ExportLayout(build_tables([v1]), merged_choices([v1]), options, "id")
        new, old = _record(decode_answers(text)), _record(_old_decode(text))
        assert encode_row(layout.root_row(new)) == encode_row(layout.root_row(old))
        assert [(i, encode_row(r)) for i, r in layout.repeat_rows(new)] == [
            (i, encode_row(r)) for i, r in layout.repeat_rows(old)
        ]
    row = dict(zip(layout.headers(0), layout.root_row(_record(decode_answers(text))), strict=True))
    assert row["lokasi-Longitude"] == "104.750" and row["lokasi-Altitude"] == "14"


def test_decode_answers_keeps_decimal_text_and_accepts_what_msgspec_refuses() -> None:
    assert decode_answers('{"a":1.50,"b":1e5,"c":[2,-0.0],"d":true}') == {
        "a": "1.50",
        "b": "1e5",
        "c": [2, "-0.0"],
        "d": True,
    }
    assert decode_answers('{"a":NaN,"b":2.50}')["b"] == "2.50"
