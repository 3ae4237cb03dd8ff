"""``GET /forms``, ``GET /forms/<form_id>/<version>`` and the files published with a version
(``GET /forms/<form_id>/<version>/media/<filename>``): published forms, with ETags."""

from __future__ import annotations

from flask import Response, request

from ..auth import require_auth
from ..db import read_tx
from ..errors import ApiError
from ..forms_store import form_media_file, form_row, list_forms
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


#: How a choice file is sent: as data to save, never to render (no HTML or SVG ever inline).
_MEDIA_TYPES = {".csv": "text/csv; charset=utf-8", ".xml": "application/xml"}


@bp.get("/forms/<form_id>/<version>/media/<filename>")
@require_auth()
def form_media_detail(form_id: str, version: str, filename: str) -> Response:
    """One file published with a form version (a choice file); its ETag is its SHA-256."""
    with read_tx(state().engine) as conn:
        found = form_media_file(conn, form_id, version, filename)
    if found is None:
        raise ApiError(404, "unknown_form_media", form_id=form_id[:100], version=version[:50])
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if request.if_none_match.contains(found["sha256"]):
        resp = Response(status=304)
    else:
        resp = Response(
            found["data"], mimetype=_MEDIA_TYPES.get(suffix, "application/octet-stream")
        )
        resp.headers["Content-Disposition"] = "attachment"
    resp.set_etag(found["sha256"])
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private"
    return resp
