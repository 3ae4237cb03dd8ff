"""XPath 1.0's number syntax: reading numbers from strings and writing them back.

Only plain decimals are numbers (``"12"``, ``"-3.5"``, ``".5"``, ``"7."``, spaces around
allowed): no exponent, no ``+`` sign, no ``inf``/``nan``, no digit separators, unlike Python's
``float()``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["format_number", "parse_number"]

_NUMBER_RE = re.compile(r"\s*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*")


def parse_number(text: str) -> float | None:
    """Return the number written in ``text``, or ``None`` if it is not an XPath number."""
    if text.isdigit() and text.isascii():
        return float(text)
    match = _NUMBER_RE.fullmatch(text)
    return float(match[1]) if match is not None else None


def format_number(value: float) -> str:
    """Write a number as ODK does: ``3`` not ``3.0``, ``0.1``, ``NaN``, ``Infinity``.

    Non-integral numbers use the shortest digits that read back to the same float, in plain
    decimal notation (``0.0000001``, never ``1e-07``).
    """
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text
