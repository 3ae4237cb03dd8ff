"""The tablet against the server's sign-in limits and upload refusals (real server, loopback).

* The tablet keeps the known-device marker the server hands out at sign-in and sends it back
  next time, so wrong passwords tried by someone else, even from the same address (one office
  NAT), never stop the officer signing in on their own tablet.
* A photo the server refuses (415: not a JPEG, PNG or WebP) is reported in the server's own words,
  in both languages, not as "something unexpected went wrong".
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests

from field_app.http_api import ApiClient, SyncError
from tests.field_app.live import PASSWORD, tablet
from tests.support.server import LiveServer


def _hammer(url: str, username: str, attempts: int) -> list[int]:
    statuses = []
    for i in range(attempts):
        resp = requests.post(f"{url}/api/v1/sessions", timeout=10, json={
            "username": username, "password": f"wrong-{i}", "device_id": "attacker"})
        statuses.append(resp.status_code)
    return statuses


def test_a_known_tablet_signs_in_while_someone_else_guesses_its_password(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert store.get_setting("device_marker:petugas")  # kept from the server's answer
    client.sign_out()

    statuses = _hammer(server.url, "petugas", 15)
    assert 429 in statuses  # the guesser is slowed down ...

    user = client.sign_in("petugas", PASSWORD)  # ... the officer's own tablet is not
    assert user["username"] == "petugas"

    _, fresh = tablet(tmp_path / "new-tab", server.url)  # a device the server does not know
    with pytest.raises(SyncError) as refused:
        fresh.sign_in("petugas", PASSWORD)
    assert refused.value.reason == "rate_limited"


def test_a_refused_photo_is_reported_in_the_servers_words(
    server: LiveServer, tmp_path: Path
) -> None:
    _, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    api = ApiClient(server.url, tablet_token(tmp_path / "tab"), max_retries=0)
    page = b"<html><script>alert(1)</script></html>"
    with pytest.raises(SyncError) as refused:
        api.put_attachment(hashlib.sha256(page).hexdigest(), page, "image/jpeg")
    error = refused.value
    assert error.reason == "upload_refused"
    intro = "Server menolak sebuah foto; foto lain dan entri lain tetap aman di tablet. Kata server:"
    assert error.message["id"].startswith(intro)
    assert len(error.message["id"]) > len(intro) + 10  # the server's own words follow
    assert error.message["en"].startswith("The server refused a photo;")
    assert len(error.message["en"]) > len("The server refused a photo; ... The server said:") + 10
    assert "unexpected" not in error.message["en"]


def tablet_token(folder: Path) -> str:
    from field_app.store import Store

    store = Store(folder / "store", durable=False)
    return store.credentials()["token"]
