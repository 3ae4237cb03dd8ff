"""Security headers on every response: every page without parameters in the app's URL map (as
an admin, a supervisor and anonymously), API answers, static files and error pages. SQLite and
PostgreSQL through the live server."""

from __future__ import annotations

import pytest
import requests

from sync_server.security_headers import SECURITY_HEADERS
from tests.support.server import LiveServer

from .attachment_support import jpeg, push_with_photo, upload, web_server, web_session
from .helpers import Client

__all__ = ["web_server"]

CSP_DIRECTIVES = ("default-src 'self'", "form-action 'self'", "frame-ancestors 'none'")


def get_routes(server: LiveServer) -> list[str]:
    """Every GET route of the app without URL parameters."""
    routes = sorted(
        rule.rule
        for rule in server.app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    )
    assert len(routes) >= 10, routes
    return routes


def assert_headers(resp: requests.Response) -> None:
    where = f"{resp.request.method} {resp.url} -> {resp.status_code}"
    assert resp.headers.get("X-Frame-Options") == "DENY", where
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
    assert resp.headers.get("Referrer-Policy") == SECURITY_HEADERS["Referrer-Policy"], where
    csp = resp.headers.get("Content-Security-Policy", "")
    if resp.headers.get("Content-Type", "").startswith("text/html"):
        for directive in CSP_DIRECTIVES:
            assert directive in csp, (where, csp)
    else:
        assert "frame-ancestors 'none'" in csp or "default-src 'none'" in csp, (where, csp)


@pytest.mark.parametrize("who", ["admin", "spv_plg", None])
def test_every_page_and_answer_carries_the_headers(web_server: LiveServer, who: str | None) -> None:
    session = web_session(web_server.url, who)
    html_pages = 0
    for route in get_routes(web_server):
        resp = session.get(web_server.url + route, allow_redirects=False, timeout=60)
        assert resp.status_code < 500, (route, resp.status_code)
        assert_headers(resp)
        html_pages += resp.headers.get("Content-Type", "").startswith("text/html")
    assert html_pages >= (5 if who else 1)
    for extra in ("/static/review/review.js", "/static/review/review.css", "/no/such/page"):
        assert_headers(session.get(web_server.url + extra, timeout=10))
    assert_headers(session.post(web_server.url + "/api/v1/sync/push", json={}, timeout=10))


def test_entry_pages_and_photos_carry_the_headers(web_server: LiveServer) -> None:
    tab = Client(web_server.url, "petugas_plg")
    photo = jpeg()
    assert upload(tab, photo).status_code == 201
    rev = push_with_photo(tab, "petugas_plg", photo)
    session = web_session(web_server.url, "spv_plg")
    page = session.get(f"{web_server.url}/entries/{rev['entry_id']}", timeout=10)
    assert page.status_code == 200
    assert_headers(page)
    for resp in (
        session.get(f"{web_server.url}/entries/{rev['entry_id']}/files/{'0' * 64}", timeout=10),
        Client(web_server.url, "spv_plg").get(f"/attachments/{'0' * 64}"),
        tab.session.head(f"{tab.base}/attachments/{'0' * 64}", timeout=10),
        tab.get(f"/entries/{rev['entry_id']}"),
    ):
        assert_headers(resp)
