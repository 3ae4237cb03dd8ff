"""Clients for the account-security tests: HTTP from a chosen loopback source address (the
whole 127.0.0.0/8 is local, so 127.0.0.2 and 127.0.0.3 are two real client addresses), a
browser-like client for the web pages, and a seeded live server with extra settings."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import requests
from waitress import server as waitress_server

from tests.support import server as support_server
from tests.support.addresses import FromAddress
from tests.support.server import LiveServer, start_live_server

from .conftest import seed
from .helpers import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def session_from(source: str | None = None) -> requests.Session:
    """A requests session whose connections come from ``source`` (e.g. ``127.0.0.2``)."""
    session = requests.Session()
    if source:
        session.mount("http://", FromAddress(source))
    return session


def api_sign_in(
    http: requests.Session,
    url: str,
    username: str,
    password: str = PASSWORD,
    *,
    marker: str | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """``POST /api/v1/sessions``."""
    body = {"username": username, "password": password, "device_id": "tablet-" + username}
    if marker:
        body["device_marker"] = marker
    return http.post(url + "/api/v1/sessions", json=body, headers=headers, timeout=30)


def assert_rate_limited(resp: requests.Response) -> int:
    """Assert a 429 ``rate_limited`` answer (Indonesian message first); its Retry-After."""
    assert resp.status_code == 429, resp.text
    body = resp.json()
    assert body["error"] == "rate_limited" and "Terlalu banyak" in body["message_id"]
    wait = int(resp.headers["Retry-After"])
    assert wait > 0
    return wait


class Browser:
    """The web pages through real HTTP: sign-in form, CSRF tokens, cookies."""

    def __init__(self, url: str, source: str | None = None) -> None:
        self.url = url
        self.http = session_from(source)
        self.token: str | None = None

    def get(self, path: str) -> requests.Response:
        resp = self.http.get(self.url + path, allow_redirects=False, timeout=30)
        match = CSRF_RE.search(resp.text) if resp.status_code == 200 else None
        if match:
            self.token = match.group(1)
        return resp

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        if self.token is None:
            self.get("/signin")
        payload = {"csrf_token": self.token or "", **data}
        return self.http.post(self.url + path, data=payload, allow_redirects=False, timeout=30)

    def sign_in(self, username: str, password: str = PASSWORD) -> requests.Response:
        self.get("/signin")
        return self.post("/signin", {"username": username, "password": password})

    def signed_in(self) -> bool:
        """Does the start page open (rather than redirect to the sign-in page)?"""
        return self.get("/").status_code == 200

    def cookie(self, name: str = "session") -> str | None:
        return self.http.cookies.get(name)


@contextmanager
def seeded_server(database_url: str, tmp_path: Path, **config: Any) -> Iterator[LiveServer]:
    """A seeded live server (plain-HTTP cookies) with ``config`` on top of the defaults.

    Waitress is told to pass X-Forwarded-* headers through to the app (as gunicorn does, and as
    ``survey-server serve`` must when ``TRUSTED_PROXY_COUNT`` is set), so that the app alone
    decides whether to trust them."""
    passing = functools.partial(waitress_server.create_server, clear_untrusted_proxy_headers=False)
    with mock.patch.object(support_server, "create_server", passing):
        live = start_live_server(
            tmp_path / "instance-signin", database_url, SESSION_COOKIE_SECURE=False, **config
        )
    try:
        seed(live)
        yield live
    finally:
        live.stop()
