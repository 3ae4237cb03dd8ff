"""The Content-Security-Policy breaks nothing: Chromium (Playwright) visits every page without
URL parameters, an entry with a photo and the dashboard, as a supervisor and an admin, and no
policy violation is reported; the photo is drawn. (The review keyboard shortcuts and the form
editor's round trips, which need the page's script, are driven in test_browser_review.py under
the same check.)"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import LiveServer
from tests.sync_server.helpers import Client, make_revision, observation_answers

from .test_browser import browser, seeded_server, sign_in

__all__ = ["browser"]  # the shared Chromium fixture of test_browser.py

pytestmark = pytest.mark.browser

VIOLATION_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A real (decodable) PNG image, red pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from seeded_server(tmp_path_factory, "csp")


@pytest.mark.parametrize("who", ["spv_plg", "admin"])
def test_no_page_breaks_the_policy(browser: Any, live: LiveServer, who: str) -> None:
    import hashlib

    photo = tiny_png()
    digest = hashlib.sha256(photo).hexdigest()
    officer = Client(live.url, "petugas_plg")
    put = officer.session.put(
        f"{officer.base}/attachments/{digest}", data=photo, headers={"Content-Type": "image/png"}
    )
    assert put.status_code in (200, 201)
    answers = observation_answers()
    answers["foto_i01"] = {"sha256": digest, "filename": "foto.png", "media_type": "image/png"}
    rev = make_revision(answers)
    assert officer.push(rev)[0]["status"] == "stored"

    context = browser.new_context(base_url=live.url)
    context.set_default_timeout(15_000)
    context.add_init_script(VIOLATION_SCRIPT)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    try:
        sign_in(page, who)
        routes = sorted(
            rule.rule
            for rule in live.app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and not rule.arguments
            and not rule.rule.startswith(("/api/", "/static"))
            and "export" not in rule.rule
            and rule.rule != "/signout"
        )
        visited = []
        for route in [*routes, f"/entries/{rev['entry_id']}"]:
            resp = page.goto(route)
            if resp is None or "text/html" not in resp.headers.get("content-type", ""):
                continue
            page.wait_for_load_state("load")
            visited.append(route)
            assert page.evaluate("window.__csp") == [], (route, page.evaluate("window.__csp"))
        assert len(visited) >= 4, visited
        drawn = page.evaluate(
            "d => Array.from(document.images).filter(i => i.src.endsWith('/files/' + d))"
            ".map(i => i.complete && i.naturalWidth)",
            digest,
        )
        assert drawn and all(width == 4 for width in drawn), drawn
    finally:
        context.close()
    assert not [line for line in console if "Content Security Policy" in line], console
