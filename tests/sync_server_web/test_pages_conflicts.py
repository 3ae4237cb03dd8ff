"""The conflict queue and page: two conflicting tablet revisions, side by side, resolved by a
supervisor with a new revision that reaches the tablet's pull feed."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from .conftest import PASSWORD, as_user, parent_rev_of
from .data import child, new_entry, push_as


def make_conflict(app: Flask) -> dict[str, Any]:
    """An entry whose ``jumlah_petugas`` was changed to 5 on one side and 7 on the other."""
    base = new_entry(app)
    side_a = child(base, dict(base["answers"], jumlah_petugas=5))
    side_b = child(base, dict(base["answers"], jumlah_petugas=7, nama_petugas="Kepala DPMPTSP"))
    results = push_as(app, "petugas_plg", [side_a, side_b])
    assert results[-1]["status"] == "conflict", results
    return base


def test_conflict_queue_and_page_show_base_and_both_sides(app: Flask) -> None:
    base = make_conflict(app)
    web = as_user(app, "spv_plg")
    queue = web.get("/conflicts").text
    assert base["entry_id"][:8] in queue
    assert base["entry_id"][:8] not in as_user(app, "spv_mura").get("/conflicts").text
    page = web.get(f"/entries/{base['entry_id']}/conflict")
    assert page.status_code == 200
    row = re.search(r"<code class=\"small\">jumlah_petugas</code>(.*?)</tr>", page.text, re.S)
    assert row, page.text
    values = re.findall(r'<span class="val">([^<]*)</span>', row.group(1))
    assert values[0] == "4" and sorted(values[1:]) == ["5", "7"]


def test_resolve_with_a_typed_value_makes_a_revision_for_the_tablet(app: Flask) -> None:
    base = make_conflict(app)
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{base['entry_id']}/conflict").text
    paths = re.findall(r'<code class="small">([^<]+)</code>', page)
    data: dict[str, str] = {"comment": "Dicek ke daftar hadir", "parent_rev": parent_rev_of(page)}
    for i, path in enumerate(paths):
        if path == "jumlah_petugas":
            data[f"choice_{i}"] = "custom"
            data[f"value_{i}"] = "6"
        else:
            data[f"choice_{i}"] = "theirs"
    resp = web.post(f"/entries/{base['entry_id']}/resolve", data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(base["entry_id"])
    entry_page = web.get(f"/entries/{base['entry_id']}").text
    assert 'id="entry-status">Diterima' in entry_page
    api = app.test_client()
    token = api.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "tab-1"},
    ).json["token"]
    feed = api.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"}).json
    head = [c for c in feed["changes"] if c.get("entry_id") == base["entry_id"]][-1]
    assert head["review_status"] == "received" and head["conflicts"] == []
    assert head["answers"]["jumlah_petugas"] == 6
    assert head["author"] == "spv_plg"
    assert head["review_comment"] == "Dicek ke daftar hadir"


def test_resolve_with_an_invalid_value_is_refused(app: Flask) -> None:
    base = make_conflict(app)
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{base['entry_id']}/conflict").text
    paths = re.findall(r'<code class="small">([^<]+)</code>', page)
    index = paths.index("jumlah_petugas")
    seen = parent_rev_of(page)
    web.post(
        f"/entries/{base['entry_id']}/resolve",
        {f"choice_{index}": "custom", f"value_{index}": "banyak", "parent_rev": seen},
    )
    again = web.get(f"/entries/{base['entry_id']}/conflict")
    assert again.status_code == 200 and "bukan nilai yang sah" in again.text
    web.post(
        f"/entries/{base['entry_id']}/resolve",
        {f"choice_{index}": "custom", f"value_{index}": "500", "parent_rev": seen},
    )
    again = web.get(f"/entries/{base['entry_id']}/conflict")
    assert "Isi angka antara 0 dan 200" in again.text
    assert "Selesaikan konflik" in again.text  # still in conflict
