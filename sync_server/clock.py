"""Timestamps as stored by the server: ISO 8601 UTC strings with microseconds and ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["iso", "later", "now_iso"]


def iso(moment: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    """The current time, formatted by :func:`iso`."""
    return iso(datetime.now(UTC))


def later(**delta: float) -> str:
    """The current time plus ``timedelta(**delta)``, formatted by :func:`iso`."""
    return iso(datetime.now(UTC) + timedelta(**delta))
