"""A photo file lost or damaged on the server, with the real tablet sync client on loopback.

The database row of a photo says the server holds it; the file on disk is gone, cut short or
overwritten. The server must notice (a 404 for the supervisor, in the web page and the API),
report the photo missing to the tablet that holds it, and take it again on the next sync.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
import requests

from field_app import entries
from field_app.attachments import import_photo
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.support.server import LiveServer

OBS = ("observasi_kabkota_antikorupsi", "2024110101")


def _web_session(server: LiveServer, username: str):
    """A signed-in browser on the review pages (Flask's test client on the same app and
    database: the session cookie is ``Secure``, so plain HTTP on loopback would drop it)."""
    web = server.app.test_client()
    page = web.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = web.post(
        "/signin", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.text
    return web


def _damage(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:  # same size, other bytes: only the hash tells
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["deleted", "truncated", "corrupted"])
def test_lost_photo_is_a_404_and_the_tablet_sends_it_again(
    server: LiveServer, tmp_path: Path, how: str
) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    form = client.form(*OBS)
    photo = tmp_path / "loket.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(40_000))  # a JPEG signature
    answers = observation_answers()
    answers["foto_i08"] = import_photo(tmp_path / "tab" / "attachments", photo)
    sha = answers["foto_i08"]["sha256"]
    entry_id = store.create_draft(form.form_id, form.version, "16.71", answers)
    assert store.finalize_entry(entry_id, form) == []
    assert client.sync().ok
    assert store.get_entry(entry_id)["status"] == entries.SENT

    api = f"{server.url}/api/v1"
    spv = Staff(server.url, "spv")
    web = _web_session(server, "spv")
    photo_page = f"/entries/{entry_id}/files/{sha}"
    assert web.get(photo_page).status_code == 200
    stored = Path(server.app.config["ATTACHMENTS_DIR"]) / sha[:2] / sha
    _damage(stored, how)

    page = web.get(photo_page)
    assert page.status_code == 404
    assert "Foto tidak ada di server" in page.text and "Photo not on the server" in page.text
    download = requests.get(f"{api}/attachments/{sha}", headers=spv.headers, timeout=10)
    assert download.status_code == 404 and download.json()["error"] == "not_found"
    head = requests.head(f"{api}/attachments/{sha}", headers=spv.headers, timeout=10)
    assert head.status_code == 404
    report = spv.get("/entries/missing-attachments")["entries"]
    assert report == [{"entry_id": entry_id, "missing": [sha]}]
    assert spv.post("/attachments/missing", {"sha256": [sha]})["missing"] == [sha]

    again = client.sync()  # the tablet still holds the photo: it sends it again
    assert again.ok, again
    assert stored.read_bytes() == photo.read_bytes()
    assert spv.get("/entries/missing-attachments")["entries"] == []
    download = requests.get(f"{api}/attachments/{sha}", headers=spv.headers, timeout=10)
    assert download.status_code == 200 and download.content == photo.read_bytes()
    page = web.get(photo_page)
    assert page.status_code == 200 and page.data == photo.read_bytes()


@pytest.mark.parametrize("how", ["deleted", "truncated", "corrupted"])
def test_put_of_a_known_photo_rewrites_a_lost_file(
    server: LiveServer, tmp_path: Path, how: str
) -> None:
    """An upload of a photo the server's row says it holds writes the file again when the file
    is missing or damaged (it used to answer "already there" and keep the broken file)."""
    officer = Staff(server.url, "petugas")
    data = b"\xff\xd8\xff\xe0" + os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    url = f"{server.url}/api/v1/attachments/{sha}"
    headers = {**officer.headers, "Content-Type": "image/jpeg"}
    assert requests.put(url, data=data, headers=headers, timeout=10).status_code == 201
    stored = Path(server.app.config["ATTACHMENTS_DIR"]) / sha[:2] / sha
    _damage(stored, how)
    if how != "corrupted":  # the list checks sizes only; the same size needs the hash (below)
        assert officer.post("/attachments/missing", {"sha256": [sha]})["missing"] == [sha]
    assert requests.put(url, data=data, headers=headers, timeout=10).status_code in (200, 201)
    assert stored.read_bytes() == data
    assert requests.get(url, headers=officer.headers, timeout=10).content == data
