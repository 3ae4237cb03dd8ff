"""Streaming writers: bytes leave before the entries are all read; ZIP repeat files spill to disk."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_forms import load_xlsform
from sync_server.export import build_tables, merged_choices
from sync_server.export import writer as writer_mod
from sync_server.export.rows import EntryRecord, ExportLayout, ExportOptions

FORMS = Path(__file__).resolve().parent / "forms"


def _layout() -> ExportLayout:
    form = load_xlsform(FORMS / "ekspor_v1.md")
    return ExportLayout(build_tables([form]), merged_choices([form]), ExportOptions(), "id")


def _records(count: int, consumed: list[int]) -> Iterator[EntryRecord]:
    for n in range(count):
        consumed[0] = n + 1
        yield EntryRecord(
            entry_id=f"e{n:05d}",
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
            answers={
                "nama_unit": f"Unit {n}, " + "panjang " * 40,
                "temuan": [
                    {"temuan_teks": f"t{n}-{i}", "tindakan": [{"tindakan_teks": "x"}]}
                    for i in range(2)
                ],
            },
        )


def test_csv_streams_before_all_entries_are_read() -> None:
    consumed = [0]
    chunks = writer_mod.csv_chunks(_layout(), _records(5000, consumed))
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbfSubmissionDate,")
    assert 0 < consumed[0] < 5000
    rest = b"".join(chunks)
    rows = list(csv.reader(io.StringIO((first + rest).decode("utf-8-sig"), newline="")))
    assert len(rows) == 5001 and rows[-1][rows[0].index("KEY")] == "uuid:e04999"


def test_zip_streams_and_spills_repeat_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_mod, "SPOOL_MAX", 1024)  # repeat CSVs go to disk early
    consumed = [0]
    chunks = writer_mod.zip_chunks(_layout(), _records(3000, consumed), "ekspor_uji")
    first = next(chunks)
    assert first.startswith(b"PK") and consumed[0] < 3000
    archive = zipfile.ZipFile(io.BytesIO(first + b"".join(chunks)))
    assert archive.testzip() is None
    temuan = list(
        csv.reader(io.StringIO(archive.read("ekspor_uji-temuan.csv").decode("utf-8-sig")))
    )
    tindakan = list(
        csv.reader(io.StringIO(archive.read("ekspor_uji-tindakan.csv").decode("utf-8-sig")))
    )
    assert len(temuan) == 1 + 6000 and len(tindakan) == 1 + 6000
    assert temuan[-1][-2:] == ["uuid:e02999", "uuid:e02999/temuan[2]"]
    assert tindakan[-1][-1] == "uuid:e02999/temuan[2]/tindakan[1]"
