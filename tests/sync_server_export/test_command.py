"""``survey-server export``: files, ZIP, options, filters, progress bar and clear errors."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from click.testing import CliRunner

from sync_server.cli import cli

from .conftest import FORM_ID, Seeded
from .test_export_http import expected_root, get, read_csv_bytes


def run(seeded: Seeded, *args: str):
    instance = seeded.server.app.instance_path
    return CliRunner().invoke(cli, ["--instance", instance, "export", *args])


def test_export_to_a_file_matches_the_web_export(sqlite_seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "ekspor.csv"
    result = run(sqlite_seeded, FORM_ID, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Exported {len(sqlite_seeded.pushed)} entries" in result.output
    from_cli = read_csv_bytes(out.read_bytes())
    assert from_cli == read_csv_bytes(get(sqlite_seeded, "admin", f"/export/{FORM_ID}.csv").content)
    for row in from_cli:
        expected = expected_root(sqlite_seeded, row["KEY"][5:])
        assert {k: row[k] for k in expected} == expected


def test_zip_labels_filters_and_progress(sqlite_seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "ekspor.zip"
    result = run(
        sqlite_seeded,
        FORM_ID,
        "--zip",
        "--out",
        str(out),
        "--labels",
        "--lang",
        "en",
        "--region",
        "16.71",
        "--no-group-prefix",
        "--split-select-multiple",
        "--progress",
    )
    assert result.exit_code == 0, result.output
    assert "Ekspor / Export" in result.output  # the progress bar (stderr is mixed in here)
    archive = zipfile.ZipFile(out)
    root = read_csv_bytes(archive.read(f"{FORM_ID}.csv"))
    assert {row["RegionCode"] for row in root} == {"16.71"}
    assert {row["kabkota"] for row in root} == {"Palembang City"}
    assert "bukti/survei" in root[0]
    temuan = read_csv_bytes(archive.read(f"{FORM_ID}-temuan.csv"))
    assert {row["prioritas"] for row in temuan} == {"High", "Low"}


def test_stdout_and_errors(sqlite_seeded: Seeded) -> None:
    result = CliRunner().invoke(
        cli, ["--instance", sqlite_seeded.server.app.instance_path, "export", FORM_ID]
    )
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert len(rows) == len(sqlite_seeded.pushed) + 1
    unknown = run(sqlite_seeded, "nope")
    assert unknown.exit_code == 1 and "not found" in unknown.output
    bad_date = run(sqlite_seeded, FORM_ID, "--date-from", "kemarin")
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    bad_lang = run(sqlite_seeded, FORM_ID, "--lang", "fr")
    assert bad_lang.exit_code == 1 and "fr" in bad_lang.output


def test_xlsx_no_bom_and_photos_on_the_command_line(sqlite_seeded: Seeded, tmp_path: Path) -> None:
    import openpyxl

    from .conftest import PHOTO

    book_path = tmp_path / "ekspor.xlsx"
    result = run(sqlite_seeded, FORM_ID, "--xlsx", "--out", str(book_path), "--region", "16.05")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(book_path, read_only=True)
    assert book.sheetnames == [FORM_ID, "temuan", "tindakan"]
    rows = list(book[FORM_ID].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][rows[0].index("RegionCode")] == "16.05"
    raw = tmp_path / "mentah.csv"
    assert run(sqlite_seeded, FORM_ID, "--no-bom", "--out", str(raw)).exit_code == 0
    web = get(sqlite_seeded, "admin", f"/export/{FORM_ID}.csv", bom="0").content
    assert raw.read_bytes() == web and not web.startswith(b"\xef\xbb\xbf") and b"\r\n" not in web
    with_photos, without = tmp_path / "a.zip", tmp_path / "b.zip"
    assert run(sqlite_seeded, FORM_ID, "--zip", "--out", str(with_photos)).exit_code == 0
    assert (
        run(sqlite_seeded, FORM_ID, "--zip", "--no-attachments", "--out", str(without)).exit_code
        == 0
    )
    assert zipfile.ZipFile(with_photos).read("media/papan, informasi.jpg") == PHOTO
    assert not [n for n in zipfile.ZipFile(without).namelist() if n.startswith("media/")]
    both = run(sqlite_seeded, FORM_ID, "--zip", "--xlsx")
    assert both.exit_code == 2 and "exclude" in both.output
