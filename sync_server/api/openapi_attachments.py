"""The attachment paths of the OpenAPI document (:mod:`sync_server.api.openapi`): lookup, the
whole-file upload and the resumable upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..api_limits import MAX_HASHES
from .openapi_common import SHA_PARAM, SHA_PATTERN, STRING, _body, _json, _obj, _op, _ref

__all__ = ["attachment_paths"]


def attachment_paths(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``paths`` items of the attachment routes, with the limits of ``config``."""
    return {
        "/attachments/missing": {
            "post": _op(
                "Which of these files the caller should upload",
                {"200": _json(_obj({"missing": {"type": "array", "items": STRING}}))},
                description=(
                    "A file the caller may not see (not uploaded by the caller and used by "
                    "no entry the caller may read) is listed as missing, exactly like a "
                    "file the server does not hold."
                ),
                requestBody=_body(
                    _obj(
                        {
                            "sha256": {
                                "type": "array",
                                "items": {"type": "string", "pattern": SHA_PATTERN},
                                "maxItems": MAX_HASHES,
                            }
                        },
                        ["sha256"],
                    )
                ),
            )
        },
        "/attachments/{sha256}": {
            "parameters": [SHA_PARAM],
            "head": _op(
                "Does the caller have this file on the server (uploaded it, or may read an "
                "entry that uses it); 404 otherwise",
                {"200": {"description": "Yes"}},
            ),
            "get": _op(
                "Download a file the caller may see (its uploader; officers: their "
                "entries; supervisors: their regions; admins: all); 404 otherwise",
                {
                    "200": {
                        "description": "The file, as a download (Content-Disposition: "
                        "attachment, Cache-Control: private)",
                        "content": {
                            "image/jpeg": {},
                            "image/png": {},
                            "image/webp": {},
                            "application/octet-stream": {},
                        },
                    }
                },
            ),
            "put": _op(
                "Upload a JPEG, PNG or WebP photo; its SHA-256 must match (a repeat by the "
                "same account is a no-op: 200)",
                {
                    "201": _json(_obj({"sha256": STRING, "stored": {"type": "boolean"}})),
                    "200": _json(_obj({"sha256": STRING, "stored": {"type": "boolean"}})),
                    "415": _json(_ref("Error"), "Not a JPEG, PNG or WebP file (by its bytes)"),
                    "429": _json(_ref("Error"), "Hourly upload rate passed (Retry-After)"),
                    "507": _json(_ref("Error"), "storage_full: the server's disk is full; "
                                 "nothing of this request is kept"),
                },
                description=(
                    "The type is read from the file's first bytes. 413 "
                    "upload_quota_exceeded: the caller's uploads that no entry uses yet "
                    "would pass UPLOAD_QUOTA_BYTES (200 MiB by default); pushing the "
                    "entries frees it. 429 upload_rate_limited: more than "
                    "UPLOAD_BYTES_PER_HOUR (1 GiB by default) within an hour."
                ),
                requestBody={
                    "required": True,
                    "content": {
                        "image/jpeg": {},
                        "image/png": {},
                        "image/webp": {},
                        "application/octet-stream": {},
                    },
                },
            ),
        },
        "/entries/missing-attachments": {
            "get": _op(
                "Entries that still miss attachment files",
                {
                    "200": _json(
                        _obj(
                            {
                                "entries": {
                                    "type": "array",
                                    "items": _obj(
                                        {
                                            "entry_id": STRING,
                                            "missing": {"type": "array", "items": STRING},
                                        }
                                    ),
                                }
                            }
                        )
                    )
                },
            )
        },
        "/attachments/{sha256}/upload": {
            "parameters": [SHA_PARAM],
            "get": _op(
                "Resumable upload: how many bytes of this file the server holds from the caller",
                {"200": _json(_ref("UploadState"))},
                description=(
                    "offset: the bytes of the caller's partial upload (0: none), or the file's "
                    "size with complete=true when the caller has sent it already. Partial "
                    "uploads are kept per account, visible to nobody else, not counted as the "
                    "file (POST /attachments/missing still lists it) and removed by "
                    "clean-uploads when not continued within UPLOAD_GRACE_DAYS."
                ),
            ),
            "patch": _op(
                "Resumable upload: append a piece at the offset the server reported; the last "
                "piece stores the file once the whole file's SHA-256 matches",
                {
                    "200": _json(_ref("UploadState"), "Piece kept (complete=false), or the "
                                 "file was already the caller's"),
                    "201": _json(_ref("UploadState"), "The last piece: the file is stored"),
                    "409": _json(_ref("Error"), "upload_offset_mismatch: start is not the "
                                 "offset held (details.offset names it)"),
                    "415": _json(_ref("Error"), "Not a JPEG, PNG or WebP file (by its bytes)"),
                    "429": _json(_ref("Error"), "Hourly upload rate passed (Retry-After)"),
                    "507": _json(_ref("Error"), "storage_full: the server's disk is full; "
                                 "nothing of this request is kept"),
                },
                description=(
                    "Content-Range: bytes <start>-<end>/<total> is required (end inclusive; "
                    f"total at most MAX_CONTENT_LENGTH, {int(config['MAX_CONTENT_LENGTH'])} "
                    "bytes, else 413 too_large; malformed: 400 bad_content_range). The bytes of "
                    "a piece that arrive before a connection is cut are kept: ask GET for the "
                    "offset and continue. The quota and rate (413 upload_quota_exceeded, 429 "
                    "upload_rate_limited) are checked against total before any byte is kept "
                    "and again when the file is complete; a whole file that does not match "
                    "its SHA-256 is dropped (400 hash_mismatch) and must be sent again from 0."
                ),
                parameters=[
                    {
                        "name": "Content-Range",
                        "in": "header",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "pattern": "^bytes [0-9]{1,15}-[0-9]{1,15}/[0-9]{1,15}$",
                        },
                    }
                ],
                requestBody={
                    "required": True,
                    "content": {
                        "image/jpeg": {},
                        "image/png": {},
                        "image/webp": {},
                        "application/octet-stream": {},
                    },
                },
            ),
        },
    }
