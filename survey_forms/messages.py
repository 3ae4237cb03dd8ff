"""Validation messages in Indonesian and English, from the catalog in ``translations/``.

Messages are keyed by error code; each has an ``id`` (Bahasa Indonesia) and an ``en`` text with
``str.format`` placeholders; a count chooses its English noun with ``{n:one|other}``
(:mod:`survey_forms.plurals`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from .plurals import plural_forms

__all__ = ["message"]


@cache
def _catalog() -> dict[str, dict[str, str]]:
    text = resources.files("survey_forms").joinpath("translations/messages.json").read_text("utf-8")
    return json.loads(text)


def message(code: str, **params: object) -> dict[str, str]:
    """Return ``{"id": ..., "en": ...}`` for a validation ``code`` with ``params`` filled in."""
    entry = _catalog()[code]
    return {lang: plural_forms(text, params).format(**params) for lang, text in entry.items()}
