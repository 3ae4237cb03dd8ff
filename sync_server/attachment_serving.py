"""Sending a stored attachment file with safe headers.

The media type sent is read from the file's own first bytes, never from what a client declared:
a JPEG, PNG or WebP photo may be shown inline (``image/...``); sound, video and PDF files are
always sent as downloads with their type, and anything else (a file stored before uploads were
checked) as ``application/octet-stream``, each with ``Content-Disposition: attachment`` so a
browser never renders it as a page of this site. Photos are private data:
``Cache-Control: private``, and ``X-Content-Type-Options: nosniff`` always.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, send_file

from .attachment_types import SNIFF_BYTES, inline_allowed, sniff_media_type

__all__ = ["send_attachment"]

#: Seconds a browser may keep a photo in its own (private) cache.
MAX_AGE = 3600


def send_attachment(path: Path, *, inline: bool, download_name: str | None = None) -> Response:
    """The file at ``path`` as a response; ``inline`` only for a recognised image type."""
    with path.open("rb") as f:
        media = sniff_media_type(f.read(SNIFF_BYTES))
    show = inline and inline_allowed(media)
    resp = send_file(
        path,
        mimetype=media or "application/octet-stream",
        as_attachment=not show,
        download_name=download_name or path.name,
        max_age=MAX_AGE,
        conditional=True,
    )
    resp.cache_control.public = False
    resp.cache_control.private = True
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox"
    )
    return resp
