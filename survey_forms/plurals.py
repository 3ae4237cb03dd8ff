"""English plural forms written inside a message template, shared by every catalog.

A count chooses its noun in the template itself: ``"{sent} {sent:entry|entries} sent"`` gives
"1 entry sent" and "2 entries sent". Indonesian nouns have one form, so its templates need no
such choice (they may still use one). The tablet's catalogs, the server's API messages and the
validation messages all go through :func:`plural_forms`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["PLURAL", "plural_forms"]

#: ``{name:one|other}``: the form for ``one`` (exactly 1) and for every other count
PLURAL = re.compile(r"\{(\w+):([^{}|]*)\|([^{}]*)\}")


def plural_forms(template: str, params: Mapping[str, object]) -> str:
    """``template`` with each ``{name:one|other}`` replaced by the form for ``params[name]``:
    ``one`` when the value is 1 (or ``"1"``), ``other`` for any other value or a missing one.
    Ordinary ``{name}`` placeholders are left for ``str.format``."""
    def choose(match: re.Match[str]) -> str:
        value = params.get(match.group(1))
        return match.group(2) if value == 1 or value == "1" else match.group(3)

    return PLURAL.sub(choose, template)
