"""Languages and dates of the web pages: Bahasa Indonesia by default, English on request.

The chosen language lives in the session (``/lang/<code>``). Dates are stored in UTC and shown
in WIB (Asia/Jakarta, UTC+7), the time zone of the pilot regions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import session
from flask_babel import format_datetime

__all__ = ["LANGUAGES", "WIB", "current_language", "parse_iso", "select_locale", "wib"]

LANGUAGES = ("id", "en")
WIB = ZoneInfo("Asia/Jakarta")


def select_locale() -> str:
    """Flask-Babel's locale selector: the session's choice, else Indonesian."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "id"


def current_language() -> str:
    """The language code of the current request (``id`` or ``en``)."""
    return select_locale()


def parse_iso(value: str | None) -> datetime | None:
    """A stored ISO 8601 time (``...Z`` or with an offset) as an aware datetime, or ``None``."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wib(value: str | None, fmt: str = "dd MMM yyyy HH:mm") -> str:
    """Jinja filter: a stored time shown in WIB in the current language, e.g. ``13 Agu 2024 09:15
    WIB``; ``""`` for none."""
    moment = parse_iso(value)
    if moment is None:
        return value or ""
    return f"{format_datetime(moment.astimezone(WIB), fmt)} WIB"
