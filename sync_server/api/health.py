"""``GET /api/v1/health``: liveness and database reachability, no authentication."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import text

from ..state import state
from . import bp


@bp.get("/health")
def health() -> Response | tuple[Response, int]:
    """``{"status": "ok", "version"}``, or 503 when the database cannot be reached."""
    from .. import __version__

    try:
        with state().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "unavailable", "version": __version__}), 503
    return jsonify({"status": "ok", "version": __version__})
