"""The conflict page for a merged head that does not validate: the invalid path and why, and a
resolution that changes the dependent answer too (validated as a whole)."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask

from .conftest import as_user, parent_rev_of
from .data import child, new_entry, push_as


def make_invalid_merge(app: Flask) -> dict[str, Any]:
    """hasil_i05 set to terpenuhi (note dropped) on one side, evidence 'lainnya' (which needs
    the note) ticked on the other: the merged head lacks a required note."""
    base = new_entry(app)
    fulfilled = copy.deepcopy(base["answers"])
    fulfilled["hasil_i05"] = "terpenuhi"
    del fulfilled["catatan_i05"]
    other = copy.deepcopy(base["answers"])
    other["bukti_i05"] = ["regulasi", "lainnya"]
    results = push_as(app, "petugas_plg", [child(base, fulfilled), child(base, other)])
    assert results[-1]["status"] == "conflict", results
    return base


def _page(app: Flask, entry_id: str) -> str:
    page = as_user(app, "spv_plg").get(f"/entries/{entry_id}/conflict")
    assert page.status_code == 200
    return page.text


def test_invalid_merge_row_names_the_path_and_the_reason(app: Flask) -> None:
    base = make_invalid_merge(app)
    text = _page(app, base["entry_id"])
    assert "catatan_i05" in text
    assert 'class="issue"' in text and "Tidak valid setelah penggabungan" in text
    assert 'name="extra_path_0"' in text


def test_resolution_adds_the_dependent_answer_and_is_validated_whole(app: Flask) -> None:
    base = make_invalid_merge(app)
    entry_id = base["entry_id"]
    web = as_user(app, "spv_plg")
    text = web.get(f"/entries/{entry_id}/conflict").text
    paths = re.findall(r'<code class="small">([^<]+)</code>', text)
    # keeping the head as it is: refused (still invalid), the entry stays in conflict
    keep = {f"choice_{i}": "ours" for i in range(len(paths))}
    keep["parent_rev"] = parent_rev_of(text)
    resp = web.post(f"/entries/{entry_id}/resolve", keep)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/conflict")
    assert (
        "Diterima" not in web.get(f"/entries/{entry_id}").text.split('id="entry-status">')[1][:20]
    )
    # add the note through an extra row
    fix = dict(keep, extra_path_0="catatan_i05", extra_value_0="Bukti lain: surat edaran 2024.")
    resp = web.post(f"/entries/{entry_id}/resolve", fix)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(entry_id)
    assert 'id="entry-status">Diterima' in web.get(f"/entries/{entry_id}").text
