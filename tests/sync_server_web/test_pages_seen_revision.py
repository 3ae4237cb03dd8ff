"""Every web write that makes a revision is made on the revision the supervisor saw, and keeps
the entry's region (review of issues 14 and 19, gaps 3 and 4), on SQLite and PostgreSQL.

The web routes read the entry in one transaction and write in another; a tablet push landing
in between (or after the supervisor opened the page) must never be overwritten silently. So
each write needs the page's ``parent_rev``: missing, or no longer the head, nothing is saved
and the supervisor is told to look at the entry again; the tablet's write stays.
"""

from __future__ import annotations

import copy
import json
import re

from flask import Flask

from .conftest import as_user, head_rev_of, parent_rev_of, push_as
from .data import child, new_entry
from .test_pages_conflicts import make_conflict
from .test_review_flow import fields_of, head_answers, submit


def test_single_answer_edit_needs_the_seen_revision(app: Flask) -> None:
    rev = new_entry(app)
    eid = rev["entry_id"]
    web = as_user(app, "spv_plg")
    web.get(f"/entries/{eid}")
    # no parent_rev: nothing saved, a clear message
    web.post(f"/entries/{eid}/edit", {"name": "jumlah_petugas", "value": "6"})
    page = web.get(f"/entries/{eid}").text
    assert "Sebutkan parent_rev" in page and "Tidak ada yang disimpan" in page
    assert head_rev_of(app, eid) == rev["rev"]
    # a tablet writes after the supervisor looked: the stale edit is refused, the write stays
    late = child(rev, dict(copy.deepcopy(rev["answers"]), nama_unit="Unit dari tablet"))
    assert push_as(app, "petugas_plg", [late])[0]["status"] == "stored"
    web.post(
        f"/entries/{eid}/edit", {"name": "jumlah_petugas", "value": "6", "parent_rev": rev["rev"]}
    )
    assert "Entri sudah berubah" in web.get(f"/entries/{eid}").text
    _, answers, _ = head_answers(app, eid)
    assert answers["nama_unit"] == "Unit dari tablet" and answers["jumlah_petugas"] == 4


def test_conflict_resolution_on_a_stale_page_keeps_the_late_tablet_write(app: Flask) -> None:
    base = make_conflict(app)
    eid = base["entry_id"]
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{eid}/conflict").text
    seen = parent_rev_of(page)
    paths = re.findall(r'<code class="small">([^<]+)</code>', page)
    choices = {f"choice_{i}": "theirs" for i in range(len(paths))}
    # no parent_rev: refused
    web.post(f"/entries/{eid}/resolve", choices)
    assert head_rev_of(app, eid) == seen
    # a tablet edits another field after the supervisor opened the conflict
    late = child(base, dict(copy.deepcopy(base["answers"]), nama_unit="Unit dari tablet"))
    assert push_as(app, "petugas_plg", [late])[0]["status"] in ("merged", "conflict")
    resp = web.post(f"/entries/{eid}/resolve", {**choices, "parent_rev": seen})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/conflict")
    assert "Entri sudah berubah" in web.get(f"/entries/{eid}/conflict").text
    _, answers, _ = head_answers(app, eid)
    assert answers["nama_unit"] == "Unit dari tablet"
    # looked at again: resolved, the tablet's write kept
    page = web.get(f"/entries/{eid}/conflict").text
    paths = re.findall(r'<code class="small">([^<]+)</code>', page)
    choices = {f"choice_{i}": "theirs" for i in range(len(paths))}
    resp = web.post(f"/entries/{eid}/resolve", {**choices, "parent_rev": parent_rev_of(page)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(eid)
    _, answers, _ = head_answers(app, eid)
    assert answers["nama_unit"] == "Unit dari tablet"


def test_the_form_editor_keeps_the_region_and_needs_the_seen_revision(app: Flask) -> None:
    rev = new_entry(app)
    eid = rev["entry_id"]
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{eid}/form").text
    # the region question is shown, not offered as an input
    assert 'data-name="kabkota"' in page
    assert 'name="v:kabkota"' not in page
    block = page.split('data-name="kabkota"', 1)[1].split('data-name="kecamatan"', 1)[0]
    assert '<div class="fvalue muted">Kota Palembang</div>' in block
    pairs = fields_of(page)
    # a crafted post of another region is ignored: the entry keeps its region
    saved = submit(web, eid, pairs, **{"v:kabkota": "16.05", "v:jumlah_petugas": "6"}, do="save")
    assert saved.status_code == 302, saved.text[:300]
    rev_after, answers, _ = head_answers(app, eid)
    assert answers["kabkota"] == "16.71" and answers["jumlah_petugas"] == 6
    # a tampered form state with another region: refused with the Move message, not saved
    page = web.get(f"/entries/{eid}/form").text
    pairs = fields_of(page)
    state = json.loads(dict(pairs)["state"])
    state["kabkota"], state["kecamatan"] = "16.05", "16.05.01"
    tampered = submit(
        web, eid, pairs, state=json.dumps(state), do="save", **{"v:kecamatan": "16.05.01"}
    )
    assert tampered.status_code == 422, tampered.status_code
    assert "Pindahkan" in tampered.text and "Tidak ada yang disimpan" in tampered.text
    assert head_answers(app, eid)[0] == rev_after
    # no parent_rev on the page's post: refused, the answers stay on the page
    no_parent = [(k, v) for k, v in fields_of(page) if k != "parent_rev"]
    refused = submit(web, eid, no_parent, **{"v:jumlah_petugas": "9"}, do="save")
    assert refused.status_code == 422 and "Sebutkan parent_rev" in refused.text
    assert head_answers(app, eid)[0] == rev_after
