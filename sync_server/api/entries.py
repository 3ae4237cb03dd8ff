"""Entry views for supervisors and admins: read, review, edit, resolve, delete, restore, move."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from .. import entries as svc
from ..auth import require_auth
from ..db import read_tx
from ..entry_moves import move_entry
from ..errors import ApiError
from ..requests_json import read_json_object, require_fields
from ..state import state
from . import bp


def _comment(body: dict[str, Any]) -> str | None:
    comment = body.get("comment")
    if comment is not None and len(comment) > 5000:
        raise ApiError(400, "bad_request", detail="'comment' is longer than 5000 characters")
    return comment


@bp.get("/entries/<entry_id>")
@require_auth()
def entry_detail(entry_id: str) -> Response:
    """An entry's head, review state, conflicts and history (officers: their own entries)."""
    with read_tx(state().engine) as conn:
        return jsonify(svc.get_entry(conn, g.user, entry_id))


@bp.post("/entries/<entry_id>/review")
@require_auth("supervisor", "admin")
def entry_review(entry_id: str) -> Response:
    """``{"status", "comment"}``: approve, ask for a correction, reject (or back to received)."""
    body = read_json_object()
    require_fields(body, {"status": str}, optional={"comment": str})
    return jsonify(svc.set_review(state().engine, g.user, entry_id, body["status"], _comment(body)))


@bp.post("/entries/<entry_id>/revisions")
@require_auth("supervisor", "admin")
def entry_edit(entry_id: str) -> tuple[Response, int]:
    """``{"parent_rev", "answers", "comment"}``: a supervisor edit, validated against the form;
    ``parent_rev`` (the head the client read) missing: 422 ``parent_rev_required``."""
    body = read_json_object()
    require_fields(body, {"answers": dict}, optional={"comment": str, "parent_rev": str})
    result = svc.edit_entry(
        state().engine,
        state().forms,
        g.user,
        entry_id,
        body.get("parent_rev"),
        body["answers"],
        _comment(body),
    )
    return jsonify(result), 201


@bp.post("/entries/<entry_id>/resolve")
@require_auth("supervisor", "admin")
def entry_resolve(entry_id: str) -> tuple[Response, int]:
    """``{"parent_rev", "answers", "comment"}``: resolve a conflict with a new revision;
    ``parent_rev`` (the head the client read) missing: 422 ``parent_rev_required``."""
    body = read_json_object()
    require_fields(body, {"answers": dict}, optional={"comment": str, "parent_rev": str})
    result = svc.resolve_conflict(
        state().engine,
        state().forms,
        g.user,
        entry_id,
        body["answers"],
        _comment(body),
        body.get("parent_rev"),
    )
    return jsonify(result), 201


@bp.delete("/entries/<entry_id>")
@require_auth("admin")
def entry_delete(entry_id: str) -> Response:
    """Soft-delete (admins): the entry is hidden, nothing is removed."""
    return jsonify(svc.soft_delete_entry(state().engine, g.user, entry_id))


@bp.post("/entries/<entry_id>/restore")
@require_auth("admin")
def entry_restore(entry_id: str) -> Response:
    """Undo a soft delete (admins)."""
    return jsonify(svc.restore_entry(state().engine, g.user, entry_id))


@bp.post("/entries/<entry_id>/move")
@require_auth("admin")
def entry_move(entry_id: str) -> Response:
    """``{"region"?, "officer"?}``: move an entry to another region and/or officer (admins)."""
    body = read_json_object()
    require_fields(body, {}, optional={"region": str, "officer": str})
    region = (body.get("region") or "").strip() or None
    officer = (body.get("officer") or "").strip() or None
    if region is None and officer is None:
        raise ApiError(400, "bad_request", detail="give 'region' or 'officer'")
    return jsonify(
        move_entry(state().engine, state().forms, g.user, entry_id, region=region, officer=officer)
    )
