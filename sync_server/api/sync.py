"""``POST /sync/push`` and ``GET /sync/pull``: the tablet's sync round trip."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request

from ..auth import require_auth
from ..db import read_tx
from ..errors import ApiError
from ..feed import PAGE_BYTES, pull_json
from ..payload import Limits
from ..push import push
from ..requests_json import read_json_object, require_fields
from ..state import state
from . import bp
from .common import int_arg


@bp.post("/sync/push")
@require_auth("officer", "admin")
def sync_push() -> Response:
    """Store a batch of entry revisions; one result per revision, in order."""
    body = read_json_object()
    require_fields(body, {"revisions": list}, optional={})
    cfg = state().config
    if len(body["revisions"]) > cfg["MAX_BATCH"]:
        raise ApiError(
            400, "bad_request", detail=f"at most {cfg['MAX_BATCH']} revisions per request"
        )
    limits = Limits(max_string=cfg["MAX_STRING_LENGTH"], max_answers_bytes=cfg["MAX_ANSWERS_BYTES"])
    results = push(state().engine, state().forms, g.user, body["revisions"], limits)
    g.push_results = results  # counted by sync_server.observability
    return jsonify({"results": results})


@bp.get("/sync/pull")
@require_auth()
def sync_pull() -> Response:
    """The changes for this user after the cursor ``since``: at most ``limit`` of them, and at
    most ``PULL_PAGE_BYTES`` past the first (``more`` says whether to ask again)."""
    cfg = state().config
    unknown = sorted(set(request.args) - {"since", "limit"})
    if unknown:
        raise ApiError(400, "bad_request", detail=f"unknown parameter {unknown[0]!r}")
    limit = int_arg("limit", cfg["PULL_LIMIT_DEFAULT"], 1, cfg["PULL_LIMIT_MAX"])
    with read_tx(state().engine) as conn:
        body = pull_json(
            conn,
            g.user,
            request.args.get("since", ""),
            limit,
            cfg.get("PULL_PAGE_BYTES") or PAGE_BYTES,
        )
    return Response(body, mimetype="application/json")


# --- reconciliation after a restore (sync_server.reconcile) -------------------------------------


def _asked_revisions(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``[{"entry_id", "rev"}...]`` of a ``revisions/missing`` request, checked."""
    from ..reconcile import MAX_ASKED

    require_fields(body, {"revisions": list}, optional={})
    items = body["revisions"]
    if len(items) > MAX_ASKED:
        raise ApiError(400, "bad_request", detail=f"at most {MAX_ASKED} revisions per request")
    asked = []
    for item in items:
        if (
            not isinstance(item, dict)
            or set(item) != {"entry_id", "rev"}
            or not all(isinstance(item[k], str) and 0 < len(item[k]) <= 80 for k in item)
        ):
            raise ApiError(
                400, "bad_request", detail="each revision must be {'entry_id': str, 'rev': str}"
            )
        asked.append((item["entry_id"], item["rev"]))
    return asked


@bp.post("/sync/revisions/missing")
@require_auth("officer", "admin")
def sync_revisions_missing() -> Response:
    """Which of the caller's sent revisions the server lacks (the tablet sends them again)."""
    from ..reconcile import missing_revisions

    asked = _asked_revisions(read_json_object())
    with read_tx(state().engine) as conn:
        return jsonify(missing_revisions(conn, g.user, asked))
