"""The moments a tablet reports in a revision's ``meta`` (``started_at``, ``finalized_at``),
read safely (pure).

A tablet sends them as ISO 8601 text with a UTC offset, e.g. ``2024-08-13T11:00:00+07:00``.
They are the tablet's claim, not the server's knowledge: the push checks only that they are
readable and plausible (:func:`meta_time_problem`), and every reader of a stored one goes
through :func:`parse_meta_time`, which answers ``None`` instead of raising for anything else,
so a value stored before the check (or written by hand) can never break a page, an export or
the entry's name. A plausible moment lies in the years :data:`MIN_YEAR` to :data:`MAX_YEAR`
with an offset of at most :data:`MAX_OFFSET` (the real zones span -12:00 to +14:00), so that
converting it to any zone (WIB for the pages) can never overflow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

__all__ = [
    "MAX_OFFSET",
    "MAX_YEAR",
    "META_TIME_FIELDS",
    "MIN_YEAR",
    "in_zone",
    "meta_time_problem",
    "parse_meta_time",
]

#: The meta fields that hold a moment.
META_TIME_FIELDS = ("started_at", "finalized_at")
#: The earliest and latest plausible year of a tablet's moment.
MIN_YEAR = 2000
MAX_YEAR = 2100
#: The largest UTC offset a moment may carry (the real zones span -12:00 to +14:00).
MAX_OFFSET = timedelta(hours=14)
#: No ISO 8601 moment with an offset is longer (``2024-08-13T11:00:00.123456+07:00`` is 32).
_MAX_LENGTH = 40


def meta_time_problem(value: Any) -> str | None:
    """Why ``value`` is not a plausible tablet moment (an English sentence), or ``None``."""
    if not isinstance(value, str):
        return "must be a text"
    if len(value) > _MAX_LENGTH:
        return f"is longer than {_MAX_LENGTH} characters"
    try:
        moment = datetime.fromisoformat(value)  # also reads a final "Z"
    except (ValueError, OverflowError):
        return "is not an ISO 8601 date and time"
    offset = moment.utcoffset()
    if offset is None:
        return "has no UTC offset (e.g. +07:00)"
    if abs(offset) > MAX_OFFSET:
        return "has a UTC offset beyond 14 hours"
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return f"is outside the years {MIN_YEAR} to {MAX_YEAR}"
    return None


def parse_meta_time(value: Any) -> datetime | None:
    """``value`` as an aware datetime when it is a plausible moment (see the module docstring),
    else ``None``; never raises."""
    if meta_time_problem(value) is not None:
        return None
    return datetime.fromisoformat(value)


def in_zone(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """``moment`` converted to ``zone``, or ``None`` when there is none or it cannot be
    converted (a moment near ``datetime.min``/``max``); a naive moment counts as UTC."""
    if moment is None:
        return None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    except (OverflowError, ValueError):
        return None
