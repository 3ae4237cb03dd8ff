"""A whole field day, end to end, on SQLite and on PostgreSQL.

Two tablets (field_app stores with their sync clients, real HTTP) and one sync server on
loopback. Both officers fill entries offline through the form session (one with a photo); one
syncs; a supervisor edits one entry, sends another back for correction and approves a third; the
officers sync, correct (while the supervisor adds a note to another field of the same entry: a
clean three-way merge) and sync again; the same entry is edited on a tablet and on the server,
and the conflict is resolved on the review pages' conflict page in Chromium (Playwright);
finally the CSV export (and the repeat table of the ZIP export) holds exactly the final merged
data, compared value by value.
"""

from __future__ import annotations

import copy
import csv
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from field_app import entries as lifecycle
from field_app.form_session import EntryEditor
from survey_forms import pilot_form_path
from survey_forms.instance_keys import strip_keys
from tests.field_app.photo_samples import small_photo
from tests.support.server import LiveServer, create_user, publish_form, start_live_server

from .field_day_helpers import (
    META_COLUMNS,
    PASSWORD,
    Staff,
    base_answers,
    expected_cell,
    fill,
    row_mismatches,
    tablet,
)

FORM_ID = "observasi_kabkota_antikorupsi"
FORM_VERSION = "2024110101"
REGION = "16.71"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def field_server(database_url: str, tmp_path: Path) -> Any:
    """The server with the pilot form, two officers and a supervisor (plain-HTTP cookies)."""
    server = start_live_server(tmp_path / "instance", database_url,
                               SESSION_COOKIE_SECURE=False)
    publish_form(server.app, pilot_form_path("observasi"))
    create_user(server.app, "ani", PASSWORD, "officer", [REGION], "Ani Lestari")
    create_user(server.app, "budi", PASSWORD, "officer", [REGION], "Budi Santoso")
    create_user(server.app, "sari", PASSWORD, "supervisor", [REGION], "Sari Wulandari")
    try:
        yield server
    finally:
        server.stop()


def variant(n: int, officer: str) -> dict[str, Any]:
    """A complete entry, distinct per officer and number."""
    answers = base_answers()
    answers["nama_unit"] = f"Unit layanan {officer} {n}"
    answers["jumlah_petugas"] = 3 + n
    answers["catatan_i02"] = f"Catatan i02 {officer} {n}"
    return answers


def fill_offline(
    store: Any, form: Any, answers: dict[str, Any], photo: Path | None = None
) -> tuple[str, dict[str, Any]]:
    """Fill and finalize one entry through the form session; return its id and answers."""
    editor = EntryEditor.new(store, form, REGION)
    fill(editor, answers)
    if photo is not None:
        answers = {**answers, "foto_i08": editor.attach_photo("foto_i08", photo)}
    assert editor.finalize() == []
    final = store.get_entry(editor.entry_id)["answers"]
    content = strip_keys(final, form)  # every finding got its "@key" on the tablet
    for name, value in answers.items():
        assert content[name] == value, name
    assert all(len(item["@key"]) == 32 for item in final["temuan"])
    return editor.entry_id, final


def correct(store: Any, form: Any, entry_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Start a correction of a sent entry, change answers through the session, finalize."""
    store.start_correction(entry_id)
    editor = EntryEditor(store, form, entry_id)
    for name, value in changes.items():
        editor.set_answer(name, value)
    assert editor.finalize() == []
    return store.get_entry(entry_id)["answers"]


def synced(client: Any) -> Any:
    outcome = client.sync()
    assert outcome.ok, outcome
    return outcome


def resolve_in_browser(url: str, entry_id: str, pick_text: str, custom: dict[str, str]) -> None:
    """Sign in to the review pages and resolve the conflict on its page, as a supervisor does.

    ``pick_text``: for the field whose sides show this text, choose that side;
    ``custom``: field path → a value typed into "Other value".
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "/signin")
            page.fill("#username", "sari")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "/signin" not in page.url, page.content()[:2000]
            page.goto(f"{url}/entries/{entry_id}/conflict")
            rows = page.locator("table.conflict tbody tr")
            assert rows.count() == 1 + len(custom), page.content()[:3000]
            picked = 0
            for i in range(rows.count()):
                row = rows.nth(i)
                path = row.locator("code").inner_text().strip()
                typed = next((v for p, v in custom.items() if p in path), None)
                if typed is not None:
                    row.locator(f"input[name=value_{i}]").fill(typed)
                    row.locator("input[type=radio][value=custom]").check()
                    continue
                label = row.locator("label.pick", has_text=pick_text)
                assert label.count() == 1, row.inner_html()
                label.locator("input[type=radio]").check()
                picked += 1
            assert picked == 1
            page.fill("#resolve-comment", "Diselesaikan di halaman konflik")
            page.click("#resolve-save")
            page.wait_for_load_state()
            assert f"/entries/{entry_id}" in page.url and "/conflict" not in page.url
        finally:
            browser.close()


def exported_rows(staff: Staff) -> tuple[dict[str, dict[str, str]], dict[str, list[dict]]]:
    """The root CSV rows by entry id, and the repeat rows of the ZIP by parent entry id."""
    response = staff.get(f"/export/{FORM_ID}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    by_id = {row["KEY"].removeprefix("uuid:"): row for row in rows}
    assert len(by_id) == len(rows), "an entry appears twice in the export"
    response = staff.get(f"/export/{FORM_ID}.zip")
    assert response.status_code == 200, response.text
    repeats: dict[str, list[dict]] = {}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read(f"{FORM_ID}-temuan.csv").decode("utf-8-sig")
    for row in csv.DictReader(io.StringIO(text, newline="")):
        repeats.setdefault(row["PARENT_KEY"].removeprefix("uuid:"), []).append(row)
    return by_id, repeats


@pytest.mark.browser
def test_a_field_day_with_review_correction_conflict_and_export(
    field_server: LiveServer, tmp_path: Path
) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    url = field_server.url
    ani, ani_sync = tablet(tmp_path / "tablet-ani", url, "ani")
    budi, budi_sync = tablet(tmp_path / "tablet-budi", url, "budi")
    synced(ani_sync)  # morning, at the office: forms downloaded
    synced(budi_sync)
    form_a = ani_sync.form(FORM_ID, FORM_VERSION)
    form_b = budi_sync.form(FORM_ID, FORM_VERSION)
    assert form_a is not None and form_b is not None

    # In the field, offline: Ani fills three entries, Budi two.
    expected: dict[str, dict[str, Any]] = {}
    photo = tmp_path / "antrean_daring.jpg"
    photo_bytes = small_photo()  # within the form's max-pixels and upright: kept as it is
    photo.write_bytes(photo_bytes)
    a1, a2, a3 = (fill_offline(ani, form_a, variant(n, "ani"), photo if n == 0 else None)
                  for n in range(3))
    b1, b2 = (fill_offline(budi, form_b, variant(n, "budi")) for n in range(2))
    for entry_id, answers in (a1, a2, a3, b1, b2):
        expected[entry_id] = copy.deepcopy(answers)
    a1, a2, a3, b1, b2 = (pair[0] for pair in (a1, a2, a3, b1, b2))
    assert ani.counts()[lifecycle.FINALIZED] == 3 and budi.counts()[lifecycle.FINALIZED] == 2

    # Ani syncs; Budi is still out of coverage.
    assert synced(ani_sync).sent == 3
    sari = Staff(url, "sari")
    for entry_id in (a1, a2, a3):
        assert sari.entry(entry_id)["answers"] == expected[entry_id]
    photo_answer = expected[a1]["foto_i08"]
    download = sari.get(f"/api/v1/attachments/{photo_answer['sha256']}")
    assert download.status_code == 200 and download.content == photo_bytes
    assert sari.get(f"/api/v1/entries/{b1}").status_code == 404

    # The supervisor edits A1, sends A2 back for correction, approves A3.
    head = sari.entry(a1)
    edited = {**head["answers"], "catatan_i02": "Diperbaiki supervisor: PKPT belum mencakup MPP."}
    sari.post(f"/entries/{a1}/revisions", {"parent_rev": head["rev"], "answers": edited,
                                           "comment": "Catatan diperjelas"})
    expected[a1] = edited
    comment = "Jumlah petugas yang hadir salah, mohon diperiksa."
    sari.post(f"/entries/{a2}/review", {"status": "needs_correction", "comment": comment})
    sari.post(f"/entries/{a3}/review", {"status": "approved", "comment": "Lengkap"})

    # Both officers sync: Budi's entries arrive, Ani receives the edit and the request.
    assert synced(budi_sync).sent == 2
    synced(ani_sync)
    assert ani.get_entry(a1)["answers"] == expected[a1]
    assert ani.get_entry(a1)["status"] == lifecycle.SENT
    assert ani.get_entry(a2)["status"] == lifecycle.NEEDS_CORRECTION
    assert ani.get_entry(a2)["review_comment"] == comment
    assert ani.get_entry(a3)["review_status"] == "approved"

    # Ani corrects A2; meanwhile the supervisor adds a note to another field of A2. The sync
    # merges both (different fields) and brings the merged head back to the tablet.
    tablet_a2 = correct(ani, form_a, a2, {
        "jumlah_petugas": 9, "catatan_i05": "Dikoreksi: 9 petugas hadir saat kunjungan."})
    head = sari.entry(a2)
    note = "Catatan supervisor: bukti pengaduan diperiksa."
    sari.post(f"/entries/{a2}/revisions", {"parent_rev": head["rev"], "comment": "Catatan",
                                           "answers": {**head["answers"], "catatan_i07": note}})
    expected[a2] = {**tablet_a2, "catatan_i07": note}
    assert synced(ani_sync).sent == 1
    server_a2 = sari.entry(a2)
    assert server_a2["answers"] == expected[a2]
    assert server_a2["conflicts"] == []
    assert server_a2["review_status"] == "received"
    assert ani.get_entry(a2)["status"] == lifecycle.SENT
    assert ani.get_entry(a2)["answers"] == expected[a2]
    assert ani.get_entry(a2)["rev"] == server_a2["rev"]

    # The same entry B1 changed on Budi's tablet and by the supervisor on the server.
    head = sari.entry(b1)
    server_side = {**head["answers"], "nama_unit": "Nama unit versi supervisor",
                   "jumlah_petugas": 7, "catatan_i07": "Ditambahkan supervisor."}
    sari.post(f"/entries/{b1}/revisions", {"parent_rev": head["rev"], "answers": server_side,
                                           "comment": "Data unit"})
    tablet_side = correct(budi, form_b, b1, {
        "nama_unit": "Nama unit versi tablet", "jumlah_petugas": 6,
        "catatan_i03": "Ditambahkan di tablet."})
    outcome = budi_sync.sync()
    assert outcome.sent == 1
    assert budi.get_entry(b1)["status"] == lifecycle.CONFLICT
    conflicted = sari.entry(b1)
    assert conflicted["review_status"] == "conflict"
    assert {c["path"] for c in conflicted["conflicts"]} == {"nama_unit", "jumlah_petugas"}
    assert conflicted["answers"]["catatan_i03"] == "Ditambahkan di tablet."
    assert conflicted["answers"]["catatan_i07"] == "Ditambahkan supervisor."

    # Resolved on the web page: the tablet's unit name, a typed staff count.
    resolve_in_browser(url, b1, "Nama unit versi tablet", {"jumlah_petugas": "8"})
    resolved = sari.entry(b1)
    assert resolved["review_status"] == "received" and resolved["conflicts"] == []
    expected[b1] = {**tablet_side, "nama_unit": "Nama unit versi tablet", "jumlah_petugas": 8,
                    "catatan_i07": "Ditambahkan supervisor."}
    assert resolved["answers"] == expected[b1]

    # Evening sync: both tablets hold the final data, nothing waits.
    synced(budi_sync)
    synced(ani_sync)
    assert budi.get_entry(b1)["answers"] == expected[b1]
    assert budi.get_entry(b1)["status"] == lifecycle.SENT
    for store, ids in ((ani, (a1, a2, a3)), (budi, (b1, b2))):
        assert not store.has_unsent()
        for entry_id in ids:
            assert store.get_entry(entry_id)["answers"] == expected[entry_id]
            assert sari.entry(entry_id)["rev"] == store.get_entry(entry_id)["rev"]

    # The export holds exactly the final merged data.
    rows, repeats = exported_rows(sari)
    assert set(rows) == set(expected)
    for entry_id, answers in expected.items():
        row = rows[entry_id]
        assert len(set(row) - META_COLUMNS) > 60  # every question has its column
        assert row_mismatches(row, answers) == [], entry_id
        assert row["RegionCode"] == REGION
        submitted = answers["temuan"]
        got = repeats[entry_id]
        assert len(got) == len(submitted)
        for item, line in zip(submitted, got, strict=True):
            assert not any("@" in header for header in line)  # the key is never a column
            for name, value in item.items():
                if name == "@key":
                    assert value not in line.values()
                    continue
                cells = [cell for header, cell in line.items()
                         if header == name or header.endswith("-" + name)]
                assert cells == [expected_cell(value)], (entry_id, name)
    photo_cells = [v for h, v in rows[a1].items() if h.split("-")[-1] == "foto_i08"]
    assert photo_cells == [expected[a1]["foto_i08"]["filename"]]  # named after question, entry
    assert photo_cells[0].startswith(f"foto_i08-{a1[:8]}-")
    assert (rows[a1]["AttachmentsPresent"], rows[a1]["AttachmentsExpected"]) == ("1", "1")
    assert rows[a3]["ReviewState"] == "approved"
    assert rows[a2]["ReviewStatus"] == "received"
    assert rows[a1]["SubmitterID"] == "ani" and rows[b2]["SubmitterID"] == "budi"
