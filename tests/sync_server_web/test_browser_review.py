"""The supervisor's day in Chromium (Playwright) against the real server on a loopback port:
the entries table on a desktop and at 390 px (cards), the review flow that moves on to the next
entry of the filtered list with keyboard shortcuts, and editing an entry through its form
(skip logic by round trip, a repeat instance added and one removed). No Content-Security-Policy
violation on any of these pages. Screenshots go to ``test-artifacts/web/``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from sync_server.schema import entries, revisions
from tests.support.server import LiveServer, engine_of
from tests.sync_server.helpers import Client, make_revision, observation_answers

from .test_browser import browser, seeded_server, shot, sign_in

__all__ = ["browser"]  # the shared Chromium fixture of test_browser.py

pytestmark = pytest.mark.browser

FORM = "observasi_kabkota_antikorupsi"
VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""
UNITS = (
    ("MPP Kota Palembang", "16.71.04", "2024-08-11"),
    ("Kantor Camat Sukarami", "16.71.07", "2024-08-12"),
    ("Dinas Kesehatan", "16.71.09", "2024-08-13"),
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from seeded_server(tmp_path_factory, "review")


@pytest.fixture(scope="module")
def pushed(live: LiveServer) -> list[dict[str, Any]]:
    """Three observation entries of one tablet, visited on three days."""
    officer = Client(live.url, "petugas_plg")
    revs = []
    for unit, kecamatan, day in UNITS:
        answers = copy.deepcopy(observation_answers())
        answers.update(nama_unit=unit, kecamatan=kecamatan, tanggal_kunjungan=day)
        revs.append(make_revision(answers))
    assert [r["status"] for r in officer.push(*revs)] == ["stored"] * 3
    return revs


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(VIOLATIONS)
    tab = context.new_page()
    try:
        yield tab
        assert tab.evaluate("window.__csp") == []
    finally:
        context.close()


def status_of(live: LiveServer, entry_id: str) -> str:
    with engine_of(live.app).connect() as conn:
        return conn.execute(
            select(entries.c.review_status).where(entries.c.entry_id == entry_id)
        ).scalar_one()


def head_answers(live: LiveServer, entry_id: str) -> tuple[dict[str, Any], int]:
    with engine_of(live.app).connect() as conn:
        head = conn.execute(select(entries.c.head_rev).where(entries.c.entry_id == entry_id))
        head_rev = head.scalar_one()
        rows = conn.execute(
            select(revisions.c.rev, revisions.c.answers).where(revisions.c.entry_id == entry_id)
        ).all()
    return next(json.loads(r.answers) for r in rows if r.rev == head_rev), len(rows)


def test_entries_table_on_a_desktop_and_at_390_px(page: Any, pushed: list[dict[str, Any]]) -> None:
    sign_in(page, "spv_plg")
    page.goto(f"/forms/{FORM}/entries?sort=entry_date&dir=asc")
    headers = page.locator("#entries thead th").all_inner_texts()
    for wanted in ("Nama unit yang diamati", "Kecamatan", "Tanggal kunjungan", "Status"):
        assert any(wanted in h for h in headers), (wanted, headers)
    assert any("Skor keseluruhan" in h for h in headers), headers
    names = page.locator("#entries a.entry-link").all_inner_texts()
    assert names == [f"Kota Palembang – {u} – {d}" for u, _k, d in UNITS]
    first_row = page.locator("#entries tbody tr").first.inner_text()
    assert "Ilir Barat I" in first_row and "Kota Palembang" in first_row
    assert "16.71.04" not in first_row
    shot(page, "20-entries-desktop")
    # a click on the date header turns the order round
    page.click("#entries thead th >> text=Tanggal kunjungan")
    page.wait_for_url("**dir=desc**")
    assert page.locator("#entries a.entry-link").first.inner_text().endswith("2024-08-13")
    # the visit-date filter
    page.fill("#f-entry-from", "2024-08-12")
    page.fill("#f-entry-to", "2024-08-12")
    page.click("#f-apply")
    page.wait_for_url("**entry_date_from=2024-08-12**")
    assert page.locator("#entries a.entry-link").all_inner_texts() == [
        "Kota Palembang – Kantor Camat Sukarami – 2024-08-12"
    ]
    # a phone: one card per entry, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/forms/{FORM}/entries?sort=entry_date&dir=asc")
    assert not page.locator("#entries thead").is_visible()
    assert not page.locator("#filters").is_visible()  # folded away until asked for
    page.click("#filterbox > summary")
    assert page.locator("#f-entry-from").is_visible()
    card = page.locator("#entries tbody tr").first
    assert card.evaluate("r => getComputedStyle(r).display") == "block"
    box = card.bounding_box()
    assert box is not None and box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cell = card.locator("td[data-col='kecamatan']")
    assert cell.inner_text() == "Ilir Barat I"
    assert cell.evaluate("c => getComputedStyle(c, '::before').content") == '"Kecamatan: "'

    shot(page, "21-entries-390px")
    page.goto(f"/entries/{pushed[0]['entry_id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "22-entry-390px")


def test_review_moves_on_with_keyboard_shortcuts(
    page: Any, live: LiveServer, pushed: list[dict[str, Any]]
) -> None:
    ids = [r["entry_id"] for r in pushed]
    sign_in(page, "spv_plg")
    page.goto(f"/forms/{FORM}/entries?review_status=received&sort=entry_date&dir=asc")
    page.locator("#entries a.entry-link").first.click()
    page.wait_for_selector("#scores")
    assert ids[0] in page.url and "list=" in page.url
    assert "Komponen 1: Tata Kelola Pemerintahan Daerah" in page.inner_text("#scores")
    shot(page, "23-entry-scores")
    # a: approve, and on to the next entry of the list
    page.keyboard.press("a")
    page.wait_for_url(f"**/entries/{ids[1]}?list=**")
    assert "Disetujui" in page.inner_text(".flash.success")
    assert status_of(live, ids[0]) == "approved"
    # c: needs correction; the comment box takes the text, Ctrl+Enter saves
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "review-comment"
    page.keyboard.type("Foto bukti indikator 5 kurang jelas.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/entries/{ids[2]}?list=**")
    assert status_of(live, ids[1]) == "needs_correction"
    shot(page, "24-after-two-reviews")
    # k / j: previous and next without reviewing (the reviewed entries left the filtered list)
    assert page.locator("#prev-entry").count() == 0
    page.goto(f"/entries/{ids[1]}?list=sort%3Dentry_date%26dir%3Dasc")  # every status
    page.keyboard.press("k")
    page.wait_for_url(f"**/entries/{ids[0]}?list=**")
    page.keyboard.press("j")
    page.wait_for_url(f"**/entries/{ids[1]}?list=**")
    page.keyboard.press("j")
    page.wait_for_url(f"**/entries/{ids[2]}?list=**")
    assert page.locator("#next-entry").count() == 0
    # a typed "a" in the comment box is text, not a shortcut
    page.click("#review-comment")
    page.keyboard.type("a")
    page.wait_for_timeout(300)
    assert ids[2] in page.url and status_of(live, ids[2]) == "received"


def test_edit_through_the_form_with_repeats(
    page: Any, live: LiveServer, pushed: list[dict[str, Any]]
) -> None:
    from playwright.sync_api import expect  # waits without evaluated JS (the page's CSP)

    entry_id = pushed[2]["entry_id"]
    before, count = head_answers(live, entry_id)
    sign_in(page, "spv_plg")
    page.goto(f"/entries/{entry_id}")
    page.keyboard.press("e")
    page.wait_for_selector("#entry-form")
    assert page.locator(".finstance").count() == 3
    assert page.locator("[id='q-skor_mcp']").count() == 1
    shot(page, "25-form-edit")
    # skip logic: "not applicable" removes the MCP score question (one round trip)
    page.locator("input[name='v:hasil_i01'][value='tidak_berlaku']").check()
    page.wait_for_selector("[id='q-skor_mcp']", state="detached")
    # a repeat instance added and filled, the first one removed
    page.click("button.add-instance")
    expect(page.locator(".finstance")).to_have_count(4)
    page.fill("textarea[name='v:temuan_teks@3']", "Maklumat pelayanan tidak dipasang.")
    page.locator("input[name='v:temuan_komponen@3'][value='k3']").check()
    page.fill("textarea[name='v:rekomendasi@3']", "Pasang maklumat pelayanan di loket.")
    page.locator("input[name='v:prioritas@3'][value='rendah']").check()
    page.locator(".finstance").first.locator("button.remove-instance").click()
    expect(page.locator(".finstance")).to_have_count(3)
    assert page.input_value("textarea[name='v:temuan_teks@2']") == (
        "Maklumat pelayanan tidak dipasang."
    )
    # a constraint: shown, nothing saved
    page.fill("input[name='v:jumlah_petugas']", "999")
    page.click("#form-save")
    page.wait_for_selector(".ferror")
    assert "Isi angka antara 0 dan 200." in page.inner_text("[id='q-jumlah_petugas']")
    assert head_answers(live, entry_id)[1] == count
    shot(page, "26-form-constraint")
    page.fill("input[name='v:jumlah_petugas']", "9")
    page.fill("#form-comment", "Sesuai berita acara kunjungan.")
    page.click("#form-save")
    page.wait_for_selector(".flash.success")
    assert f"/entries/{entry_id}" in page.url
    shot(page, "27-entry-after-form-edit")
    after, new_count = head_answers(live, entry_id)
    assert new_count == count + 1
    assert after["jumlah_petugas"] == 9 and after["hasil_i01"] == "tidak_berlaku"
    assert "skor_mcp" not in after
    assert [t["temuan_teks"] for t in after["temuan"]] == [
        *(t["temuan_teks"] for t in before["temuan"][1:]),
        "Maklumat pelayanan tidak dipasang.",
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/entries/{entry_id}/form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "28-form-390px")
