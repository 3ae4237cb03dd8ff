"""Pure parts of the export: column merging across versions, cells, CSV line encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from survey_forms import load_xlsform
from sync_server.export import build_tables, merge_orders, merged_choices, neutralise
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
    assert unanswered["bukti/regulasi"] == "" and unanswered["bukti"] == ""


def test_neutralise() -> None:
    for text in ("=1+1", "+62 811", "-x", "@SUM(A1)", "\t=1", "\r=1", "-", "+", "=", "- 2"):
        assert neutralise(text) == "'" + text
    for text in ("-2.5", "+3", "-0.5e-3", "-.5", "12", "a=1", "", "'=1", "Jl. -"):
        assert neutralise(text) == text


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
