"""Attachment uploads: only photos are stored (by their bytes), files are sent with safe
headers, the per-account quota and rate refuse clearly and change nothing, and
``survey-server clean-uploads`` removes only old files that no entry uses. SQLite and
PostgreSQL through the live server."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select, update

from sync_server.cli import cli
from sync_server.db import read_tx, write_tx
from sync_server.schema import attachment_uploads, attachments, audit_log, entries, revisions
from tests.support.server import LiveServer, engine_of

from .attachment_support import jpeg, png, push_with_photo, sha, start, upload, web_session
from .helpers import Client, child, observation_answers

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + os.urandom(200)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = start(tmp_path, database_url)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = start(tmp_path, database_url, UPLOAD_QUOTA_BYTES=100_000, UPLOAD_BYTES_PER_HOUR=150_000)
    try:
        yield live
    finally:
        live.stop()


def stored_state(server: LiveServer) -> tuple[int, ...]:
    """Row counts and files on disk: what a refused upload must leave as it was."""
    with read_tx(engine_of(server.app)) as conn:
        counts = tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (attachments, attachment_uploads, audit_log, entries)
        )
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    files = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return (*counts, files)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (HTML, "text/html"),
        (SVG, "image/svg+xml"),
        (HTML, "image/jpeg"),  # a .jpg that is really HTML
        (HTML, "application/octet-stream"),
        (SVG, None),
        (b"GIF89a" + os.urandom(100), "image/gif"),
        (b"", "image/jpeg"),
        (b"\xff\xd8", "image/jpeg"),  # too short for a JPEG signature
        (jpeg(), "text/html"),  # a photo declared as a page
    ],
)
def test_only_photos_are_stored(server: LiveServer, data: bytes, content_type: str | None) -> None:
    tab = Client(server.url, "petugas_plg")
    before = stored_state(server)
    headers = {"Content-Type": content_type} if content_type else {}
    resp = tab.session.put(f"{tab.base}/attachments/{sha(data)}", data=data, headers=headers)
    assert resp.status_code == 415, resp.text
    body = resp.json()
    assert body["error"] == "unsupported_attachment_type"
    assert "JPEG" in body["message"] and "JPEG" in body["message_id"]
    assert tab.session.head(f"{tab.base}/attachments/{sha(data)}").status_code == 404
    assert stored_state(server) == before


@pytest.mark.parametrize(
    ("data", "media"), [(jpeg(), "image/jpeg"), (png(), "image/png"), (WEBP, "image/webp")]
)
def test_photos_are_stored_and_sent_with_safe_headers(
    server: LiveServer, data: bytes, media: str
) -> None:
    tab = Client(server.url, "petugas_plg")
    assert upload(tab, data, "application/octet-stream").status_code == 201
    rev = push_with_photo(tab, "petugas_plg", data)
    got = Client(server.url, "spv_plg").get(f"/attachments/{sha(data)}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Type"] == media
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in got.headers["Cache-Control"]
    assert "public" not in got.headers["Cache-Control"]
    web = web_session(server.url, "spv_plg")
    shown = web.get(f"{server.url}/entries/{rev['entry_id']}/files/{sha(data)}", timeout=10)
    assert shown.status_code == 200 and shown.content == data
    assert shown.headers["Content-Type"] == media  # from the bytes, not the revision
    assert not shown.headers.get("Content-Disposition", "").startswith("attachment")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in shown.headers["Cache-Control"]
    assert "public" not in shown.headers["Cache-Control"]


def test_a_page_stored_before_the_check_is_only_ever_a_download(server: LiveServer) -> None:
    """A file stored by an older server (an HTML page named as a photo) is never shown inline."""
    tab = Client(server.url, "petugas_plg")
    rev = push_with_photo(tab, "petugas_plg", HTML)  # the entry points at the page's hash
    digest = sha(HTML)
    path = Path(server.app.config["ATTACHMENTS_DIR"]) / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(HTML)
    with write_tx(engine_of(server.app)) as conn:
        conn.execute(
            attachments.insert().values(
                sha256=digest,
                size=len(HTML),
                media_type="text/html",
                stored_at="2024-01-01T00:00:00.000000Z",
                uploaded_by="petugas_plg",
            )
        )
        # migration 0008 records the uploader of every file an older server held
        conn.execute(
            attachment_uploads.insert().values(
                sha256=digest,
                username="petugas_plg",
                size=len(HTML),
                uploaded_at="2024-01-01T00:00:00.000000Z",
            )
        )
    web = web_session(server.url, "spv_plg")
    resp = web.get(f"{server.url}/entries/{rev['entry_id']}/files/{digest}", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    api = Client(server.url, "spv_plg").get(f"/attachments/{digest}")
    assert api.headers["Content-Type"] == "application/octet-stream"
    assert api.headers["Content-Disposition"].startswith("attachment")


def test_the_upload_quota_refuses_clearly_and_changes_nothing(limited: LiveServer) -> None:
    tab = Client(limited.url, "petugas_plg")
    first, second = jpeg(60_000), jpeg(60_000)
    assert upload(tab, first).status_code == 201
    before = stored_state(limited)
    refused = upload(tab, second)
    assert refused.status_code == 413, refused.text
    body = refused.json()
    assert body["error"] == "upload_quota_exceeded"
    assert "quota" in body["message"] and "Kuota" in body["message_id"]
    assert stored_state(limited) == before
    assert tab.session.head(f"{tab.base}/attachments/{sha(second)}").status_code == 404

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        yield second[:30_000]
        yield second[30_000:]

    streamed = tab.session.put(f"{tab.base}/attachments/{sha(second)}", data=chunks())
    assert streamed.status_code == 413 and streamed.json()["error"] == "upload_quota_exceeded"
    assert stored_state(limited) == before
    # other accounts have their own quota
    assert upload(Client(limited.url, "petugas_mura"), second).status_code == 201
    # an entry that uses the first photo frees its bytes again
    push_with_photo(tab, "petugas_plg", first)
    assert upload(tab, second).status_code == 201


def test_the_upload_rate_refuses_with_retry_after(limited: LiveServer) -> None:
    tab = Client(limited.url, "petugas_plg")
    photos = [jpeg(60_000) for _ in range(3)]
    for photo in photos[:2]:
        assert upload(tab, photo).status_code == 201
        push_with_photo(tab, "petugas_plg", photo)  # used: the quota is free again
    before = stored_state(limited)
    refused = upload(tab, photos[2])
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "upload_rate_limited"
    assert "jam" in refused.json()["message_id"] and "hour" in refused.json()["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3601
    assert stored_state(limited) == before


def _backdate(server: LiveServer, digests: list[str], days: int) -> None:
    old = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with write_tx(engine_of(server.app)) as conn:
        conn.execute(
            update(attachments).where(attachments.c.sha256.in_(digests)).values(stored_at=old)
        )
        conn.execute(
            update(attachment_uploads)
            .where(attachment_uploads.c.sha256.in_(digests))
            .values(uploaded_at=old)
        )


def test_clean_uploads_removes_only_old_files_no_entry_uses(
    server: LiveServer, database_url: str
) -> None:
    tab = Client(server.url, "petugas_plg")
    loose_old, head_photo, old_rev_photo, loose_new = (jpeg() for _ in range(4))
    for photo in (loose_old, head_photo, old_rev_photo, loose_new):
        assert upload(tab, photo).status_code == 201
    push_with_photo(tab, "petugas_plg", head_photo)
    first = push_with_photo(tab, "petugas_plg", old_rev_photo)
    assert tab.push(child(first, observation_answers()))[0]["status"] == "stored"
    _backdate(server, [sha(p) for p in (loose_old, head_photo, old_rev_photo)], days=10)
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    leftover = root / sha(loose_new)[:2] / ".upload-interrupted"
    leftover.write_bytes(b"half an upload")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(leftover, (ten_days_ago, ten_days_ago))
    with read_tx(engine_of(server.app)) as conn:
        revision_count = conn.execute(select(func.count()).select_from(revisions)).scalar_one()

    result = CliRunner().invoke(
        cli,
        ["--instance", str(Path(server.app.instance_path)), "clean-uploads"],
        env={"SURVEY_DATABASE_URL": database_url, "SURVEY_ATTACHMENTS_DIR": str(root)},
    )
    assert result.exit_code == 0, result.output
    assert "Removed 1 unused attachment file(s)" in result.output
    assert "1 interrupted upload(s)" in result.output

    def held(photo: bytes) -> bool:
        return tab.session.head(f"{tab.base}/attachments/{sha(photo)}").status_code == 200

    assert not held(loose_old)
    assert not (root / sha(loose_old)[:2] / sha(loose_old)).exists()
    assert not leftover.exists()
    for photo in (head_photo, old_rev_photo, loose_new):
        assert held(photo)
        assert (root / sha(photo)[:2] / sha(photo)).read_bytes() == photo
    with read_tx(engine_of(server.app)) as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(attachment_uploads)
                .where(attachment_uploads.c.sha256 == sha(loose_old))
            ).scalar_one()
            == 0
        )
        assert conn.execute(select(func.count()).select_from(revisions)).scalar_one() == (
            revision_count
        )
        cleaned = (
            conn.execute(
                select(audit_log.c.target_id).where(audit_log.c.action == "attachment.clean")
            )
            .scalars()
            .all()
        )
    assert cleaned == [sha(loose_old)]
    # the tablet can send it again
    assert upload(tab, loose_old).status_code == 201
    again = CliRunner().invoke(
        cli,
        ["--instance", str(Path(server.app.instance_path)), "clean-uploads", "--dry-run"],
        env={"SURVEY_DATABASE_URL": database_url, "SURVEY_ATTACHMENTS_DIR": str(root)},
    )
    assert again.exit_code == 0 and "Would remove 0" in again.output


def test_missing_files_query_is_bounded(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    resp = tab.post("/attachments/missing", json={"sha256": ["0" * 64] * 5001})
    assert resp.status_code == 400
    assert (
        requests.head(f"{server.url}/api/v1/attachments/{'0' * 64}", timeout=10).status_code == 401
    )


def test_concurrent_uploads_of_one_file_are_recorded_for_every_uploader(
    server: LiveServer,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    photo = jpeg(100_000)
    clients = [Client(server.url, name) for name in ("petugas_plg", "petugas_mura", "admin")]
    with ThreadPoolExecutor(max_workers=9) as pool:
        codes = list(pool.map(lambda c: upload(c, photo).status_code, clients * 3))
    assert set(codes) <= {200, 201}, codes
    assert codes.count(201) == len(clients), codes  # once new for each account
    for client in clients:
        missing = client.post("/attachments/missing", json={"sha256": [sha(photo)]}).json()
        assert missing == {"missing": []}
    with read_tx(engine_of(server.app)) as conn:
        assert conn.execute(select(func.count()).select_from(attachments)).scalar_one() == 1


def test_an_account_that_sees_every_file_still_gets_its_own_upload_row(server: LiveServer) -> None:
    """Seeing a file is not having sent it: the administrator's own upload of a file an officer
    already sent is recorded for the administrator, once; a second send is a no-op."""
    photo = jpeg(50_000)
    officer, admin = Client(server.url, "petugas_plg"), Client(server.url, "admin")
    assert upload(officer, photo).status_code == 201
    assert upload(admin, photo).status_code == 201
    assert upload(admin, photo).status_code == 200
    with read_tx(engine_of(server.app)) as conn:
        uploaders = conn.execute(
            select(attachment_uploads.c.username).where(attachment_uploads.c.sha256 == sha(photo))
        ).scalars()
        assert sorted(uploaders) == ["admin", "petugas_plg"]
