"""Attack finding: naming another account's photo hash in one's own entry must not make the
photo visible (nor tell that the server holds it).

A file becomes visible through an entry that refers to it (sync_server.attachment_access), and a
push records the reference for any hash it names, without the pusher ever sending the bytes.
So an officer (or a supervisor of another region, through that officer's entry) who learns a
hash (an export, a region change, a forwarded file name) can read a photo of another region.
"""

from __future__ import annotations

import requests

from tests.support.server import LiveServer

from .attachment_support import jpeg, push_with_photo, sha, upload, web_server
from .helpers import Client

__all__ = ["web_server"]


def test_a_hash_named_in_a_push_does_not_open_another_region_s_photo(
    web_server: LiveServer,
) -> None:
    owner = Client(web_server.url, "petugas_plg")
    photo = jpeg()
    assert upload(owner, photo).status_code == 201
    push_with_photo(owner, "petugas_plg", photo)
    digest = sha(photo)

    thief = Client(web_server.url, "petugas_mura")
    assert thief.session.get(f"{thief.base}/attachments/{digest}", timeout=10).status_code == 404
    rev = push_with_photo(thief, "petugas_mura", photo, region="16.05")
    # whatever the push answers, the bytes were never sent by petugas_mura
    for who in ("petugas_mura", "spv_mura"):
        session: requests.Session = Client(web_server.url, who).session
        got = session.get(f"{web_server.url}/api/v1/attachments/{digest}", timeout=10)
        assert got.status_code == 404, (who, got.status_code)
    results = thief.push(rev)
    assert digest in results[0].get("missing_attachments", []), results
