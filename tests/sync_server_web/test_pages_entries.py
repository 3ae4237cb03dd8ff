"""The entries table (filters, counts, sorting, keyset pages), the entry page, review (one and
several entries), supervisor edits, photos; checked through the Flask test client."""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

from flask import Flask

from .conftest import PASSWORD, as_user, engine_of, head_rev_of
from .data import child, new_entry, observation_answers, push_as

FORM = "observasi_kabkota_antikorupsi"
TABLE = f"/forms/{FORM}/entries"


def _ids(html: str) -> list[str]:
    return re.findall(r'name="entry_id" value="([0-9a-f-]{36})"', html)


def test_table_lists_only_the_supervisors_regions_with_counts(app: Flask) -> None:
    mine = [new_entry(app)["entry_id"] for _ in range(3)]
    other = new_entry(app, officer="petugas_mura", region="16.05")["entry_id"]
    web = as_user(app, "spv_plg")
    page = web.get(TABLE)
    assert page.status_code == 200
    assert sorted(_ids(page.text)) == sorted(mine)
    assert other not in page.text
    assert re.search(r"<strong>3</strong> entri", page.text)
    admin = as_user(app, "admin")
    assert sorted(_ids(admin.get(TABLE).text)) == sorted([*mine, other])


def test_filters(app: Flask) -> None:
    a = new_entry(app, changes={"kecamatan": "16.71.04", "nama_unit": "Kantor Camat Ilir Barat"})
    b = new_entry(app, changes={"kecamatan": "16.71.07", "nama_unit": "RSUD Bari"})
    c = new_entry(app, officer="petugas_mura", region="16.05")
    admin = as_user(app, "admin")
    by_kecamatan = admin.get(f"{TABLE}?kecamatan=16.71.07").text
    assert _ids(by_kecamatan) == [b["entry_id"]]
    # The counts include the kecamatan filter (an indexed column) but leave the text out.
    assert 'id="counts-note"' not in by_kecamatan
    assert re.search(r"<strong>1</strong> entri", by_kecamatan)
    assert 'id="counts-note"' not in admin.get(f"{TABLE}?region=16.71").text
    by_text = admin.get(f"{TABLE}?text=rsud+BARI").text
    assert _ids(by_text) == [b["entry_id"]]
    assert 'id="counts-note"' in by_text and re.search(r"<strong>3</strong> entri", by_text)
    assert _ids(admin.get(f"{TABLE}?officer=petugas_mura").text) == [c["entry_id"]]
    assert sorted(_ids(admin.get(f"{TABLE}?region=16.71").text)) == sorted(
        [a["entry_id"], b["entry_id"]]
    )
    admin.post(f"/entries/{a['entry_id']}/review", {"status": "approved"})
    page = admin.get(f"{TABLE}?review_status=approved")
    assert _ids(page.text) == [a["entry_id"]]
    # Counts ignore the status filter but keep the others: 1 approved, 2 received.
    assert re.search(r"Disetujui <b>1</b>", page.text)
    assert re.search(r"Diterima <b>2</b>", page.text)
    assert _ids(admin.get(f"{TABLE}?date_from=2000-01-01&date_to=2000-01-02").text) == []
    bad = admin.get(f"{TABLE}?date_from=kemarin")
    assert bad.status_code == 400 and "Tanggal tidak valid" in bad.text


def test_keyset_pages_cover_every_entry_once_in_order(app: Flask) -> None:
    created = [new_entry(app)["entry_id"] for _ in range(7)]
    from sync_server.review import table

    web = as_user(app, "spv_plg")
    original = table.PAGE_SIZE
    seen: list[str] = []
    pages = 0
    try:
        table.PAGE_SIZE = 3
        url = f"{TABLE}?sort=officer&dir=asc"
        while url:
            pages += 1
            page = web.get(url)
            seen.extend(_ids(page.text))
            match = re.search(r'id="next-page" href="([^"]+)"', page.text)
            url = match.group(1).replace("&amp;", "&") if match else None
    finally:
        table.PAGE_SIZE = original
    assert pages == 3
    assert sorted(seen) == sorted(created) and len(seen) == 7
    assert seen == sorted(created)  # same officer: ties broken by entry id, ascending


def test_entry_page_shows_labels_groups_repeats_gps_and_history(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{rev['entry_id']}")
    assert page.status_code == 200
    text = page.text
    assert "Komponen 1: Tata Kelola Pemerintahan Daerah" in text  # group heading, Indonesian
    assert "Mal Pelayanan Publik Kota Palembang" in text
    assert "Temuan dan rekomendasi (3)" in text  # the repeat as a table of 3 rows
    assert "BKPSDM mewajibkan deklarasi" in text
    assert "-2.990934, 104.756554" in text  # GPS as numbers
    assert "tablet-test" in text  # device from meta
    web.client.get("/lang/en")
    english = web.get(f"/entries/{rev['entry_id']}").text
    assert "Component 1: Regional government governance" in english
    assert "Findings and recommendations (3)" in english


def test_review_with_comment_reaches_the_officers_pull_feed(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    web.get(f"/entries/{rev['entry_id']}")
    resp = web.post(
        f"/entries/{rev['entry_id']}/review",
        {"status": "needs_correction", "comment": "Foto loket buram, ambil ulang."},
    )
    assert resp.status_code == 302
    page = web.get(f"/entries/{rev['entry_id']}")
    assert "Perlu perbaikan" in page.text and "Foto loket buram" in page.text
    api = app.test_client()
    token = api.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "tab-1"},
    ).json["token"]
    feed = api.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"}).json
    latest = [c for c in feed["changes"] if c.get("entry_id") == rev["entry_id"]][-1]
    assert latest["review_status"] == "needs_correction"
    assert latest["review_comment"] == "Foto loket buram, ambil ulang."


def test_needs_correction_requires_a_comment(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    web.post(f"/entries/{rev['entry_id']}/review", {"status": "needs_correction"})
    page = web.get(f"/entries/{rev['entry_id']}")
    assert "Tuliskan apa yang harus diperbaiki" in page.text
    assert 'id="entry-status">Diterima' in page.text


def test_bulk_review(app: Flask) -> None:
    ids = [new_entry(app)["entry_id"] for _ in range(3)]
    other = new_entry(app, officer="petugas_mura", region="16.05")["entry_id"]
    web = as_user(app, "spv_plg")
    web.get(TABLE)
    resp = web.post(
        f"/forms/{FORM}/entries/review",
        {"entry_id": [*ids[:2], other], "status": "approved", "comment": "Lengkap."},
    )
    assert resp.status_code == 302
    flashed = web.get(resp.headers["Location"]).text
    assert "2 entri diubah menjadi Disetujui" in flashed
    assert f"Tidak diubah: {other[:8]}: not_found" in flashed
    page = web.get(f"{TABLE}?review_status=approved")
    assert sorted(_ids(page.text)) == sorted(ids[:2])
    admin = as_user(app, "admin")
    assert "Diterima" in admin.get(f"/entries/{other}").text  # the other region's entry untouched


def test_supervisor_edit_makes_a_validated_revision_with_a_diff(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    web.get(f"/entries/{rev['entry_id']}")
    resp = web.post(
        f"/entries/{rev['entry_id']}/edit",
        {
            "name": "jumlah_petugas",
            "value": "6",
            "comment": "Sesuai daftar hadir",
            "parent_rev": rev["rev"],
        },
    )
    assert resp.status_code == 302
    page = web.get(f"/entries/{rev['entry_id']}").text
    assert "Jawaban diubah" in page
    diff = re.search(
        r"<code>jumlah_petugas</code></td><td class=\"old\">(\d+)</td><td class=\"new\">(\d+)", page
    )
    assert diff and diff.groups() == ("4", "6")
    assert "(supervisor)" in page
    # An invalid value is refused with the form's message, and nothing changes.
    web.post(
        f"/entries/{rev['entry_id']}/edit",
        {"name": "jumlah_petugas", "value": "999", "parent_rev": head_rev_of(app, rev["entry_id"])},
    )
    page = web.get(f"/entries/{rev['entry_id']}").text
    assert "jumlah_petugas" in page and "Isi angka antara 0 dan 200" in page
    assert page.count('class="rev"') == 2


def _upload_as(app: Flask, username: str, sha: str, data: bytes) -> None:
    """Upload a photo through the attachments service as ``username`` (as the API does)."""
    import io

    from sync_server.attachments import store
    from sync_server.db import read_tx
    from sync_server.state import state
    from sync_server.upload_quota import UploadLimits
    from sync_server.users import get_user

    with app.app_context():
        with read_tx(engine_of(app)) as conn:
            user = get_user(conn, username)
        store(engine_of(app), Path(app.config["ATTACHMENTS_DIR"]), sha, io.BytesIO(data),
              "image/jpeg", user, UploadLimits.from_config(state().config), len(data))


def test_photo_is_served_to_readers_only_with_its_media_type(app: Flask) -> None:
    data = b"\xff\xd8\xff\xe0 not really a jpeg"
    sha = hashlib.sha256(data).hexdigest()
    _upload_as(app, "petugas_plg", sha, data)  # the tablet uploads, then pushes
    ref = {"sha256": sha, "filename": "loket.jpg", "media_type": "image/jpeg"}
    rev = new_entry(app, changes={"foto_i08": ref})
    web = as_user(app, "spv_plg")
    resp = web.get(f"/entries/{rev['entry_id']}/files/{sha}")
    assert resp.status_code == 200 and resp.data == data
    assert resp.headers["Content-Type"] == "image/jpeg"
    assert f"/entries/{rev['entry_id']}/files/{sha}" in web.get(f"/entries/{rev['entry_id']}").text
    assert (
        as_user(app, "spv_mura").get(f"/entries/{rev['entry_id']}/files/{sha}").status_code == 404
    )
    assert web.get(f"/entries/{rev['entry_id']}/files/{'0' * 64}").status_code == 404


def test_history_shows_each_tablet_revision_with_its_changes(app: Flask) -> None:
    rev = new_entry(app)
    answers = dict(rev["answers"], jumlah_petugas=5)
    second = child(rev, answers)
    assert push_as(app, "petugas_plg", [second])[0]["status"] == "stored"
    page = as_user(app, "spv_plg").get(f"/entries/{rev['entry_id']}").text
    assert page.count('class="rev"') == 2
    assert re.search(r"jumlah_petugas</code></td><td class=\"old\">4</td><td class=\"new\">5", page)


def test_supervisor_edit_recomputes_the_scores(app: Flask) -> None:
    """Scores are calculations: an edited indicator gives new scores in the new revision, and
    the page offers no score to type by hand."""
    from survey_forms import load_pilot_form
    from survey_forms.recompute import recompute_calculations
    from sync_server.entries import get_entry
    from sync_server.users import get_user

    form = load_pilot_form("observasi")
    as_tablet = recompute_calculations(form, observation_answers())  # what a tablet sends
    assert as_tablet["skor_k2"] == "58.33" and as_tablet["skor_total"] == "72.22"
    rev = new_entry(app, changes=as_tablet)
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{rev['entry_id']}/form").text
    assert 'name="v:skor_k2"' not in page and 'name="v:hasil_i05"' in page
    resp = web.post(
        f"/entries/{rev['entry_id']}/edit",
        {"name": "hasil_i05", "value": "terpenuhi", "parent_rev": rev["rev"]},
    )
    assert resp.status_code == 302
    with engine_of(app).connect() as conn:
        head = get_entry(conn, get_user(conn, "spv_plg"), rev["entry_id"])["answers"]
    assert head["hasil_i05"] == "terpenuhi"
    assert head["nilai_i05"] == "1" and head["skor_k2"] == "75"
    assert head["skor_total"] == "75"
    # everything else kept exactly
    assert {k: v for k, v in head.items() if not k.startswith(("nilai_", "skor_"))} == {
        k: v for k, v in dict(as_tablet, hasil_i05="terpenuhi").items()
        if not k.startswith(("nilai_", "skor_"))
    }


def test_supervisor_edits_an_answer_inside_a_repeat(app: Flask) -> None:
    """Findings (the repeat ``temuan``) are corrected on the page like any answer."""
    from sync_server.entries import get_entry
    from sync_server.users import get_user

    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{rev['entry_id']}/form").text
    assert 'name="v:rekomendasi@1"' in page and 'name="v:nama_unit"' in page
    resp = web.post(
        f"/entries/{rev['entry_id']}/edit",
        {
            "name": "temuan[1]/rekomendasi",
            "value": "BKPSDM menagih deklarasi dalam dua minggu.",
            "parent_rev": rev["rev"],
        },
    )
    assert resp.status_code == 302
    with engine_of(app).connect() as conn:
        head = get_entry(conn, get_user(conn, "spv_plg"), rev["entry_id"])["answers"]
    assert head["temuan"][1]["rekomendasi"] == "BKPSDM menagih deklarasi dalam dua minggu."
    assert head["temuan"][0] == rev["answers"]["temuan"][0]
    # everything else as it was (the fixture has no scores: the edit adds them, computed)
    from survey_forms import load_pilot_form
    from survey_forms.recompute import recompute_calculations

    expected = copy.deepcopy(rev["answers"])
    expected["temuan"][1]["rekomendasi"] = "BKPSDM menagih deklarasi dalam dua minggu."
    assert head == recompute_calculations(load_pilot_form("observasi"), expected)
    # paths that name nothing, or the wrong place, change nothing
    for bad in ("temuan[9]/rekomendasi", "rekomendasi", "temuan[0]/nama_unit", "x[0]/y", "a/b/"):
        web.post(f"/entries/{rev['entry_id']}/edit", {"name": bad, "value": "z"})
        assert "Pertanyaan tidak dikenal." in web.get(f"/entries/{rev['entry_id']}").text
    with engine_of(app).connect() as conn:
        again = get_entry(conn, get_user(conn, "spv_plg"), rev["entry_id"])["answers"]
    assert again == head
