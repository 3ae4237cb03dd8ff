"""Which attachment files the server accepts and how it serves them.

Attachments are the files of ``image``, ``audio``, ``video`` and ``file`` questions. Only types
recognised by their first bytes (their signature), never by the ``Content-Type`` the client
sent, are accepted: photos (JPEG, PNG, WebP), sound (MP3, AAC, MPEG-4 audio, 3GPP/AMR, Ogg, WAV,
FLAC), video (MPEG-4, 3GPP, QuickTime, WebM) and PDF documents. An HTML page, an SVG or a script
named ``foto.jpg`` or ``suara.m4a`` is refused. Only photos are ever shown inline
(:func:`inline_allowed`); everything else is sent as a download.
"""

from __future__ import annotations

__all__ = [
    "ALLOWED_MEDIA_TYPES",
    "SNIFF_BYTES",
    "declared_type_allowed",
    "inline_allowed",
    "sniff_media_type",
]

#: The media types an attachment may have (what :func:`sniff_media_type` can answer).
ALLOWED_MEDIA_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/mpeg",
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "audio/ogg",
    "audio/wav",
    "audio/flac",
    "video/mp4",
    "video/3gpp",
    "video/quicktime",
    "video/webm",
    "application/pdf",
)
#: How many leading bytes :func:`sniff_media_type` needs.
SNIFF_BYTES = 16

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
#: ISO base media files (MPEG-4, 3GPP, QuickTime): the brand after ``ftyp`` says which.
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")
_PREFIXES = (
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"#!AMR", "audio/amr"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
    (b"%PDF-", "application/pdf"),
)


def sniff_media_type(head: bytes) -> str | None:
    """The accepted media type whose signature ``head`` (a file's first bytes) starts with.

    ``None`` when the bytes are none of :data:`ALLOWED_MEDIA_TYPES`.
    """
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12])
    for prefix, media in _PREFIXES:
        if head.startswith(prefix):
            return media
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS frame (layer bits 00)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"  # an MPEG audio frame without an ID3 tag
    return None


def declared_type_allowed(content_type: str | None) -> bool:
    """True unless a client's declared ``Content-Type`` is refused outright.

    No type, ``application/octet-stream``, an ``image/...`` (except SVG, which is a document
    that can run scripts), ``audio/...`` or ``video/...`` type, or ``application/pdf`` leaves
    the decision to the file's signature, so a tablet that names a JPEG photo ``image/jpg`` or
    an AAC recording ``audio/x-m4a`` still uploads it; HTML, XML, SVG, scripts and every other
    type are refused.
    """
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in ("", "application/octet-stream", "application/pdf"):
        return True
    if "svg" in declared or "xml" in declared or "html" in declared:
        return False
    return declared.startswith(("image/", "audio/", "video/"))


def inline_allowed(media_type: str | None) -> bool:
    """Whether a stored file of this (sniffed) type may be shown inline: photos only; sound,
    video and documents are always sent as downloads."""
    return media_type in ("image/jpeg", "image/png", "image/webp")
