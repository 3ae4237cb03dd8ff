"""Per-application state: the database engine, the cache of compiled forms, and the export
cells' background worker when the app is served."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Engine

from .forms_store import FormCache

__all__ = ["ServerState", "state"]


@dataclass
class ServerState:
    """What one application instance keeps between requests."""

    engine: Engine
    config: Mapping[str, Any]
    forms: FormCache = field(default_factory=FormCache)
    #: the export cells' background worker of a serving process (export.cell_worker), if any
    cell_worker: Any = None


def state() -> ServerState:
    """The :class:`ServerState` of the current application."""
    return current_app.extensions["sync_server"]
