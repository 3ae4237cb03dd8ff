"""``GET /api/v1/health``: liveness, the database and free disk space, no authentication.

``status`` is ``ok``; ``degraded`` while the server works but an admin must act (free space of the
instance or attachments folder below ``HEALTH_MIN_FREE_BYTES``); ``unavailable`` (503) when the
database cannot be reached. Tablets treat ``ok`` and ``degraded`` as reachable.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify
from sqlalchemy import text

from ..state import state
from . import bp


def disk_report(folders: dict[str, Path], min_free: int) -> tuple[dict[str, Any], list[str]]:
    """Free bytes of each folder (the nearest existing parent) and the names below ``min_free``."""
    report: dict[str, Any] = {"min_free_bytes": min_free}
    low: list[str] = []
    for name, folder in folders.items():
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            report[name] = {"free_bytes": None}
            low.append(f"{name}_unreadable")
            continue
        report[name] = {"free_bytes": free}
        if free < min_free:
            low.append(f"{name}_low_disk")
    return report, low


@bp.get("/health")
def health() -> Response | tuple[Response, int]:
    """``{"status", "version", "database", "disk", "problems"}``; 503 without a database."""
    from .. import __version__

    cfg = state().config
    try:
        with state().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unavailable"
    disk, problems = disk_report(
        {
            "instance": Path(current_app.instance_path),
            "attachments": Path(cfg["ATTACHMENTS_DIR"]),
        },
        int(cfg["HEALTH_MIN_FREE_BYTES"]),
    )
    body = {"version": __version__, "database": database, "disk": disk}
    if database != "ok":
        return jsonify({"status": "unavailable", **body, "problems": ["database"]}), 503
    status = "degraded" if problems else "ok"
    return jsonify({"status": status, **body, "problems": problems})
