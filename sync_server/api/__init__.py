"""The JSON API, version 1, under ``/api/v1`` (one module per resource)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import health  # noqa: E402, F401  (the modules register their routes on bp)
