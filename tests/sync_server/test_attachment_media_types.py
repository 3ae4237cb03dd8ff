"""Sound, video and PDF attachments (``audio``/``video``/``file`` questions): recognised by their
bytes, stored, and only ever sent as downloads; pages, SVG and scripts declared as sound or video
are still refused. The signature table is checked for the whole class of accepted types."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync_server.attachment_types import (
    ALLOWED_MEDIA_TYPES,
    declared_type_allowed,
    inline_allowed,
    sniff_media_type,
)
from tests.support.server import LiveServer

from .attachment_support import push_with_photo, sha, start, upload, web_session
from .helpers import Client

SAMPLES = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "audio/aac": b"\xff\xf1\x50\x80\x02\x1f\xfc",
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "audio/amr": b"#!AMR\n\x3c\x00",
    "audio/ogg": b"OggS\x00\x02\x00\x00",
    "audio/wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "audio/flac": b"fLaC\x00\x00\x00\x22",
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    "video/3gpp": b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00",
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81",
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
}
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_every_accepted_type_has_a_signature_and_only_photos_are_inline() -> None:
    assert set(SAMPLES) == set(ALLOWED_MEDIA_TYPES)
    for media, head in SAMPLES.items():
        assert sniff_media_type(head) == media, media
        assert inline_allowed(media) == media.startswith("image/")
    for refused in (HTML, SVG, b"GIF89a\x00\x00", b"#!/bin/sh\n", b"PK\x03\x04", b"", b"\xff"):
        assert sniff_media_type(refused) is None, refused
    assert not inline_allowed(None)


@pytest.mark.parametrize(
    ("declared", "allowed"),
    [
        ("audio/x-m4a", True),
        ("video/mp4", True),
        ("application/pdf", True),
        ("audio/x-wav; codecs=1", True),
        ("image/svg+xml", False),
        ("text/html", False),
        ("application/xhtml+xml", False),
        ("video/x-html", False),
        ("application/javascript", False),
        ("text/plain", False),
    ],
)
def test_declared_types(declared: str, allowed: bool) -> None:
    assert declared_type_allowed(declared) is allowed


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = start(tmp_path, database_url)
    try:
        yield live
    finally:
        live.stop()


def test_sound_video_and_pdf_are_stored_and_only_downloaded(server: LiveServer) -> None:
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    web = web_session(server.url, "spv_plg")
    for media in ("audio/mp4", "video/3gpp", "application/pdf"):
        data = SAMPLES[media] + os.urandom(2000)
        assert upload(tab, data, media).status_code == 201, media
        rev = push_with_photo(tab, "petugas_plg", data)
        got = spv.get(f"/attachments/{sha(data)}")
        assert got.status_code == 200 and got.content == data
        assert got.headers["Content-Type"] == media
        assert got.headers["Content-Disposition"].startswith("attachment")
        # the review page's file link, inline for photos, is a download for these
        shown = web.get(f"{server.url}/entries/{rev['entry_id']}/files/{sha(data)}", timeout=10)
        assert shown.status_code == 200 and shown.content == data
        assert shown.headers["Content-Disposition"].startswith("attachment"), media
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
    for data, declared in ((HTML, "audio/mpeg"), (SVG, "video/mp4"), (HTML, "application/pdf")):
        resp = upload(tab, data, declared)
        assert resp.status_code == 415, declared
        assert "PDF" in resp.json()["message_id"]
