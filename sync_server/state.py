"""Per-application state: the database engine and the cache of compiled forms."""

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


def state() -> ServerState:
    """The :class:`ServerState` of the current application."""
    return current_app.extensions["sync_server"]
