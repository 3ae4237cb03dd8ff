"""Attachment upload and lookup: ``PUT``/``HEAD``/``GET /attachments/<sha256>``, ``POST
/attachments/missing``, ``GET /entries/missing-attachments``, and the resumable upload ``GET``/
``PATCH /attachments/<sha256>/upload`` (:mod:`sync_server.upload_resume`).

Each answer is scoped to the caller (:mod:`sync_server.attachment_access`): a file the caller may
not see is answered exactly like a file the server does not hold.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, g, jsonify, request

from .. import attachments as store_mod
from .. import upload_resume as store_resume
from ..api_limits import MAX_HASHES
from ..attachment_integrity import forget_lost
from ..attachment_serving import send_attachment
from ..auth import require_auth
from ..db import read_tx
from ..errors import ApiError
from ..push import missing_attachments_by_entry
from ..requests_json import read_json_object, require_fields
from ..state import state
from ..upload_quota import UploadLimits
from . import bp


def _root() -> Path:
    return Path(state().config["ATTACHMENTS_DIR"])


@bp.route("/attachments/<sha256>", methods=["GET", "HEAD"])
@require_auth()
def attachment_get(sha256: str) -> Response | tuple[str, int]:
    """``HEAD``: 200 when the caller may see the file, else 404. ``GET``: the file, as a
    download (``Content-Disposition: attachment``), to anyone who may see it.

    The file on disk is checked first (size; on ``GET`` also the hash): a missing or damaged file
    is a 404 and is asked for again from the tablets (:mod:`sync_server.attachment_integrity`)."""
    if not store_mod.SHA256_RE.match(sha256):
        raise ApiError(400, "bad_hash")
    forget_lost(state().engine, _root(), [sha256], deep=request.method == "GET")
    with read_tx(state().engine) as conn:
        held = store_mod.has_attachment(conn, g.user, sha256)
    path = store_mod.file_path(_root(), sha256)
    if not held or not path.exists():
        if request.method == "HEAD":
            return "", 404
        raise ApiError(404, "not_found")
    if request.method == "HEAD":
        return "", 200
    return send_attachment(path, inline=False)


@bp.put("/attachments/<sha256>")
@require_auth()
def attachment_put(sha256: str) -> tuple[Response, int]:
    """Store the raw request body after checking its SHA-256 and that it is a JPEG, PNG or WebP
    photo (a repeat by the same account is a no-op: 200)."""
    if not store_mod.SHA256_RE.match(sha256):
        raise ApiError(400, "bad_hash")
    created = store_mod.store(
        state().engine,
        _root(),
        sha256,
        request.stream,
        request.mimetype,
        g.user,
        UploadLimits.from_config(state().config),
        request.content_length,
    )
    return jsonify({"sha256": sha256, "stored": True}), (201 if created else 200)


@bp.post("/attachments/missing")
@require_auth()
def attachments_missing() -> Response:
    """``{"sha256": [...]}`` gives ``{"missing": [...]}``: the files the caller should upload."""
    body = read_json_object()
    require_fields(body, {"sha256": list}, optional={})
    hashes = body["sha256"]
    if len(hashes) > MAX_HASHES or not all(isinstance(h, str) for h in hashes):
        raise ApiError(400, "bad_request", detail="'sha256' must be a list of hashes")
    for sha in hashes:
        store_mod.check_sha(sha)
    forget_lost(state().engine, _root(), hashes)
    with read_tx(state().engine) as conn:
        return jsonify({"missing": store_mod.missing(conn, g.user, hashes)})


@bp.get("/entries/missing-attachments")
@require_auth()
def entries_missing_attachments() -> Response:
    """Entries the user can read that reference files the server does not have yet (or has
    lost: every stored file's size is checked first)."""
    forget_lost(state().engine, _root())
    with read_tx(state().engine) as conn:
        return jsonify({"entries": missing_attachments_by_entry(conn, g.user)})


def _upload_state(sha256: str, state_: store_resume.UploadState) -> dict[str, object]:
    return {"sha256": sha256, "offset": state_.offset, "complete": state_.complete}


@bp.get("/attachments/<sha256>/upload")
@require_auth()
def attachment_upload_status(sha256: str) -> Response:
    """``{"sha256", "offset", "complete"}``: how many bytes of this file the server holds from
    the caller (a resumable upload continues there; ``complete``: stored already)."""
    if not store_mod.SHA256_RE.match(sha256):
        raise ApiError(400, "bad_hash")
    return jsonify(_upload_state(sha256, store_resume.status(state().engine, _root(), g.user,
                                                              sha256)))


@bp.patch("/attachments/<sha256>/upload")
@require_auth()
def attachment_upload_append(sha256: str) -> tuple[Response, int]:
    """Append the body at ``Content-Range: bytes <start>-<end>/<total>`` to the caller's upload
    (``start`` = the offset held); the last piece stores the file after checking its SHA-256.
    200 with the new offset while incomplete; 201 (new) or 200 when stored."""
    if not store_mod.SHA256_RE.match(sha256):
        raise ApiError(400, "bad_hash")
    piece = store_resume.parse_content_range(request.headers.get("Content-Range"),
                                             int(state().config["MAX_CONTENT_LENGTH"]))
    result = store_resume.append(
        state().engine, _root(), sha256, request.stream, request.mimetype, g.user,
        UploadLimits.from_config(state().config), piece,
    )
    return jsonify(_upload_state(sha256, result)), (201 if result.created else 200)
