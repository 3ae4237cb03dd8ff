"""Languages and dates of the web pages: Bahasa Indonesia by default, English on request.

The chosen language lives in the session (``/lang/<code>``). Dates are stored in UTC and shown
in WIB (Asia/Jakarta, UTC+7), the time zone of the pilot regions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from flask import g, session
from flask_babel import get_locale

from ..meta_times import in_zone

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
    if not value or not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _month_abbreviations() -> dict[int, str]:
    names = g.get("month_abbreviations")
    if names is None:
        names = g.month_abbreviations = dict(
            get_month_names("abbreviated", locale=get_locale() or "id")
        )
    return names


def wib(value: str | None, seconds: bool = False) -> str:
    """Jinja filter: a stored time shown in WIB with the month in the current language, e.g.
    ``13 Agu 2024 09:15 WIB`` (``seconds`` adds ``:SS``); ``""`` for none. A value that is not
    a time, or cannot be shown in WIB (e.g. year 9999 with offset -23:59, stored before the push
    checked meta times), is shown as the text it is; never raises."""
    local = in_zone(parse_iso(value), WIB)
    if local is None:
        return str(value or "")
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    month = _month_abbreviations().get(local.month, str(local.month))
    return f"{local.day:02d} {month} {local.year} {clock} WIB"
