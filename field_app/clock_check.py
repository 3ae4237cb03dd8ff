"""The tablet's clock against the server's: an officer whose clock is off is told so.

Each sync reads the server's time from its HTTP ``Date`` header (:func:`clock_offset`); the
home screen warns when the tablet's clock is more than :data:`TOLERANCE` seconds off, because
``start``, ``end`` and ``today`` of new entries come from that clock.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from field_app.messages import bilingual

__all__ = ["TOLERANCE", "clock_offset", "clock_warning"]

#: Seconds the clocks may differ before the officer is warned (10 minutes).
TOLERANCE = 600


def tablet_time() -> float:
    """The tablet's clock (seconds since the epoch); tests set it years off."""
    return time.time()


def clock_offset(date_header: str | None, now: float | None = None) -> float | None:
    """Seconds the server's clock (its ``Date`` header) is ahead of the tablet's; ``None``
    when the header is missing or unreadable."""
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server.tzinfo is None:
        return None
    return round(server.timestamp() - (tablet_time() if now is None else now), 1)


def _span(seconds: float) -> dict[str, Any]:
    minutes = round(abs(seconds) / 60)
    if minutes < 120:
        return {"amount": minutes, "unit": "minutes"}
    hours = round(minutes / 60)
    if hours < 48:
        return {"amount": hours, "unit": "hours"}
    days = round(hours / 24)
    if days < 730:
        return {"amount": days, "unit": "days"}
    return {"amount": round(days / 365), "unit": "years"}


def clock_warning(offset: float | None) -> dict[str, str] | None:
    """``{"id", "en"}`` telling the officer to set the clock, or ``None`` when it is right."""
    if offset is None or abs(offset) <= TOLERANCE:
        return None
    span = _span(offset)
    unit = bilingual(f"clock.unit.{span['unit']}", amount=span["amount"])  # "1 day", "2 days"
    key = "clock.behind" if offset > 0 else "clock.ahead"
    return {
        lang: bilingual(key, amount=span["amount"], unit=unit[lang])[lang] for lang in ("id", "en")
    }
