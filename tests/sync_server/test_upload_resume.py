"""Resumable photo uploads (``GET``/``PATCH /attachments/<sha256>/upload``): the server reports
the bytes it holds from the caller, keeps partial uploads apart per account and invisible,
checks the whole file's SHA-256 (and type, quota, rate) before storing it, keeps the bytes of a
cut piece, and ``clean-uploads`` removes abandoned partial uploads. SQLite and PostgreSQL
through the live server; the cut is a real connection cut by the loopback fault proxy."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from sync_server.cli import cli
from sync_server.db import read_tx
from sync_server.integrity import run_check
from sync_server.schema import attachment_uploads, attachments
from tests.support.server import LiveServer, engine_of

from .attachment_support import jpeg, push_with_photo, sha, start, upload
from .helpers import Client


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = start(tmp_path, database_url,
                 UPLOAD_QUOTA_BYTES=400_000, UPLOAD_BYTES_PER_HOUR=10_000_000)
    try:
        yield live
    finally:
        live.stop()


def offset(client: Client, digest: str) -> dict:
    resp = client.get(f"/attachments/{digest}/upload")
    assert resp.status_code == 200, resp.text
    return resp.json()


def piece(client: Client, data: bytes, start: int, end: int,
          content_type: str = "image/jpeg", digest: str | None = None) -> requests.Response:
    return client.session.patch(
        f"{client.base}/attachments/{digest or sha(data)}/upload",
        data=data[start:end],
        headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}",
                 "Content-Type": content_type},
        timeout=30,
    )


def rows(server: LiveServer, digest: str) -> tuple[int, int]:
    with read_tx(engine_of(server.app)) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t).where(t.c.sha256 == digest))
            .scalar_one() for t in (attachments, attachment_uploads)
        )


def test_pieces_resume_from_the_reported_offset_and_store_the_checked_file(
    server: LiveServer,
) -> None:
    tab = Client(server.url, "petugas_plg")
    other = Client(server.url, "petugas_plg2")
    photo = jpeg(120_000)
    digest = sha(photo)
    assert offset(tab, digest) == {"sha256": digest, "offset": 0, "complete": False}
    first = piece(tab, photo, 0, 50_000)
    assert first.status_code == 200 and first.json()["offset"] == 50_000
    # kept apart: not a stored file, not visible, another account starts from 0
    assert tab.post("/attachments/missing", json={"sha256": [digest]}).json()["missing"] == [
        digest]
    assert tab.session.head(f"{tab.base}/attachments/{digest}").status_code == 404
    assert offset(other, digest)["offset"] == 0
    assert rows(server, digest) == (0, 0)
    # a piece that does not start at the offset held is refused with the offset
    wrong = piece(tab, photo, 60_000, 70_000)
    assert wrong.status_code == 409
    assert wrong.json()["error"] == "upload_offset_mismatch"
    assert wrong.json()["details"]["offset"] == 50_000
    assert offset(tab, digest)["offset"] == 50_000
    last = piece(tab, photo, 50_000, len(photo))
    assert last.status_code == 201, last.text
    assert last.json() == {"sha256": digest, "offset": len(photo), "complete": True}
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    assert (root / digest[:2] / digest).read_bytes() == photo
    assert rows(server, digest) == (1, 1)
    assert not list((root / ".partial").glob("*/.part-*"))
    assert offset(tab, digest) == {"sha256": digest, "offset": len(photo), "complete": True}
    # a repeat is a no-op, like a repeated whole-file PUT; the old PUT still works
    assert piece(tab, photo, 0, len(photo)).status_code == 200
    assert upload(tab, photo).status_code == 200
    assert rows(server, digest) == (1, 1)


def test_a_whole_file_that_does_not_match_its_hash_is_dropped(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    photo = jpeg(30_000)
    claimed = sha(photo + b"x")
    fake = photo + b"y"  # the same length as the claimed file, other bytes
    assert piece(tab, fake, 0, 10_000, digest=claimed).status_code == 200
    bad = piece(tab, fake, 10_000, len(fake), digest=claimed)
    assert bad.status_code == 400 and bad.json()["error"] == "hash_mismatch"
    assert offset(tab, claimed)["offset"] == 0
    assert rows(server, claimed) == (0, 0)


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [
        (None, 400, "bad_content_range"),
        ("bytes 0-9", 400, "bad_content_range"),
        ("bytes 5-4/10", 400, "bad_content_range"),
        ("bytes 0-10/10", 400, "bad_content_range"),
        ("bytes 0-9/99999999999", 413, "too_large"),
    ],
)
def test_bad_content_ranges_are_refused_clearly(
    server: LiveServer, header: str | None, status: int, code: str
) -> None:
    tab = Client(server.url, "petugas_plg")
    headers = {"Content-Type": "image/jpeg"}
    if header:
        headers["Content-Range"] = header
    resp = tab.session.patch(f"{tab.base}/attachments/{'a' * 64}/upload", data=jpeg(6)[:10],
                             headers=headers, timeout=10)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == code
    assert resp.json()["message"]  # in the user's language, from the catalog


def test_not_a_photo_quota_and_more_bytes_than_the_range_are_refused(
    server: LiveServer,
) -> None:
    tab = Client(server.url, "petugas_plg")
    html = b"<!doctype html><html>" + os.urandom(3000)
    resp = piece(tab, html, 0, 2000, content_type="application/octet-stream")
    assert resp.status_code == 415
    assert offset(tab, sha(html))["offset"] == 0
    assert piece(tab, jpeg(10), 0, 10, content_type="text/html").status_code == 415
    big = jpeg(500_000)  # passes UPLOAD_QUOTA_BYTES (400 000)
    resp = piece(tab, big, 0, 1000)
    assert resp.status_code == 413 and resp.json()["error"] == "upload_quota_exceeded"
    assert offset(tab, sha(big))["offset"] == 0
    photo = jpeg(5000)
    too_many = tab.session.patch(
        f"{tab.base}/attachments/{sha(photo)}/upload", data=photo,
        headers={"Content-Range": f"bytes 0-99/{len(photo)}", "Content-Type": "image/jpeg"},
        timeout=10)
    assert too_many.status_code == 400
    assert offset(tab, sha(photo))["offset"] == 0


def _send_cut(server: LiveServer, token: str, photo: bytes, start: int, keep: int) -> None:
    """Send the rest of the file from ``start`` as one piece, but close the connection after
    ``keep`` of its body bytes."""
    total = len(photo)
    head = (
        f"PATCH /api/v1/attachments/{sha(photo)}/upload HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: image/jpeg\r\nContent-Range: bytes {start}-{total - 1}/{total}\r\n"
        f"Content-Length: {total - start}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + photo[start:start + keep])
        time.sleep(0.3)


def test_a_cut_piece_loses_at_most_that_piece_and_the_upload_resumes(
    server: LiveServer,
) -> None:
    tab = Client(server.url, "petugas_plg")
    photo = jpeg(200_000)
    assert piece(tab, photo, 0, 50_000).status_code == 200
    _send_cut(server, tab.token, photo, 50_000, 70_000)
    time.sleep(0.3)
    # the pieces that arrived whole are kept; of the cut piece, what the server was handed
    # (a server that buffers bodies, like waitress or nginx, hands over nothing of it)
    held = offset(tab, sha(photo))["offset"]
    assert 50_000 <= held <= 120_000
    assert piece(tab, photo, held, len(photo)).status_code == 201
    push_with_photo(tab, "petugas_plg", photo)  # the stored file is usable in an entry
    assert rows(server, sha(photo)) == (1, 1)


def test_clean_uploads_removes_abandoned_partial_uploads_only(
    server: LiveServer, database_url: str
) -> None:
    tab = Client(server.url, "petugas_plg")
    old, fresh = jpeg(20_000), jpeg(20_000)
    assert piece(tab, old, 0, 5000).status_code == 200
    assert piece(tab, fresh, 0, 5000).status_code == 200
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    old_part = next(p for p in (root / ".partial").glob("*/.part-*") if sha(old) in p.name)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old_part, (ten_days_ago, ten_days_ago))
    # `survey-server check` leaves partial uploads to clean-uploads (no "stale file" finding)
    report = run_check(engine_of(server.app), root)
    assert not [f for f in report.problems if ".partial" in str(f)], report.problems
    result = CliRunner().invoke(
        cli,
        ["--instance", str(Path(server.app.instance_path)), "clean-uploads"],
        env={"SURVEY_DATABASE_URL": database_url, "SURVEY_ATTACHMENTS_DIR": str(root)},
    )
    assert result.exit_code == 0, result.output
    assert "1 abandoned partial upload(s), 5000 bytes" in result.output
    assert offset(tab, sha(old))["offset"] == 0
    assert offset(tab, sha(fresh))["offset"] == 5000


def test_the_documented_upload_contract_is_the_enforced_one(database_url: str,
                                                              tmp_path: Path) -> None:
    """The OpenAPI document's resumable upload (routes, Content-Range pattern, the total limit
    of MAX_CONTENT_LENGTH) is what the server does: one byte past the limit is a 413."""
    import re

    live = start(tmp_path, database_url, MAX_CONTENT_LENGTH=50_000)
    try:
        doc = requests.get(f"{live.url}/api/v1/openapi.json", timeout=10).json()
        item = doc["paths"]["/attachments/{sha256}/upload"]
        assert set(item) >= {"get", "patch", "head"}
        assert doc["components"]["schemas"]["UploadState"]["required"] == [
            "sha256", "offset", "complete"]
        header = next(p for p in item["patch"]["parameters"] if p["name"] == "Content-Range")
        assert "50000" in item["patch"]["description"]
        tab = Client(live.url, "petugas_plg")
        photo = jpeg(50_000 - 4)  # exactly the limit
        assert len(photo) == 50_000
        for total, status in ((50_001, 413), (50_000, 200)):
            value = f"bytes 0-999/{total}"
            assert re.match(header["schema"]["pattern"], value)
            resp = tab.session.patch(
                f"{tab.base}/attachments/{sha(photo)}/upload", data=photo[:1000],
                headers={"Content-Range": value, "Content-Type": "image/jpeg"}, timeout=10)
            assert resp.status_code == status, resp.text
        assert piece(tab, photo, 1000, len(photo)).status_code == 201
    finally:
        live.stop()
