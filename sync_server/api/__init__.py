"""The JSON API, version 1, under ``/api/v1`` (one module per resource)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules register their routes on bp.
from . import (  # noqa: E402
    attachments,
    entries,
    forms,
    health,
    openapi,
    sync,
    users,
)

__all__ = ["attachments", "bp", "entries", "forms", "health", "openapi", "sync", "users"]
