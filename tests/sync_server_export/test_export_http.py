"""The export over HTTP against the live server: every value read back with csv and pandas."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pandas as pd
import pytest
import requests

from .conftest import FORM_ID, Seeded

ROOT_HEADERS = [
    "SubmissionDate",
    "start",
    "identitas-kabkota",
    "identitas-kecamatan",
    "identitas-nama_unit",
    "identitas-catatan_lama",
    "identitas-alamat",
    "jumlah",
    "nilai",
    "bukti",
    "lokasi-Latitude",
    "lokasi-Longitude",
    "lokasi-Altitude",
    "lokasi-Accuracy",
    "foto",
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "RegionCode",
    "RegionName",
    "ReviewStatus",
    "ReviewComment",
]
NAMES = {"petugas_plg": "Petugas Palembang", "petugas_mura": "Petugas Musi Rawas"}
REGION_NAMES = {"16.71": "Kota Palembang", "16.05": "Kabupaten Musi Rawas"}
BUKTI_LABELS = {
    "regulasi": "Peraturan daerah",
    "foto": "Foto lokasi",
    "notulen": "Notulen rapat",
    "survei": "Hasil survei",
}


def safe(text: str) -> str:
    """What the export must write for a text cell (formula neutralising, numbers kept)."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def num(value: Any) -> str:
    return "" if value is None else str(value)


def expected_root(seeded: Seeded, entry_id: str, labels: bool = False) -> dict[str, str]:
    """The root row of one entry, computed from what was pushed (not from the exporter)."""
    item = seeded.pushed[entry_id]
    a = item["answers"]
    geo = a.get("lokasi", {})
    bukti = a.get("bukti", [])
    return {
        "start": a["start"],
        "identitas-kabkota": REGION_NAMES[a["kabkota"]] if labels else a["kabkota"],
        "identitas-kecamatan": a["kecamatan"],
        "identitas-nama_unit": safe(a["nama_unit"]),
        "identitas-catatan_lama": safe(a.get("catatan_lama", "")),
        "identitas-alamat": a.get("alamat", ""),
        "jumlah": num(a.get("jumlah")),
        "nilai": num(a.get("nilai")),
        "bukti": "; ".join(BUKTI_LABELS[b] for b in bukti) if labels else " ".join(bukti),
        "lokasi-Latitude": num(geo.get("latitude")),
        "lokasi-Longitude": num(geo.get("longitude")),
        "lokasi-Altitude": num(geo.get("altitude")),
        "lokasi-Accuracy": num(geo.get("accuracy")),
        "foto": a["foto"]["filename"] if "foto" in a else "",
        "meta-instanceID": f"uuid:{entry_id}",
        "KEY": f"uuid:{entry_id}",
        "SubmitterID": item["officer"],
        "SubmitterName": NAMES[item["officer"]],
        "AttachmentsPresent": "1" if "foto" in a else "0",
        "AttachmentsExpected": "1" if "foto" in a else "0",
        "Status": "",
        # Central's vocabulary: unreviewed is empty, a later revision "edited"
        "ReviewState": {seeded.reviewed: "hasIssues", seeded.edited: "edited"}.get(entry_id, ""),
        "ReviewStatus": "needs_correction" if entry_id == seeded.reviewed else "received",
        "ReviewComment": {seeded.reviewed: "Cek, lagi", seeded.edited: "Nama unit diperbaiki"}.get(
            entry_id, ""
        ),
        "DeviceID": "tablet-test",
        "Edits": "1" if entry_id == seeded.edited else "0",
        "FormVersion": item["version"],
        "RegionCode": item["region"],
        "RegionName": REGION_NAMES[item["region"]],
    }


def get(seeded: Seeded, user: str | None, path: str, **params: Any) -> requests.Response:
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {seeded.client(user).token}"
    return requests.get(seeded.server.url + path, params=params, headers=headers, timeout=30)


def read_csv_bytes(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark"
    text = body.decode("utf-8")[1:]
    assert "\r\n" in text and not any(line.endswith("\r") for line in text.split("\r\n")[0:1])
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    header = rows[0]
    assert all(len(row) == len(header) for row in rows)
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_root_csv_has_every_value_of_every_entry(seeded: Seeded) -> None:
    resp = get(seeded, "admin", f"/export/{FORM_ID}.csv")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert f'filename="{FORM_ID}.csv"' in resp.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert header == ROOT_HEADERS
    rows = read_csv_bytes(resp.content)
    assert len(rows) == len(seeded.pushed)
    by_key = {row["KEY"]: row for row in rows}
    for entry_id in seeded.pushed:
        row = by_key[f"uuid:{entry_id}"]
        assert row["SubmissionDate"].endswith("Z") and row["SubmissionDate"][:2] == "20"
        expected = expected_root(seeded, entry_id)
        assert {k: row[k] for k in expected} == expected, entry_id


def test_pandas_reads_the_same_values_and_numbers_stay_numbers(seeded: Seeded) -> None:
    body = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    as_text = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = read_csv_bytes(body)
    assert list(as_text.columns) == ROOT_HEADERS
    assert as_text.to_dict("records") == rows
    typed = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    assert typed["nilai"].dtype.kind == "f" and typed["jumlah"].dtype.kind in "if"
    assert sorted(typed["nilai"].dropna()) == sorted(
        float(item["answers"]["nilai"])
        for item in seeded.pushed.values()
        if "nilai" in item["answers"]
    )
    assert typed["lokasi-Latitude"].min() == pytest.approx(-3.1)


def test_zip_has_root_and_nested_repeat_tables_joined_by_keys(seeded: Seeded) -> None:
    resp = get(seeded, "admin", f"/export/{FORM_ID}.zip")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    assert archive.namelist() == [
        f"{FORM_ID}.csv",
        f"{FORM_ID}-temuan.csv",
        f"{FORM_ID}-tindakan.csv",
        "media/papan, informasi.jpg",  # the photos, as in Central's ZIP (on by default)
    ]
    root = read_csv_bytes(archive.read(f"{FORM_ID}.csv"))
    assert root == read_csv_bytes(get(seeded, "admin", f"/export/{FORM_ID}.csv").content)
    temuan = read_csv_bytes(archive.read(f"{FORM_ID}-temuan.csv"))
    tindakan = read_csv_bytes(archive.read(f"{FORM_ID}-tindakan.csv"))
    want_temuan, want_tindakan = [], []
    for entry_id, item in seeded.pushed.items():
        for i, inst in enumerate(item["answers"].get("temuan", []), start=1):
            key = f"uuid:{entry_id}/temuan[{i}]"
            want_temuan.append(
                {
                    "temuan_teks": inst["temuan_teks"],
                    "prioritas": inst["prioritas"],
                    "PARENT_KEY": f"uuid:{entry_id}",
                    "KEY": key,
                }
            )
            for j, act in enumerate(inst.get("tindakan", []), start=1):
                want_tindakan.append(
                    {
                        "tindakan_teks": safe(act["tindakan_teks"]),
                        "PARENT_KEY": key,
                        "KEY": f"{key}/tindakan[{j}]",
                    }
                )
    assert sorted(temuan, key=lambda r: r["KEY"]) == sorted(want_temuan, key=lambda r: r["KEY"])
    assert sorted(tindakan, key=lambda r: r["KEY"]) == sorted(want_tindakan, key=lambda r: r["KEY"])
    assert want_tindakan and want_tindakan[0]["tindakan_teks"] == "'@petugas tindak lanjut"
    # pandas joins the tables back through PARENT_KEY / KEY
    frames = {
        name: pd.read_csv(
            io.BytesIO(archive.read(name)), encoding="utf-8-sig", dtype=str, keep_default_na=False
        )
        for name in archive.namelist()
        if name.endswith(".csv")
    }
    joined = frames[f"{FORM_ID}-temuan.csv"].merge(
        frames[f"{FORM_ID}.csv"], left_on="PARENT_KEY", right_on="KEY", suffixes=("", "_entry")
    )
    assert len(joined) == len(want_temuan)


def test_labels_language_split_and_no_group_prefix(seeded: Seeded) -> None:
    resp = get(
        seeded,
        "admin",
        f"/export/{FORM_ID}.csv",
        labels="1",
        lang="id",
        split_select_multiple="1",
        group_prefix="0",
    )
    assert resp.status_code == 200, resp.text
    rows = read_csv_bytes(resp.content)
    header = list(rows[0])
    assert "kabkota" in header and "identitas-kabkota" not in header
    split = [h for h in header if h.startswith("bukti/")]
    # as Central: one column per value chosen in the exported entries, sorted
    assert split == ["bukti/foto", "bukti/notulen", "bukti/regulasi", "bukti/survei"]
    assert header.index("bukti/foto") == header.index("bukti") + 1
    by_key = {row["KEY"]: row for row in rows}
    for entry_id, item in seeded.pushed.items():
        row = by_key[f"uuid:{entry_id}"]
        expected = expected_root(seeded, entry_id, labels=True)
        assert row["kabkota"] == expected["identitas-kabkota"]
        assert row["bukti"] == expected["bukti"]
        chosen = item["answers"].get("bukti", [])
        for choice in ("regulasi", "foto", "notulen", "survei"):
            assert row[f"bukti/{choice}"] == ("1" if choice in chosen else "0")
    english = read_csv_bytes(
        get(seeded, "admin", f"/export/{FORM_ID}.csv", labels="1", lang="en").content
    )
    assert {row["identitas-kabkota"] for row in english} == {"Palembang City", "Musi Rawas Regency"}
    assert {row["RegionName"] for row in english} == {"Palembang City", "Musi Rawas Regency"}


def test_filters_are_the_entries_table_filters(seeded: Seeded) -> None:
    def keys(**params: Any) -> set[str]:
        resp = get(seeded, "admin", f"/export/{FORM_ID}.csv", **params)
        assert resp.status_code == 200, resp.text
        return {row["KEY"][5:] for row in read_csv_bytes(resp.content)}

    pushed = seeded.pushed
    assert keys(region="16.05") == {e for e, i in pushed.items() if i["region"] == "16.05"}
    assert keys(officer="petugas_plg") == {
        e for e, i in pushed.items() if i["officer"] == "petugas_plg"
    }
    assert keys(review_status="needs_correction") == {seeded.reviewed}
    assert keys(kecamatan="16.71.02") == {
        e for e, i in pushed.items() if i["answers"]["kecamatan"] == "16.71.02"
    }
    assert keys(text="diperbaiki SUPERVISOR") == {seeded.edited}
    assert keys(date_from="2000-01-01", date_to="2999-12-31") == set(pushed)
    assert keys(date_to="2001-01-01") == set()
    bad = get(seeded, "admin", f"/export/{FORM_ID}.csv", date_from="13/08/2024")
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_date" and "TTTT-BB-HH" in bad.json()["message_id"]


def test_access_rules(seeded: Seeded) -> None:
    path = f"/export/{FORM_ID}.csv"
    assert get(seeded, None, path).status_code == 401
    bad_token = requests.get(
        seeded.server.url + path, headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert bad_token.status_code == 401 and bad_token.json()["error"] == "invalid_token"
    for officer in ("petugas_plg", "petugas_mura"):
        for kind in ("csv", "zip"):
            resp = get(seeded, officer, f"/export/{FORM_ID}.{kind}")
            assert resp.status_code == 403, (officer, kind)
    # a supervisor sees only their region, and cannot ask for another
    mine = read_csv_bytes(get(seeded, "spv_plg", path).content)
    assert {row["RegionCode"] for row in mine} == {"16.71"}
    assert len(mine) == sum(1 for i in seeded.pushed.values() if i["region"] == "16.71")
    other = get(seeded, "spv_plg", path, region="16.05")
    assert other.status_code == 403 and other.json()["error"] == "region_forbidden"
    zipped = zipfile.ZipFile(io.BytesIO(get(seeded, "spv_mura", f"/export/{FORM_ID}.zip").content))
    for name in zipped.namelist():
        text = zipped.read(name).decode("utf-8")
        assert all(
            entry_id not in text for entry_id, i in seeded.pushed.items() if i["region"] != "16.05"
        ), name
    assert get(seeded, "admin", "/export/no_such_form.csv").status_code == 404
    assert get(seeded, "admin", path, lang="fr").status_code == 400
    assert get(seeded, "admin", path, labels="maybe").status_code == 400


def test_deleted_entries_are_left_out_unless_asked(seeded: Seeded) -> None:
    admin = seeded.client("admin")
    victim = list(seeded.pushed)[2]
    assert admin.session.delete(f"{admin.base}/entries/{victim}", timeout=10).status_code == 200
    keys = {
        r["KEY"] for r in read_csv_bytes(get(seeded, "admin", f"/export/{FORM_ID}.csv").content)
    }
    assert f"uuid:{victim}" not in keys and len(keys) == len(seeded.pushed) - 1
    everything = read_csv_bytes(
        get(seeded, "admin", f"/export/{FORM_ID}.csv", include_deleted="1").content
    )
    assert len(everything) == len(seeded.pushed)


def test_review_pages_session_cookie_can_export(sqlite_seeded: Seeded) -> None:
    import re

    def signed_in(username: str):
        client = sqlite_seeded.server.app.test_client()
        page = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        resp = client.post(
            "/signin",
            data={"username": username, "password": "rahasia-123", "csrf_token": token},
        )
        assert resp.status_code == 302, resp.text
        return client

    anonymous = sqlite_seeded.server.app.test_client()
    assert anonymous.get(f"/export/{FORM_ID}.csv").status_code == 401
    supervisor = signed_in("spv_plg")
    resp = supervisor.get(f"/export/{FORM_ID}.csv")
    assert resp.status_code == 200
    rows = read_csv_bytes(resp.data)
    assert rows and {row["RegionCode"] for row in rows} == {"16.71"}
    assert supervisor.get(f"/export/{FORM_ID}.zip?region=16.05").status_code == 403
