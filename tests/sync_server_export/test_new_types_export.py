"""Export cells of the newer question types as Central writes them: geotrace/geoshape as
``lat lon alt acc;...``, rank as space-separated names, audio/video/file as file names, barcode
and range as typed; the same line from stored cells as from the answers."""

from __future__ import annotations

import csv
import io
import json
import textwrap

from survey_forms import load_xlsform
from sync_server.export import build_tables, merged_choices
from sync_server.export.cells import CellRenderer, decode_repeats
from sync_server.export.csv_cells import cell_text
from sync_server.export.rows import EntryRecord, ExportLayout, ExportOptions, decode_answers

FORM = load_xlsform(textwrap.dedent("""
    | survey |
    | | type | name | label | parameters |
    | | geotrace | jalur | Road | |
    | | geoshape | lahan | Plot | |
    | | rank prioritas | urutan | Order | |
    | | audio | suara | Sound | |
    | | video | video | Video | |
    | | file | dokumen | Document | |
    | | barcode | kode | Code | |
    | | range | skor | Score | start=0 end=10 step=2 |
    | choices |
    | | list_name | name | label |
    | | prioritas | jalan | Roads |
    | | prioritas | air | Water |
    | | prioritas | sekolah | Schools |
    | settings |
    | | form_id | version |
    | | tipe_ekspor | 1 |
""").encode(), "md")
SHA = "a" * 64
ANSWERS = {
    "jalur": {"points": [
        {"latitude": -2.9761, "longitude": 104.7754, "altitude": 12.0, "accuracy": 4.5},
        {"latitude": -2.977, "longitude": 104.776, "altitude": 11, "accuracy": 5},
    ]},
    "lahan": {"points": [
        {"latitude": -2.97, "longitude": 104.77},
        {"latitude": -2.971, "longitude": 104.77, "accuracy": 3.0},
        {"latitude": -2.971, "longitude": 104.771, "altitude": 8.5},
    ]},
    "urutan": ["air", "jalan", "sekolah"],
    "suara": {"sha256": SHA, "filename": "wawancara.m4a", "media_type": "audio/mp4"},
    "video": {"sha256": SHA, "filename": "jalan.mp4", "media_type": "video/mp4"},
    "dokumen": {"sha256": SHA, "filename": "laporan, final.pdf", "media_type": "application/pdf"},
    "kode": "=HYPERLINK(1)",
    "skor": 6,
}
#: ODK's text; a southern latitude makes it begin with "-", and as it is not one plain number
#: it gets the apostrophe every such CSV cell gets (a spreadsheet would run it as a formula)
EXPECTED = {
    "jalur": "'-2.9761 104.7754 12.0 4.5;-2.977 104.776 11 5",
    "lahan": "'-2.97 104.77;-2.971 104.77 0 3.0;-2.971 104.771 8.5",
    "urutan": "air jalan sekolah",
    "suara": "wawancara.m4a",
    "video": "jalan.mp4",
    "dokumen": "laporan, final.pdf",
    "kode": "'=HYPERLINK(1)",  # neutralised as every text cell
    "skor": "6",
}


def _record(answers: dict, **cells: object) -> EntryRecord:
    return EntryRecord(
        entry_id="e1", submission_date="2024-08-13T02:00:00Z", officer="budi",
        officer_name="Budi", region="16.71", form_version="1", review_status="received",
        review_comment="", device_id="tab", edits=0, attachments_present=0,
        attachments_expected=0, answers=answers, **cells,
    )  # fmt: skip


def test_new_types_are_written_as_central_writes_them() -> None:
    layout = ExportLayout(build_tables([FORM]), merged_choices([FORM]), ExportOptions(), "und")
    layout.use_stored_cells({"1": build_tables([FORM])})
    decoded = decode_answers(json.dumps(ANSWERS, sort_keys=True))
    line = layout.root_line(_record(decoded))
    row = dict(zip(layout.headers(0), next(csv.reader(io.StringIO(line))), strict=True))
    assert {name: row[name] for name in EXPECTED} == EXPECTED
    # the stored cells (laid out once by the worker) give the very same line
    stored = CellRenderer(FORM).render(decoded, {})
    assert stored is not None
    again = _record({}, cells=stored.root, repeat_cells=decode_repeats(stored.repeats) or [])
    assert layout.root_line(again) == line
    # the XLSX's fields come out the same from the stored cells as from the answers
    assert list(layout.field_rows(again)) == list(layout.field_rows(_record(decoded)))


def test_point_text_keeps_what_the_point_has() -> None:
    assert cell_text({"points": []}) == ""
    assert cell_text({"points": [{"latitude": 1, "longitude": 2, "accuracy": 0}]}) == "1 2 0 0"
    assert cell_text({"points": ["1 2 3 4", {"latitude": 5, "longitude": 6}]}) == "1 2 3 4;5 6"
