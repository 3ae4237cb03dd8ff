"""Turning the text a supervisor typed into an answer value of the question's type.

The result is then validated by the form (``Form.validate``) inside the core's ``edit_entry``;
this module only converts text to the JSON shape of the shared contract.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["EDITABLE_TYPES", "parse_answer", "raw_text"]

EDITABLE_TYPES = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "date",
        "time",
        "dateTime",
        "select_one",
        "select_multiple",
        "geopoint",
        "acknowledge",
    }
)


def parse_answer(kind: str, raw: str) -> Any:
    """The answer value for ``raw`` text; ``None`` means "remove the answer".

    Raises ``ValueError`` when the text cannot be a value of that type.
    """
    text = raw.strip()
    if text == "":
        return None
    if kind == "integer":
        if len(text) > 20:  # int() of thousands of digits is slow, and no count is that long
            raise ValueError("integer: too many digits")
        number = int(text)
        if abs(number) > 2**53:  # the largest integer the forms' engine holds exactly
            raise ValueError("integer out of range")
        return number
    if kind == "decimal":
        number = float(text.replace(",", "."))
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return number
    if kind == "select_multiple":
        return text.split()
    if kind == "geopoint":
        parts = [float(p) for p in text.replace(",", " ").split()]
        if not all(math.isfinite(p) for p in parts):
            raise ValueError("geopoint: finite numbers only")
        if len(parts) < 2 or len(parts) > 4:
            raise ValueError("geopoint: latitude longitude [altitude [accuracy]]")
        keys = ("latitude", "longitude", "altitude", "accuracy")
        return dict(zip(keys, parts, strict=False))
    return raw if kind == "text" else text


def raw_text(kind: str, value: Any) -> str:
    """The editable text of a stored answer (inverse of :func:`parse_answer`)."""
    if value is None:
        return ""
    if kind == "select_multiple" and isinstance(value, list):
        return " ".join(str(v) for v in value)
    if kind == "geopoint" and isinstance(value, dict):
        keys = ("latitude", "longitude", "altitude", "accuracy")
        return " ".join(f"{value[k]:g}" for k in keys if value.get(k) is not None)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
