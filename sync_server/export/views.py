"""The export blueprint: ``GET /export/<form_id>.csv`` and ``GET /export/<form_id>.zip``.

Query string: the entries-table filters (:mod:`sync_server.entry_filters`) and the options
``labels``, ``lang``, ``split_select_multiple``, ``group_prefix``. Who may export: a supervisor
(their regions) or an admin, signed in with ``Authorization: Bearer <token>`` (scripts) or with
the review pages' session cookie (:func:`sync_server.review.auth.current_web_user`).
Errors are JSON ``{"error", "message", "message_id"}`` like the API, before any CSV byte is sent.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context

from ..db import read_tx
from ..entry_filters import FilterError, from_args
from ..state import state
from ..users import resolve_token
from .service import ExportError, options_from_args, prepare_export

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


def _export(form_id: str, kind: str) -> Response:
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
        prepared = prepare_export(state().engine, form_id, flt, options, user)
    except FilterError as exc:
        return _error(400, exc.code, exc.messages)
    except ExportError as exc:
        return _error(exc.status, exc.code, exc.messages)
    if kind == "zip":
        body, mimetype, name = prepared.zip(), "application/zip", f"{form_id}.zip"
    else:
        body, mimetype, name = prepared.csv(), "text/csv; charset=utf-8", f"{form_id}.csv"
    resp = Response(stream_with_context(body), content_type=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/<form_id>.csv")
def export_csv(form_id: str) -> Response:
    """The root CSV of a form's entries."""
    return _export(form_id, "csv")


@bp.get("/<form_id>.zip")
def export_zip(form_id: str) -> Response:
    """A ZIP with the root CSV and one CSV per repeat group."""
    return _export(form_id, "zip")
