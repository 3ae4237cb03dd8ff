"""``GET /forms`` and ``GET /forms/<form_id>/<version>``: published forms, with ETags."""

from __future__ import annotations

from flask import Response

from ..auth import require_auth
from ..db import read_tx
from ..errors import ApiError
from ..forms_store import form_row, list_forms
from ..state import state
from . import bp
from .common import conditional_json


@bp.get("/forms")
@require_auth()
def forms_index() -> Response:
    """Every published form version."""
    with read_tx(state().engine) as conn:
        rows = list_forms(conn)
    return conditional_json({"forms": rows})


@bp.get("/forms/<form_id>/<version>")
@require_auth()
def form_detail(form_id: str, version: str) -> Response:
    """The compiled form JSON of one version (its ETag is the compiled content's SHA-256)."""
    with read_tx(state().engine) as conn:
        row = form_row(conn, form_id, version)
    if row is None:
        raise ApiError(404, "unknown_form", form_id=form_id[:100], version=version[:50])
    return conditional_json(None, row["sha256"], raw=row["compiled_json"])
