"""User-facing messages from the translation catalogs, Indonesian first, English second.

The catalogs are ``field_app/translations/{id,en}.json`` (flat ``key -> text`` with
``{name}`` placeholders). The UI reuses them; nothing user-facing is written in code.
English plurals are written in the template: ``{sent} {sent:entry|entries} sent`` gives
"1 entry sent" and "2 entries sent" (:func:`fill`; Indonesian needs no such forms).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from survey_forms.plurals import plural_forms

__all__ = ["LANGUAGES", "bilingual", "catalog", "fill", "text"]

LANGUAGES = ("id", "en")
_FOLDER = Path(__file__).with_name("translations")


def fill(template: str, **params: Any) -> str:
    """A template with its plural forms chosen (``{n:one|other}``) and placeholders filled;
    the template itself when a placeholder is missing."""
    try:
        return plural_forms(template, params).format(**params)
    except (KeyError, IndexError, ValueError):
        return template


@cache
def catalog(lang: str) -> dict[str, str]:
    """Return the catalog of a language (``"id"`` or ``"en"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}")
    return json.loads((_FOLDER / f"{lang}.json").read_text(encoding="utf-8"))


def text(key: str, lang: str = "id", **params: Any) -> str:
    """Return the message ``key`` in ``lang`` with its placeholders filled.

    Falls back to Indonesian, then to the key itself, so a missing translation never breaks
    the screen.
    """
    template = catalog(lang).get(key) or catalog("id").get(key) or key
    return fill(template, **params)


def bilingual(key: str, **params: Any) -> dict[str, str]:
    """Return ``{"id": ..., "en": ...}`` for a message key."""
    return {lang: text(key, lang, **params) for lang in LANGUAGES}
