"""The export as analysts' scripts written for Central read it (live server, SQLite and
PostgreSQL): pandas and csv-module readers joining the repeat tables on PARENT_KEY/KEY and on
meta-instanceID and filtering on ReviewState; rows newest first; the photos in the ZIP; the
XLSX workbook opened with openpyxl; the BOM/CRLF option."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pandas as pd

from sync_server.export.csv_cells import unguard

from .conftest import FORM_ID, PHOTO, Seeded
from .test_export_http import ROOT_HEADERS, get, read_csv_bytes


def _zip(seeded: Seeded, **params: str) -> zipfile.ZipFile:
    resp = get(seeded, "admin", f"/export/{FORM_ID}.zip", **params)
    assert resp.status_code == 200, resp.text
    return zipfile.ZipFile(io.BytesIO(resp.content))


def test_pandas_script_as_for_central_joins_and_filters(seeded: Seeded) -> None:
    archive = _zip(seeded)
    root = pd.read_csv(archive.open(f"{FORM_ID}.csv"), encoding="utf-8-sig")
    temuan = pd.read_csv(archive.open(f"{FORM_ID}-temuan.csv"), encoding="utf-8-sig")
    tindakan = pd.read_csv(archive.open(f"{FORM_ID}-tindakan.csv"), encoding="utf-8-sig")
    # ruODK / pyODK style: the repeat's PARENT_KEY is the submission's meta-instanceID
    by_instance = temuan.merge(root, left_on="PARENT_KEY", right_on="meta-instanceID")
    by_key = temuan.merge(root, left_on="PARENT_KEY", right_on="KEY", suffixes=("", "_root"))
    assert len(by_instance) == len(temuan) == len(by_key)
    expected = sum(len(i["answers"].get("temuan", [])) for i in seeded.pushed.values())
    assert len(temuan) == expected
    nested = tindakan.merge(temuan, left_on="PARENT_KEY", right_on="KEY")
    assert len(nested) == len(tindakan) and len(tindakan) > 0
    # ReviewState in Central's vocabulary: NaN when unreviewed
    flagged = root[root["ReviewState"] == "hasIssues"]
    assert list(flagged["KEY"]) == [f"uuid:{seeded.reviewed}"]
    assert list(root[root["ReviewState"] == "edited"]["KEY"]) == [f"uuid:{seeded.edited}"]
    unreviewed = root[root["ReviewState"].isna()]
    assert len(unreviewed) == len(seeded.pushed) - 2
    assert list(root.columns) == ROOT_HEADERS
    # newest first, as Central
    dates = list(root["SubmissionDate"])
    assert dates == sorted(dates, reverse=True)
    assert root["Status"].isna().all()


def test_csv_module_script_as_for_central(seeded: Seeded) -> None:
    archive = _zip(seeded, bom="0")
    with archive.open(f"{FORM_ID}.csv") as raw:
        root = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    with archive.open(f"{FORM_ID}-temuan.csv") as raw:
        temuan = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    by_instance = {row["meta-instanceID"]: row for row in root}
    assert all(row["meta-instanceID"] == row["KEY"] for row in root)
    for row in temuan:
        parent = by_instance[row["PARENT_KEY"]]
        assert row["KEY"].startswith(parent["KEY"] + "/temuan[")
    approved_or_unreviewed = [r for r in root if r["ReviewState"] in ("", "approved")]
    assert len(approved_or_unreviewed) == len(seeded.pushed) - 2
    assert {r["ReviewStatus"] for r in root} == {"received", "needs_correction"}
    assert next(r for r in root if r["ReviewState"] == "hasIssues")["ReviewComment"] == "Cek, lagi"


def test_zip_media_holds_the_photo_bytes_and_can_be_left_out(seeded: Seeded) -> None:
    archive = _zip(seeded)
    assert archive.read("media/papan, informasi.jpg") == PHOTO
    root = read_csv_bytes(archive.read(f"{FORM_ID}.csv"))
    assert {r["foto"] for r in root if r["foto"]} == {"papan, informasi.jpg"}
    without = _zip(seeded, attachments="0")
    assert not [n for n in without.namelist() if n.startswith("media/")]
    assert without.read(f"{FORM_ID}.csv") == archive.read(f"{FORM_ID}.csv")


def test_bom_option(seeded: Seeded) -> None:
    default = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    raw = get(seeded, "admin", f"/export/{FORM_ID}.csv", bom="0").content
    assert default.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in default
    # the cells' own line breaks stay; only the line ends change
    assert read_csv_bytes(default) == [
        dict(zip(ROOT_HEADERS, row, strict=True))
        for row in list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))[1:]
    ]
    assert b"\r\n" not in raw
    assert b"Baris satu\nbaris dua" in raw and b"Baris satu\nbaris dua" in default
    bad = get(seeded, "admin", f"/export/{FORM_ID}.csv", bom="perhaps")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_flag"


def test_xlsx_sheets_headers_and_values(seeded: Seeded) -> None:
    resp = get(seeded, "admin", f"/export/{FORM_ID}.xlsx")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{FORM_ID}.xlsx"' in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    assert book.sheetnames == [FORM_ID, "temuan", "tindakan"]
    archive = _zip(seeded)
    for sheet, member in zip(
        book.sheetnames,
        (f"{FORM_ID}.csv", f"{FORM_ID}-temuan.csv", f"{FORM_ID}-tindakan.csv"),
        strict=True,
    ):
        rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
        from_csv = list(csv.reader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
        assert rows[0] == from_csv[0]
        assert len(rows) == len(from_csv)
        for got, want in zip(rows[1:], from_csv[1:], strict=True):
            for cell, text in zip(got, want, strict=True):
                if cell is None:
                    assert text == ""
                elif isinstance(cell, int | float):
                    assert float(text) == cell  # numbers are numbers
                else:  # the CSV's text without its formula apostrophe (never run in XLSX)
                    assert unguard(text) == cell
                    assert text == cell or text == "'" + cell
    header = list(next(book[FORM_ID].iter_rows(values_only=True)))
    first = dict(
        zip(header, next(book[FORM_ID].iter_rows(min_row=2, values_only=True)), strict=True)
    )
    assert isinstance(first["jumlah"], int | float) and isinstance(first["Edits"], int)
    labelled = get(seeded, "admin", f"/export/{FORM_ID}.xlsx", labels="1", lang="en")
    book = openpyxl.load_workbook(io.BytesIO(labelled.content), read_only=True)
    column = list(next(book[FORM_ID].iter_rows(values_only=True))).index("identitas-kabkota")
    names = {r[column] for r in book[FORM_ID].iter_rows(min_row=2, values_only=True)}
    assert names == {"Palembang City", "Musi Rawas Regency"}
    # pandas reads the workbook too
    frame = pd.read_excel(io.BytesIO(resp.content), sheet_name=None)
    assert list(frame) == [FORM_ID, "temuan", "tindakan"]
    assert len(frame[FORM_ID]) == len(seeded.pushed)


def test_xlsx_access_rules_are_the_csv_ones(seeded: Seeded) -> None:
    assert get(seeded, None, f"/export/{FORM_ID}.xlsx").status_code == 401
    assert get(seeded, "petugas_plg", f"/export/{FORM_ID}.xlsx").status_code == 403
    mine = get(seeded, "spv_plg", f"/export/{FORM_ID}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(mine.content), read_only=True)
    header = list(next(book[FORM_ID].iter_rows(values_only=True)))
    at = header.index("RegionCode")
    regions = {r[at] for r in book[FORM_ID].iter_rows(min_row=2, values_only=True)}
    assert regions == {"16.71"}
    assert get(seeded, "spv_plg", f"/export/{FORM_ID}.xlsx", region="16.05").status_code == 403


def test_expected_size_before_the_download(seeded: Seeded) -> None:
    size = get(seeded, "admin", f"/export/{FORM_ID}/size")
    assert size.status_code == 200, size.text
    assert size.json() == {"entries": len(seeded.pushed), "photos": 1, "photo_bytes": len(PHOTO)}
    zipped = get(seeded, "admin", f"/export/{FORM_ID}.zip")
    assert zipped.headers["X-Export-Media-Bytes"] == str(len(PHOTO))
    # the same scope and filters as the export
    mura = get(seeded, "spv_mura", f"/export/{FORM_ID}/size").json()
    assert mura == {"entries": 1, "photos": 0, "photo_bytes": 0}
    assert get(seeded, None, f"/export/{FORM_ID}/size").status_code == 401
    assert get(seeded, "admin", "/export/tidak_ada/size").status_code == 404
