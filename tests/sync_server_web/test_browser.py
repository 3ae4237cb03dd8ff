"""Browser tests: Playwright drives the machine's Chromium (headless) against the real server on
a loopback port. Sign in, filter, review with a comment (checked in the officer's pull feed),
resolve a conflict made by two tablets, download an export, switch language, administration.
A screenshot of each page goes to ``test-artifacts/web/``.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import LiveServer, start_live_server
from tests.sync_server.helpers import Client, child, make_revision, observation_answers

from .conftest import PASSWORD, seed_accounts

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
FORM = "observasi_kabkota_antikorupsi"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if CHROMIUM is None:
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )


def seeded_server(factory: pytest.TempPathFactory, name: str) -> Iterator[LiveServer]:
    """A live server over plain HTTP with the seeded accounts (the browser modules' ``live``)."""
    server = start_live_server(factory.mktemp(name) / "instance", SESSION_COOKIE_SECURE=False)
    seed_accounts(server.app)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from seeded_server(tmp_path_factory, "web")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, username: str) -> None:
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/")


def push_entries(live: LiveServer) -> tuple[Client, list[dict[str, Any]]]:
    officer = Client(live.url, "petugas_plg")
    revisions = []
    for kecamatan, unit in (
        ("16.71.04", "MPP Kota Palembang"),
        ("16.71.07", "Kantor Camat Sukarami"),
    ):
        answers = dict(observation_answers(), kecamatan=kecamatan, nama_unit=unit)
        revisions.append(make_revision(answers))
    results = officer.push(*revisions)
    assert [r["status"] for r in results] == ["stored", "stored"]
    return officer, revisions


def test_sign_in_filter_review_and_export(page: Any, live: LiveServer) -> None:
    officer, revisions = push_entries(live)
    page.goto("/")
    assert "/signin" in page.url
    shot(page, "01-signin")
    sign_in(page, "spv_plg")
    shot(page, "02-forms")
    page.click(f"a[href='/forms/{FORM}/entries']")
    page.select_option("#f-kecamatan", "16.71.07")
    page.click("#f-apply")
    page.wait_for_url("**kecamatan=16.71.07**")
    rows = page.locator("#entries tbody tr")
    assert rows.count() == 1
    assert "Kantor Camat Sukarami" in rows.first.inner_text()
    shot(page, "03-entries-filtered")

    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["KEY"] for r in records] == [f"uuid:{revisions[1]['entry_id']}"]  # ODK key form
    # the photos the ZIP will hold are shown before its download (these entries sent none)
    # (a selector wait, not a JS predicate: the page's CSP may refuse evaluated strings)
    page.wait_for_selector("#export-zip-size:not(:empty)")
    assert page.inner_text("#export-zip-size") == "Foto dalam ZIP: 0 berkas, 0 B"
    shot(page, "03b-export-size")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    root = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert [r[list(root[0]).index("KEY")] for r in root[1:]] == [f"uuid:{revisions[1]['entry_id']}"]

    page.click(f"a[href^='/entries/{revisions[1]['entry_id']}']")
    page.wait_for_selector("#review-form")
    shot(page, "04-entry")
    page.check("input[name=status][value=needs_correction]")
    page.fill("#review-comment", "Nama unit kurang lengkap.")
    page.click("#review-stay")
    page.wait_for_selector(".flash.success")
    assert "Perlu perbaikan" in page.inner_text("#entry-status")
    shot(page, "05-entry-reviewed")
    changes, _cursor = officer.pull_all()
    head = [c for c in changes if c.get("entry_id") == revisions[1]["entry_id"]][-1]
    assert head["review_status"] == "needs_correction"
    assert head["review_comment"] == "Nama unit kurang lengkap."


def test_resolve_a_conflict_made_by_two_tablets(page: Any, live: LiveServer) -> None:
    officer = Client(live.url, "petugas_plg")
    base = make_revision(observation_answers())
    assert officer.push(base)[0]["status"] == "stored"
    side_a = child(base, dict(base["answers"], jumlah_petugas=5))
    side_b = child(base, dict(base["answers"], jumlah_petugas=7))
    assert officer.push(side_a)[0]["status"] == "stored"
    result = officer.push(side_b)[0]
    assert result["status"] == "conflict", result
    sign_in(page, "spv_plg")
    page.goto("/conflicts")
    shot(page, "06-conflicts")
    page.click(f"a[href='/entries/{base['entry_id']}/conflict']")
    page.wait_for_selector("#resolve-form")
    shot(page, "07-conflict")
    row = page.locator("tr", has=page.locator("code", has_text="jumlah_petugas"))
    row.locator("input[name^=value_]").fill("6")  # typing picks "other value"
    page.fill("#resolve-comment", "Sesuai daftar hadir.")
    page.click("#resolve-save")
    page.wait_for_selector(".flash.success")
    assert "Diterima" in page.inner_text("#entry-status")
    shot(page, "08-entry-after-resolve")
    changes, _cursor = officer.pull_all()
    head = [c for c in changes if c.get("entry_id") == base["entry_id"]][-1]
    assert head["answers"]["jumlah_petugas"] == 6 and head["conflicts"] == []


def test_dashboard_language_switch_and_administration(page: Any, live: LiveServer) -> None:
    push_entries(live)
    sign_in(page, "admin")
    page.goto(f"/dashboard?form_id={FORM}")
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart rect.bar").count() == 30
    shot(page, "09-dashboard")
    page.click("#lang-en")
    page.wait_for_selector("text=Entries received per day")
    assert page.locator("button", has_text="Sign out").count() == 1
    shot(page, "10-dashboard-en")
    page.click("#lang-id")
    page.goto("/admin/users")
    shot(page, "11-admin-users")
    page.goto("/admin/forms")
    page.set_input_files(
        "#form-upload input[name=file]",
        files=[
            {
                "name": "rusak.md",
                "mimeType": "text/markdown",
                "buffer": b"| survey |\n| | type | name | label |\n| | integr | n | N |\n",
            }
        ],
    )
    page.click("#form-upload button")
    page.wait_for_selector("#load-error")
    assert "integr" in page.inner_text("#load-error")
    shot(page, "12-admin-forms-error")
    page.goto("/admin/audit")
    assert page.locator("#audit tbody tr").count() > 5
    shot(page, "13-admin-audit")


def test_publish_a_form_with_its_choice_file(page: Any, live: LiveServer) -> None:
    """The admin uploads a form and the CSV it takes its choices from; the version is kept
    with the file, and a tablet's account downloads the file."""
    sign_in(page, "admin")
    page.goto("/admin/forms")
    form = (
        b"| survey |\n| | type | name | label |\n"
        b"| | select_one_from_file desa.csv | desa | Desa |\n"
        b"| settings |\n| | form_id | version |\n| | desa_browser | 1 |\n"
    )
    desa = b"name,label\nbukit,Bukit Lama\nlorok,Lorok Pakjo\n"
    page.set_input_files("#form-upload input[name=file]",
                         files=[{"name": "desa_browser.md", "mimeType": "text/markdown",
                                 "buffer": form}])
    page.set_input_files("#form-media", files=[{"name": "desa.csv", "mimeType": "text/csv",
                                                "buffer": desa}])
    shot(page, "14-admin-forms-choice-file")
    page.click("#form-upload button")
    page.wait_for_selector("text=Disimpan bersamanya: desa.csv.")
    shot(page, "15-admin-forms-published-with-file")
    tablet = Client(live.url, "petugas_plg")
    got = tablet.get("/forms/desa_browser/1/media/desa.csv")
    assert got.status_code == 200 and got.content == desa
