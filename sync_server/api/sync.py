"""``POST /sync/push`` and ``GET /sync/pull``: the tablet's sync round trip."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from ..auth import require_auth
from ..db import read_tx
from ..errors import ApiError
from ..feed import pull_json
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
    """The changes for this user after the cursor ``since``."""
    cfg = state().config
    unknown = sorted(set(request.args) - {"since", "limit"})
    if unknown:
        raise ApiError(400, "bad_request", detail=f"unknown parameter {unknown[0]!r}")
    limit = int_arg("limit", cfg["PULL_LIMIT_DEFAULT"], 1, cfg["PULL_LIMIT_MAX"])
    with read_tx(state().engine) as conn:
        body = pull_json(conn, g.user, request.args.get("since", ""), limit)
    return Response(body, mimetype="application/json")
