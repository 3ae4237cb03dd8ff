"""Interface texts of the tablet app, from the catalogs in ``field_app/ui_texts/{id,en}.json``.

Screens never hold literal user-facing strings: they call :func:`tr` with a key (in .kv files
through ``app.tr(key, app.lang)``, so switching the language redraws every label). Keys not in
the UI catalogs fall back to the core's catalogs (:mod:`field_app.messages`: sync outcomes,
entry statuses), then Indonesian, then the key itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from field_app import messages
from survey_forms.names import tidy_name

__all__ = ["LANGUAGES", "issue_message", "tidy_name", "tr", "ui_catalog"]

LANGUAGES = ("id", "en")
_FOLDER = Path(__file__).resolve().parent.parent / "ui_texts"


@cache
def ui_catalog(lang: str) -> dict[str, str]:
    """The UI catalog of a language (``"id"`` or ``"en"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}")
    return json.loads((_FOLDER / f"{lang}.json").read_text(encoding="utf-8"))


def tr(key: str, lang: str = "id", **params: Any) -> str:
    """The interface text ``key`` in ``lang`` with its ``{placeholders}`` filled."""
    lang = lang if lang in LANGUAGES else "id"
    template = ui_catalog(lang).get(key) or ui_catalog("id").get(key)
    if template is None:
        return messages.text(key, lang, **params)
    return messages.fill(template, **params)


def issue_message(issue: Any, lang: str) -> str:
    """A validation issue's message (``{"id", "en"}``) in the officer's language."""
    message = getattr(issue, "message", None) or {}
    return message.get(lang) or message.get("id") or tr("form.error.generic", lang)
