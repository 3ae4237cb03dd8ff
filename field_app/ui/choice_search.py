"""Matching what an officer types against a choice list (no Kivy): the search field of long
select lists in :mod:`field_app.ui.question_widgets`."""

from __future__ import annotations

import unicodedata

__all__ = ["choice_matches"]


def _folded(text: str) -> str:
    """Text for matching: lower case, accents dropped, spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def choice_matches(label: str, value: str, query: str) -> bool:
    """Whether a choice matches what was typed: every typed word starts a word of the label
    (or is inside it), or the typed text is in the choice's value (a code)."""
    words = _folded(query).split()
    if not words:
        return True
    folded = _folded(label)
    return all(word in folded for word in words) or _folded(query) in value.casefold()
