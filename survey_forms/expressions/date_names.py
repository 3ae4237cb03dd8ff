"""Short month and weekday names for ``format-date()``'s ``%b`` and ``%a``, in the form's
language (ODK Collect writes them in the language it runs in).

A form's language is an XLSForm language such as ``"Indonesian (id)"``, ``"English (en)"`` or
``"Bahasa Indonesia"``: the code in parentheses is used, else a few known names. Indonesian and
English are built in (the names CLDR gives, as Android does); other languages come from Babel
where it is installed, else English.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["language_code", "month_abbreviation", "weekday_abbreviation"]

_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    ),
    "id": (
        ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
        ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    ),
}
_KNOWN_LANGUAGES = {
    "english": "en",
    "indonesian": "id",
    "indonesia": "id",
    "bahasa": "id",
    "bahasa indonesia": "id",
    "in": "id",  # Java's old code for Indonesian
}
_CODE_RE = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*\)\s*$")


@lru_cache(maxsize=64)
def language_code(language: str | None) -> str:
    """The language code of an XLSForm language name (``"en"`` when unknown)."""
    if not language:
        return "en"
    match = _CODE_RE.search(language)
    name = (match[1] if match else language).strip().lower()
    name = _KNOWN_LANGUAGES.get(name, name)
    if name in _NAMES:
        return name
    return name if _babel_names(name) is not None else "en"


@lru_cache(maxsize=64)
def _babel_names(code: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    try:
        from babel.core import UnknownLocaleError
        from babel.dates import get_day_names, get_month_names
    except ImportError:
        return None
    try:
        months = get_month_names("abbreviated", locale=code)
        days = get_day_names("abbreviated", locale=code)
    except (UnknownLocaleError, ValueError):
        return None
    return tuple(months[i] for i in range(1, 13)), tuple(days[i] for i in range(7))


def _names(language: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    code = language_code(language)
    return _NAMES.get(code) or _babel_names(code) or _NAMES["en"]


def month_abbreviation(month: int, language: str | None) -> str:
    """``%b``: the short name of ``month`` (1-12)."""
    return _names(language)[0][month - 1]


def weekday_abbreviation(weekday: int, language: str | None) -> str:
    """``%a``: the short name of ``weekday`` (Monday 0, as ``date.weekday()``)."""
    return _names(language)[1][weekday]
