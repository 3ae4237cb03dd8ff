"""Who may see, probe and upload which attachment file: a matrix of routes and roles, on SQLite
and PostgreSQL through the live server.

A file is visible to its uploader and to everyone who may read an entry that uses it (officers
their own entries, supervisors their regions, admins all). For anyone else the server answers
exactly as for a file it does not hold, on every route, so nothing tells them it exists.
"""

from __future__ import annotations

import pytest
import requests

from tests.support.server import LiveServer

from .attachment_support import jpeg, push_with_photo, sha, upload, web_server, web_session
from .helpers import Client

__all__ = ["web_server"]

ACCOUNTS = ["petugas_plg", "petugas_plg2", "petugas_mura", "spv_plg", "spv_mura", "admin"]
#: Who may see the photo of petugas_plg's Palembang entry.
SEES_ENTRY_PHOTO = {"petugas_plg", "spv_plg", "admin"}
#: Who may see a photo petugas_plg uploaded that no entry uses yet.
SEES_LOOSE_UPLOAD = {"petugas_plg", "admin"}


def _api(server: LiveServer, who: str | None) -> requests.Session:
    if who is None:
        return requests.Session()
    return Client(server.url, who).session


def _answers(server: LiveServer, session: requests.Session, digest: str) -> dict[str, object]:
    """Every API answer about one file, as comparable data."""
    base = server.url + "/api/v1"
    get = session.get(f"{base}/attachments/{digest}", timeout=10)
    head = session.head(f"{base}/attachments/{digest}", timeout=10)
    missing = session.post(f"{base}/attachments/missing", json={"sha256": [digest]}, timeout=10)
    return {
        "get": (get.status_code, get.content if get.status_code == 200 else get.json()),
        "head": head.status_code,
        "missing": (
            missing.status_code,
            missing.json().get("missing") if missing.status_code == 200 else None,
        ),
    }


@pytest.fixture
def photos(web_server: LiveServer) -> dict[str, object]:
    """An entry photo (used by petugas_plg's entry) and a loose upload (used by no entry)."""
    owner = Client(web_server.url, "petugas_plg")
    entry_photo, loose = jpeg(), jpeg()
    assert upload(owner, entry_photo).status_code == 201
    assert upload(owner, loose).status_code == 201
    rev = push_with_photo(owner, "petugas_plg", entry_photo)
    return {"entry_photo": entry_photo, "loose": loose, "entry_id": rev["entry_id"]}


@pytest.mark.parametrize("who", [*ACCOUNTS, None])
def test_api_get_head_and_missing_follow_what_the_caller_may_read(
    web_server: LiveServer, photos: dict[str, object], who: str | None
) -> None:
    session = _api(web_server, who)
    absent = sha(b"never uploaded by anyone")
    nothing = _answers(web_server, session, absent)
    for key, allowed in (("entry_photo", SEES_ENTRY_PHOTO), ("loose", SEES_LOOSE_UPLOAD)):
        data = photos[key]
        assert isinstance(data, bytes)
        got = _answers(web_server, session, sha(data))
        if who is None:
            assert got["get"][0] == got["head"] == got["missing"][0] == 401
        elif who in allowed:
            assert got == {"get": (200, data), "head": 200, "missing": (200, [])}, (who, key)
        else:
            # exactly the answers for a file that does not exist, only the hash differs
            assert got["get"] == nothing["get"] and got["head"] == nothing["head"] == 404, who
            assert got["missing"] == (200, [sha(data)]), (who, key)


@pytest.mark.parametrize("who", [*ACCOUNTS, None])
def test_web_photo_route_follows_the_entry(
    web_server: LiveServer, photos: dict[str, object], who: str | None
) -> None:
    session = web_session(web_server.url, who)
    data = photos["entry_photo"]
    assert isinstance(data, bytes)
    for digest in (sha(data), sha(photos["loose"])):  # type: ignore[arg-type]
        url = f"{web_server.url}/entries/{photos['entry_id']}/files/{digest}"
        resp = session.get(url, allow_redirects=False, timeout=10)
        if who is None or who.startswith("petugas"):  # officers cannot sign in on the web
            assert resp.status_code == 302 and "/signin" in resp.headers["Location"]
        elif who in SEES_ENTRY_PHOTO and digest == sha(data):
            assert resp.status_code == 200 and resp.content == data
            assert resp.headers["Content-Type"] == "image/jpeg"
        else:
            assert resp.status_code == 404, (who, resp.status_code)


@pytest.mark.parametrize("who", ACCOUNTS)
def test_uploading_a_file_someone_else_holds_tells_nothing(
    web_server: LiveServer, photos: dict[str, object], who: str
) -> None:
    client = Client(web_server.url, who)
    data = photos["entry_photo"]
    assert isinstance(data, bytes)
    fresh = jpeg()
    if who == "petugas_plg":
        assert upload(client, data).status_code == 200  # sent by them already
    else:
        # the same answer as for a file nobody sent before, whether they may see it or not
        # (seeing is not having sent it); afterwards it is theirs too
        assert upload(client, data).status_code == upload(client, fresh).status_code == 201
        assert client.session.head(f"{client.base}/attachments/{sha(data)}").status_code == 200
        missing = client.post("/attachments/missing", json={"sha256": [sha(data)]}).json()
        assert missing == {"missing": []}
    wrong = client.session.put(f"{client.base}/attachments/{sha(data)}", data=jpeg())
    assert wrong.status_code in (200, 400)
    if wrong.status_code == 400:
        assert wrong.json()["error"] == "hash_mismatch"


def test_a_tablet_uploads_then_pushes(web_server: LiveServer) -> None:
    """The tablet's order (field_app.sync_client): ask what is missing, upload, ask again, push."""
    tab = Client(web_server.url, "petugas_mura")
    data = jpeg(50_000)
    digest = sha(data)
    assert tab.post("/attachments/missing", json={"sha256": [digest]}).json() == {
        "missing": [digest]
    }
    assert upload(tab, data).status_code == 201
    assert tab.post("/attachments/missing", json={"sha256": [digest]}).json() == {"missing": []}
    rev = push_with_photo(tab, "petugas_mura", data, region="16.05")
    assert tab.get(f"/entries/{rev['entry_id']}").status_code in (200, 403, 404)
    spv = Client(web_server.url, "spv_mura")
    assert spv.get(f"/attachments/{digest}").content == data
    assert Client(web_server.url, "spv_plg").get(f"/attachments/{digest}").status_code == 404
