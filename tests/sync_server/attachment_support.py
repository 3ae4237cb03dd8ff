"""Shared pieces of the attachment, header and upload tests: a live server whose web session
cookie works over plain HTTP, photo bytes, web sign-in with ``requests``."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.server import LiveServer, create_user, start_live_server

from .conftest import seed
from .helpers import PASSWORD, Client, make_revision, observation_answers

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def jpeg(size: int = 2000) -> bytes:
    """Bytes that start like a JPEG photo (the server checks the signature, not the pixels)."""
    return b"\xff\xd8\xff\xe0" + os.urandom(size)


def png(size: int = 2000) -> bytes:
    """Bytes that start like a PNG image."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size)


def sha(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def start(tmp_path: Path, database_url: str, **config: Any) -> LiveServer:
    """A seeded live server (plus ``spv_mura`` and a second Palembang officer) whose session
    cookie is not ``Secure``, so the web pages can be used over plain HTTP."""
    live = start_live_server(
        tmp_path / "instance", database_url, SESSION_COOKIE_SECURE=False, **config
    )
    seed(live)
    create_user(live.app, "spv_mura", PASSWORD, "supervisor", ["16.05"])
    create_user(live.app, "petugas_plg2", PASSWORD, "officer", ["16.71"])
    return live


@pytest.fixture
def web_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """:func:`start` on SQLite and PostgreSQL."""
    live = start(tmp_path, database_url)
    try:
        yield live
    finally:
        live.stop()


def web_session(url: str, username: str | None) -> requests.Session:
    """A ``requests`` session signed in through the web sign-in form (``None``: anonymous;
    officers are refused by the form and stay anonymous)."""
    session = requests.Session()
    if username is None:
        return session
    page = session.get(url + "/signin", timeout=10)
    token = CSRF_RE.search(page.text)
    assert token, page.text[:500]
    resp = session.post(
        url + "/signin",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    if username.startswith("petugas"):
        assert resp.status_code == 403, resp.status_code  # officers use the tablet
    else:
        assert resp.status_code in (302, 303), resp.text[:500]
    return session


def upload(client: Client, data: bytes, content_type: str = "image/jpeg") -> requests.Response:
    """PUT ``data`` as an attachment."""
    return client.session.put(
        f"{client.base}/attachments/{sha(data)}",
        data=data,
        headers={"Content-Type": content_type},
        timeout=30,
    )


def push_with_photo(
    client: Client, officer: str, data: bytes, region: str = "16.71"
) -> dict[str, Any]:
    """Push a new observation entry whose ``foto_i01`` is ``data``; returns the revision."""
    answers = observation_answers(region)
    answers["foto_i01"] = {"sha256": sha(data), "filename": "bukti.jpg", "media_type": "image/jpeg"}
    rev = make_revision(answers, region=region, officer=officer)
    result = client.push(rev)[0]
    assert result["status"] == "stored", result
    return rev
