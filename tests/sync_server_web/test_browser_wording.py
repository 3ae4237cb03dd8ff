"""Counts read right in Chromium: the entries page's script tells how many photos a ZIP export
will hold, with the noun in the count's form ("1 file", "2 files") from the catalog, in English
and Indonesian. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import LiveServer
from tests.sync_server.helpers import Client, make_revision, observation_answers

from .test_browser import FORM, browser, seeded_server, shot, sign_in
from .test_browser_csp import tiny_png

__all__ = ["browser"]  # the shared Chromium fixture of test_browser.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from seeded_server(tmp_path_factory, "wording")


def _push_with_photo(officer: Client, width: int) -> None:
    """One entry holding one photo (a distinct PNG per ``width``), uploaded then pushed."""
    photo = tiny_png(width=width)
    digest = hashlib.sha256(photo).hexdigest()
    put = officer.session.put(
        f"{officer.base}/attachments/{digest}", data=photo, headers={"Content-Type": "image/png"}
    )
    assert put.status_code in (200, 201)
    answers = observation_answers()
    answers["foto_i01"] = {"sha256": digest, "filename": f"foto{width}.png",
                           "media_type": "image/png"}
    assert officer.push(make_revision(answers))[0]["status"] == "stored"


def _zip_text(page: Any) -> str:
    page.goto(f"/forms/{FORM}/entries")
    page.wait_for_selector("#export-zip-size:not(:empty)")  # filled by the page's script
    return page.inner_text("#export-zip-size")


def test_the_zip_photo_count_chooses_its_noun(browser: Any, live: LiveServer) -> None:
    officer = Client(live.url, "petugas_plg")
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "spv_plg")
        page.goto("/lang/en?next=/")
        _push_with_photo(officer, 4)
        one = _zip_text(page)
        assert one.startswith("Photos in the ZIP: 1 file, "), one
        assert page.inner_text("#counts > span:first-child").strip() == "1 entry"
        shot(page, "wording-zip-one-photo")
        _push_with_photo(officer, 5)
        assert _zip_text(page).startswith("Photos in the ZIP: 2 files, ")
        assert page.inner_text("#counts > span:first-child").strip() == "2 entries"
        shot(page, "wording-zip-two-photos")
        page.goto("/lang/id?next=/")
        assert _zip_text(page).startswith("Foto dalam ZIP: 2 berkas, ")
    finally:
        context.close()
