"""Dates, times and dateTimes inside expressions.

Answers hold dates as ``"YYYY-MM-DD"``, times as ``"HH:MM[:SS[.fff]][offset]"`` and dateTimes as
ISO 8601 strings. Like JavaRosa, expressions compare and add them as numbers of days since
1970-01-01 on the local calendar: a date is a whole number, a dateTime a fractional number taken
from the wall-clock time written (``"2024-08-13T06:00:00+07:00"`` is 19948.25, whatever its
offset), a time a fraction of a day. So dates and dateTimes written in the same zone compare as
people read them (a WIB dateTime at 05:00 is on the same day as ``today()``; in UTC it would be
the day before). ``decimal-date-time()`` alone measures in UTC, as JavaRosa does, and
``format-date()`` shows the wall-clock time written (it does not convert to the device's zone).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone

from .date_names import month_abbreviation, weekday_abbreviation
from .numeric import parse_number
from .texts import Text, text

__all__ = [
    "date_string_from_value",
    "days_from_string",
    "format_date",
    "format_datetime",
    "pattern_problem",
    "temporal_from_value",
]

EPOCH_DATE = date(1970, 1, 1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)

_OFFSET = r"(Z|[+-]\d{2}(?::?\d{2})?)?"
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?" + _OFFSET
)
_TIME_RE = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?" + _OFFSET)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _microseconds(fraction: str | None) -> int:
    return int((fraction or "0").ljust(6, "0")[:6])


def parse_date(text: str) -> date | None:
    """Return the date written ``YYYY-MM-DD`` (surrounding spaces allowed), else ``None``."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """Return the ISO 8601 dateTime in ``text`` (aware when it has an offset), else ``None``."""
    match = _DATETIME_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return datetime(
            int(match[1]),
            int(match[2]),
            int(match[3]),
            int(match[4]),
            int(match[5]),
            int(match[6] or 0),
            _microseconds(match[7]),
            tzinfo=_offset(match[8]),
        )
    except ValueError:
        return None


def parse_time(text: str) -> datetime | None:
    """Return a time ``HH:MM[:SS[.fff]][offset]`` as a dateTime on 1970-01-01, else ``None``."""
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return datetime(
            1970,
            1,
            1,
            int(match[1]),
            int(match[2]),
            int(match[3] or 0),
            _microseconds(match[4]),
            tzinfo=_offset(match[5]),
        )
    except ValueError:
        return None


def _days_since_epoch(moment: datetime) -> float:
    """Milliseconds since the epoch divided by a day's, as JavaRosa (``getTime() / DAY_IN_MS``)."""
    epoch = EPOCH if moment.tzinfo is not None else _EPOCH_NAIVE
    delta = moment - epoch
    milliseconds = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return milliseconds / 86_400_000


def days_from_string(text: str, *, utc: bool = False) -> float:
    """Days since 1970-01-01 for a date, dateTime or time string; NaN for anything else.

    As JavaRosa converts a date or dateTime answer to a number (``DateUtils.daysSinceEpoch``),
    a dateTime counts as the whole day of its wall-clock date (``"2024-08-13T09:30+07:00"`` is
    19948, the same as ``today()`` that morning), and a time as day 0 (every time is on the
    same day: compare times with ``decimal-time()``). With ``utc`` (for
    ``decimal-date-time()``) a dateTime is the fractional number of days since
    1970-01-01T00:00Z, as JavaRosa's ``decimal-date-time()``.
    """
    stripped = text.strip()
    if len(stripped) >= 10 and stripped[4] == "-":
        if len(stripped) == 10:
            day = parse_date(stripped)
            return float((day - EPOCH_DATE).days) if day is not None else math.nan
        moment = parse_datetime(stripped)
        if moment is None:
            return math.nan
        if utc:
            return _days_since_epoch(moment)
        return float((moment.date() - EPOCH_DATE).days)
    if len(stripped) >= 5 and stripped[2] == ":":
        moment = parse_time(stripped)
        if moment is None:
            return math.nan
        return _days_since_epoch(moment) if utc else 0.0
    return math.nan


_LOOSE_DATE_RE = re.compile(r"(\d{1,9})-(\d{1,2})-(\d{1,2})")


def parse_loose_date(text: str) -> date | None:
    """JavaRosa's date reading for ``date()``: ``Y-M-D`` with unpadded parts (``2024-8-3``)."""
    match = _LOOSE_DATE_RE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_loose(text: str) -> datetime | None:
    """A date or dateTime as JavaRosa's ``DateUtils.parseDateTime`` reads it (parts need not
    be zero-padded: ``2024-8-3``, ``2024-8-3T7:05``), else ``None``."""
    day_text, _, time_text = text.partition("T")
    day = parse_loose_date(day_text)
    if day is None:
        return None
    if not time_text:
        return datetime(day.year, day.month, day.day)
    moment = parse_time(_pad_time(time_text))
    if moment is None:
        return None
    return moment.replace(year=day.year, month=day.month, day=day.day)


_LOOSE_TIME_RE = re.compile(r"(\d{1,2}):(\d{1,2})(.*)", re.DOTALL)


def _pad_time(text: str) -> str:
    match = _LOOSE_TIME_RE.fullmatch(text)
    if match is None:
        return text
    rest = match[3]
    if rest.startswith(":"):
        seconds = re.match(r":(\d{1,2})(.*)", rest, re.DOTALL)
        if seconds is not None:
            rest = f":{int(seconds[1]):02d}{seconds[2]}"
    return f"{int(match[1]):02d}:{int(match[2]):02d}{rest}"


def datetime_from_days(days: float) -> datetime | None:
    """The naive dateTime ``days`` days after 1970-01-01T00:00 (``None`` if out of range)."""
    if not math.isfinite(days):
        return None
    try:
        return _EPOCH_NAIVE + timedelta(days=days)
    except OverflowError:
        return None


def temporal_from_value(value: object) -> datetime | None:
    """Read a value as a moment for ``format-date()``: a date/dateTime/time string or days.

    Booleans, empty strings and strings that are neither temporal nor numeric give ``None``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime_from_days(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    day = parse_date(text)
    if day is not None:
        return datetime(day.year, day.month, day.day)
    moment = parse_datetime(text) or parse_time(text) or parse_loose(text)
    if moment is not None:
        return moment
    number = parse_number(text)
    return datetime_from_days(number) if number is not None else None


def date_string_from_value(value: object) -> str:
    """``date()``: the ``YYYY-MM-DD`` of a date/dateTime string or of a number of days.

    A fractional number of days gives the day it falls in; anything else gives ``""``.
    """
    moment = temporal_from_value(value)
    if moment is None:
        return ""
    return moment.date().isoformat()


def format_datetime(moment: datetime) -> str:
    """``now()``: ISO 8601 with milliseconds and offset, as ODK writes dateTimes."""
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if moment.utcoffset() == timedelta(0) else text


_FORMAT_CODES = frozenset("YymnbdeHhMS3aW%")


def pattern_problem(pattern: str) -> Text | None:
    """Why ``pattern`` is not a valid ``format-date()`` pattern, or ``None`` if it is."""
    i = 0
    while i < len(pattern):
        if pattern[i] == "%":
            if i + 1 == len(pattern):
                return text("pattern.ends_with_percent")
            if pattern[i + 1] not in _FORMAT_CODES:
                return text("pattern.unknown_code", code=pattern[i + 1])
            i += 2
        else:
            i += 1
    return None


def format_date(moment: datetime, pattern: str, language: str | None = None) -> str:
    """``format-date()`` with ODK's codes: %Y %y %m %n %b %d %e %H %h %M %S %3 %a %W.

    ``%%`` gives ``%``. An unknown code is copied as is (a pattern written in the form is checked
    when it is parsed, see :func:`pattern_problem`). Month and day names (``%b``, ``%a``) are in
    ``language`` (the form's, see :mod:`.date_names`; English when ``None``); ``%W`` is the ISO
    week number.
    """
    parts: list[str] = []
    i = 0
    length = len(pattern)
    while i < length:
        char = pattern[i]
        if char != "%" or i + 1 == length:
            parts.append(char)
            i += 1
            continue
        code = pattern[i + 1]
        i += 2
        if code == "Y":
            parts.append(f"{moment.year:04d}")
        elif code == "y":
            parts.append(f"{moment.year % 100:02d}")
        elif code == "m":
            parts.append(f"{moment.month:02d}")
        elif code == "n":
            parts.append(str(moment.month))
        elif code == "b":
            parts.append(month_abbreviation(moment.month, language))
        elif code == "d":
            parts.append(f"{moment.day:02d}")
        elif code == "e":
            parts.append(str(moment.day))
        elif code == "H":
            parts.append(f"{moment.hour:02d}")
        elif code == "h":
            parts.append(str(moment.hour))
        elif code == "M":
            parts.append(f"{moment.minute:02d}")
        elif code == "S":
            parts.append(f"{moment.second:02d}")
        elif code == "3":
            parts.append(f"{moment.microsecond // 1000:03d}")
        elif code == "a":
            parts.append(weekday_abbreviation(moment.weekday(), language))
        elif code == "W":
            parts.append(str(moment.isocalendar()[1]))
        elif code == "%":
            parts.append("%")
        else:
            parts.append("%" + code)
    return "".join(parts)
