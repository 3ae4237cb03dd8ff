"""The export blueprint: ``GET /export/<form_id>.csv``, ``.zip`` and ``.xlsx``.

Query string: the entries-table filters (:mod:`sync_server.entry_filters`) and the options
``labels``, ``lang``, ``split_select_multiple``, ``group_prefix``, ``bom`` (CSV) and
``attachments`` (ZIP: the photos in ``media/``, on by default as in Central). Who may export:
a supervisor (their regions) or an admin, signed in with ``Authorization: Bearer <token>``
(scripts) or with the review pages' session cookie
(:func:`sync_server.review.auth.current_web_user`).
Errors are JSON ``{"error", "message", "message_id"}`` like the API, before any CSV byte is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context

from ..db import read_tx
from ..entry_filters import FilterError, from_args
from ..state import state
from ..users import resolve_token
from .service import ExportError, flag, options_from_args, prepare_export
from .xlsx import XLSX_MEDIA_TYPE

__all__ = ["bp"]

bp = Blueprint("export", __name__, url_prefix="/export")

#: the roles that may export (prepare_export checks it again, with the region filter)
EXPORT_ROLES = ("supervisor", "admin")

_AUTH_MESSAGES = {
    "unauthorized": {
        "id": "Silakan masuk terlebih dahulu.",
        "en": "Sign in first.",
    },
    "invalid_token": {
        "id": "Token tidak berlaku, kedaluwarsa atau sudah dicabut. Silakan masuk lagi.",
        "en": "The token is invalid, expired or revoked. Please sign in again.",
    },
}


def _error(status: int, code: str, messages: dict[str, str]) -> Response:
    resp = jsonify({"error": code, "message": messages["en"], "message_id": messages["id"]})
    resp.status_code = status
    return resp


def _session_user() -> Any:
    """The supervisor or admin signed in to the review pages (session cookie), or ``None``."""
    from ..review.auth import current_web_user

    return current_web_user()


def _current_user() -> tuple[Any, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        with read_tx(state().engine) as conn:
            found = resolve_token(conn, token.strip())
        return (found[0], None) if found else (None, "invalid_token")
    user = _session_user()
    return (user, None) if user is not None else (None, "unauthorized")


def _prepare(form_id: str, kind: str) -> tuple[Any, bool] | Response:
    """The checked export and whether the ZIP holds the photos, or the error response."""
    user, problem = _current_user()
    if user is None:
        resp = _error(401, problem or "unauthorized", _AUTH_MESSAGES[problem or "unauthorized"])
        resp.headers["WWW-Authenticate"] = "Bearer"
        return resp
    if user.role not in EXPORT_ROLES:
        # who may export is decided before any parameter is looked at (an officer learns
        # nothing from the validation of a filter they may not use)
        exc = ExportError(403, "forbidden")
        return _error(exc.status, exc.code, exc.messages)
    try:
        flt = from_args(request.args, form_id=form_id)
        options = options_from_args(request.args)
        with_media = kind == "zip" and flag(request.args, "attachments", True)
        return prepare_export(state().engine, form_id, flt, options, user), with_media
    except FilterError as exc:
        return _error(400, exc.code, exc.messages)
    except ExportError as exc:
        return _error(exc.status, exc.code, exc.messages)


def _export(form_id: str, kind: str) -> Response:
    ready = _prepare(form_id, kind)
    if isinstance(ready, Response):
        return ready
    prepared, with_media = ready
    if kind == "zip":
        media_root = Path(state().config["ATTACHMENTS_DIR"]) if with_media else None
        body, mimetype = prepared.zip(media_root=media_root), "application/zip"
        name = f"{form_id}.zip"
    elif kind == "xlsx":
        body, mimetype, name = prepared.xlsx(), XLSX_MEDIA_TYPE, f"{form_id}.xlsx"
    else:
        body, mimetype, name = prepared.csv(), "text/csv; charset=utf-8", f"{form_id}.csv"
    resp = Response(stream_with_context(body), content_type=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if kind == "zip" and with_media:
        resp.headers["X-Export-Media-Bytes"] = str(prepared.media_size(media_root)[1])
    return resp


@bp.get("/<form_id>.csv")
def export_csv(form_id: str) -> Response:
    """The root CSV of a form's entries."""
    return _export(form_id, "csv")


@bp.get("/<form_id>.zip")
def export_zip(form_id: str) -> Response:
    """A ZIP with the root CSV, one CSV per repeat group and the photos in ``media/``."""
    return _export(form_id, "zip")


@bp.get("/<form_id>.xlsx")
def export_xlsx(form_id: str) -> Response:
    """An XLSX workbook with one sheet per table."""
    return _export(form_id, "xlsx")


@bp.get("/<form_id>/size")
def export_size(form_id: str) -> Response:
    """What a download will hold, to show before it starts (same sign-in, filters, scope):
    ``{"entries", "photos", "photo_bytes"}``. A streamed ZIP has no Content-Length; its
    photos, stored as they are, are most of its size."""
    ready = _prepare(form_id, "zip")
    if isinstance(ready, Response):
        return ready
    prepared, _ = ready
    photos, size = prepared.media_size(Path(state().config["ATTACHMENTS_DIR"]))
    resp = jsonify({"entries": prepared.count(), "photos": photos, "photo_bytes": size})
    resp.headers["Cache-Control"] = "no-store"
    return resp
