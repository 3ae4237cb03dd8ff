"""Attack finding: a NUL character in a request gives PostgreSQL's "text fields cannot contain
NUL (0x00) bytes" as a 500 (SQLite stores or compares it). Bad input must be a 4xx."""

from __future__ import annotations

import requests

from tests.support.server import LiveServer

from .attachment_support import web_server, web_session
from .helpers import OBS_FORM, Client, make_revision, observation_answers

__all__ = ["web_server"]


def test_nul_characters_never_give_500(web_server: LiveServer) -> None:
    url = web_server.url
    api = url + "/api/v1"
    officer = Client(url, "petugas_mura")
    rev = make_revision(observation_answers("16.05"), region="16.05", officer="petugas_mura")
    assert officer.push(rev)[0]["status"] == "stored"
    supervisor = Client(url, "spv_mura")
    web = web_session(url, "spv_mura")
    answers = {
        "sign-in user name": requests.post(
            api + "/sessions",
            json={"username": "petugas_mura\u0000", "password": "x", "device_id": "d"},
            timeout=10,
        ),
        "review comment": supervisor.post(
            f"/entries/{rev['entry_id']}/review",
            json={"status": "needs_correction", "comment": "c\u0000"},
        ),
        "entry id in the path": supervisor.get(f"/entries/{rev['entry_id']}%00"),
        "revisions/missing": officer.post(
            "/sync/revisions/missing", json={"revisions": [{"entry_id": "a\u0000", "rev": "1-x"}]}
        ),
        "entries table text": web.get(f"{url}/forms/{OBS_FORM}/entries?text=%00", timeout=10),
        "export officer": web.get(f"{url}/export/{OBS_FORM}.csv?officer=%00", timeout=10),
        "dashboard region": web.get(f"{url}/dashboard?region=%00", timeout=10),
    }
    failed = {name: r.status_code for name, r in answers.items() if r.status_code >= 500}
    assert not failed, failed
