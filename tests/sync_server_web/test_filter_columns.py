"""The kecamatan and text filters read ``entries.kecamatan`` / ``entries.search_text``: these
follow the head revision through device updates, supervisor edits, merges and resolutions."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from sync_server.entry_rows import SEARCH_TEXT_MAX, head_filter_columns
from sync_server.schema import entries

from .conftest import as_user, engine_of, parent_rev_of
from .data import child, new_entry, push_as

TABLE = "/forms/observasi_kabkota_antikorupsi/entries"


def _ids(html: str) -> list[str]:
    return re.findall(r'name="entry_id" value="([0-9a-f-]{36})"', html)


def _found(web: Any, query: str) -> list[str]:
    return _ids(web.get(f"{TABLE}?{query}").text)


def _columns(app: Flask, entry_id: str) -> tuple[str | None, str]:
    with engine_of(app).connect() as conn:
        row = conn.execute(
            select(entries.c.kecamatan, entries.c.search_text).where(entries.c.entry_id == entry_id)
        ).one()
    return row.kecamatan, row.search_text


def test_head_filter_columns_are_bounded_lower_case_free_text() -> None:
    cols = head_filter_columns(
        {
            "kecamatan": "16.71.07",
            "waktu": "2024-08-13T09:02:11.315+07:00",
            "jenis": "dinas_perizinan",
            "nama_unit": "RSUD Bari",
            "jumlah": 12,
            "catatan": "X" * 61,
            "anggota": [{"nama": "Siti ÄMINAH"}, {"nama": "tindak_lanjut"}],
            "lain": ["Y" * 50] * 30,
        },
        "Unit 7",
    )
    assert cols["kecamatan"] == "16.71.07"
    text = cols["search_text"]
    assert text.startswith("unit 7\nrsud bari\nsiti äminah\n" + "y" * 50 + "\n")
    for left_out in ("16.71.07", "2024-08-13", "dinas_perizinan", "12", "x", "tindak_lanjut"):
        assert left_out not in text.split("\n")
    assert len(text) == SEARCH_TEXT_MAX
    assert head_filter_columns({"kecamatan": 3}) == {
        "kecamatan": None,
        "search_text": "",
        "entry_date": "",
        "entry_name": "",
    }
    # the entry's date: the named date question's day (a timestamp cut to its date), else None
    dated = {"tanggal": "2024-08-13", "waktu": "2024-08-14T09:02:11+07:00", "x": "kemarin"}
    assert head_filter_columns(dated, " Unit 7 ", "tanggal")["entry_date"] == "2024-08-13"
    assert head_filter_columns(dated, None, "waktu")["entry_date"] == "2024-08-14"
    assert head_filter_columns(dated, None, "x")["entry_date"] == ""
    assert head_filter_columns(dated, " Unit 7 ", None)["entry_name"] == "Unit 7"


def test_filters_follow_device_updates(app: Flask) -> None:
    base = new_entry(app, changes={"kecamatan": "16.71.04", "nama_unit": "Kantor Lama"})
    web = as_user(app, "admin")
    assert _found(web, "kecamatan=16.71.04") == [base["entry_id"]]
    update = child(base, dict(base["answers"], kecamatan="16.71.09", nama_unit="Kantor Baru"))
    assert push_as(app, "petugas_plg", [update])[0]["status"] == "stored"
    assert _found(web, "kecamatan=16.71.04") == []
    assert _found(web, "kecamatan=16.71.09") == [base["entry_id"]]
    assert _found(web, "text=kantor+lama") == []
    assert _found(web, "text=KANTOR+baru") == [base["entry_id"]]
    kecamatan, search_text = _columns(app, base["entry_id"])
    assert kecamatan == "16.71.09" and "kantor baru" in search_text
    assert "kantor lama" not in search_text
    # LIKE wildcards in the term are matched literally.
    assert _found(web, "text=kantor%25baru") == []
    assert _found(web, "text=kantor_baru") == []


def test_filters_follow_a_supervisor_edit(app: Flask) -> None:
    rev = new_entry(app, changes={"nama_unit": "Dinas Zebrakuda"})
    web = as_user(app, "spv_plg")
    resp = web.post(
        f"/entries/{rev['entry_id']}/edit",
        {"name": "nama_unit", "value": "Mal Pelayanan Publik", "parent_rev": rev["rev"]},
    )
    assert resp.status_code == 302
    assert _found(web, "text=zebrakuda") == []
    assert _found(web, "text=mal+pelayanan") == [rev["entry_id"]]
    assert "mal pelayanan publik" in _columns(app, rev["entry_id"])[1]


def test_filters_follow_a_merge_and_a_resolution(app: Flask) -> None:
    base = new_entry(app, changes={"nama_unit": "Kantor Awal"})
    side_a = child(base, dict(base["answers"], jumlah_petugas=5, nama_petugas="Petugas Alfa"))
    side_b = child(base, dict(base["answers"], jumlah_petugas=7, nama_unit="Kantor Gabungan"))
    results = push_as(app, "petugas_plg", [side_a, side_b])
    assert results[-1]["status"] == "conflict", results
    web = as_user(app, "spv_plg")
    # The merge revision is the head: both sides' non-conflicting changes are searchable.
    assert _found(web, "text=petugas+alfa") == [base["entry_id"]]
    assert _found(web, "text=kantor+gabungan") == [base["entry_id"]]
    assert _found(web, "text=kantor+awal") == []
    merged = _columns(app, base["entry_id"])[1]
    assert "petugas alfa" in merged and "kantor gabungan" in merged
    page = web.get(f"/entries/{base['entry_id']}/conflict").text
    paths = re.findall(r'<code class="small">([^<]+)</code>', page)
    data = {f"choice_{i}": "theirs" for i in range(len(paths))}
    data["parent_rev"] = parent_rev_of(page)
    resp = web.post(f"/entries/{base['entry_id']}/resolve", data)
    assert resp.status_code == 302
    assert _found(web, "text=kantor+gabungan&review_status=received") == [base["entry_id"]]
    assert _columns(app, base["entry_id"])[1] == merged


def test_text_search_index_matches_substrings_ids_and_officers(app: Flask) -> None:
    """The text search (a scan on SQLite, migration 0005's pg_trgm index on PostgreSQL): any
    part of a word, short terms, quotes and wildcards, entry ids and officers."""
    quoted = new_entry(app, changes={"nama_unit": 'Puskesmas "Sehat" 50%_Ulu'})
    plain = new_entry(app, officer="petugas_mura", region="16.05",
                      changes={"nama_unit": "Kantor Camat Lubuk Linggau"})
    web = as_user(app, "admin")
    assert _found(web, "text=kesma") == [quoted["entry_id"]]  # inside a word
    assert _found(web, "text=%22sehat%22") == [quoted["entry_id"]]  # quotes in the term
    assert _found(web, "text=50%25_ulu") == [quoted["entry_id"]]  # LIKE wildcards, literally
    assert _found(web, "text=50%25%25") == []
    assert _found(web, "text=ub") == [plain["entry_id"]]  # shorter than a trigram
    assert _found(web, "text=" + plain["entry_id"][:13].upper()) == [plain["entry_id"]]
    assert sorted(_found(web, "text=PETUGAS_MURA")) == [plain["entry_id"]]
    # a term never matches across the joined parts of the document (id, officer, answers)
    assert _found(web, "text=mura+kantor") == []
    assert _found(web, "text=linggau+zzz") == []
