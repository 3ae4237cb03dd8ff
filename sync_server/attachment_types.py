"""Which attachment files the server accepts and how it serves them.

Attachments are photos taken by the tablet (``image`` questions). Only image types a browser
shows as a picture, and never runs as a page, are accepted: the type is read from the file's
first bytes (its signature), not from the ``Content-Type`` the client sent, so an HTML page or an
SVG named ``foto.jpg`` is refused.
"""

from __future__ import annotations

__all__ = [
    "ALLOWED_MEDIA_TYPES",
    "SNIFF_BYTES",
    "declared_type_allowed",
    "sniff_media_type",
]

#: The media types an attachment may have (what the forms' ``image`` questions take).
ALLOWED_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")
#: How many leading bytes :func:`sniff_media_type` needs.
SNIFF_BYTES = 16

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def sniff_media_type(head: bytes) -> str | None:
    """The accepted media type whose signature ``head`` (a file's first bytes) starts with.

    ``None`` when the bytes are none of :data:`ALLOWED_MEDIA_TYPES`.
    """
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def declared_type_allowed(content_type: str | None) -> bool:
    """True unless a client's declared ``Content-Type`` is refused outright.

    No type, ``application/octet-stream`` or an ``image/...`` type (except SVG, which is a
    document that can run scripts) leaves the decision to the file's signature, so a tablet that
    names a JPEG photo ``image/jpg`` still uploads it; HTML, XML, SVG, scripts and every other
    type are refused.
    """
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in ("", "application/octet-stream"):
        return True
    return declared.startswith("image/") and "svg" not in declared and "xml" not in declared
