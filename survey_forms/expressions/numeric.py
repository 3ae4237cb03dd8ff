"""XPath 1.0's number syntax: reading numbers from strings and writing them back.

Only plain decimals are numbers (``"12"``, ``"-3.5"``, ``".5"``, ``"7."``, ``"1,5"``, spaces
around allowed): no exponent, no ``+`` sign, no ``inf``/``nan``, no digit separators, unlike
Python's ``float()``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["INTEGER_TOLERANCE", "format_exact", "format_number", "parse_number"]

# JavaRosa treats numbers this close as equal (``=``), as zero (``boolean()``) and as integers
# when writing them.
INTEGER_TOLERANCE = 1e-12

_NUMBER_RE = re.compile(r"\s*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*")


def parse_number(text: str) -> float | None:
    """Return the number written in ``text``, or ``None`` if it is not an XPath number.

    As JavaRosa, a decimal comma is read as a decimal point (``"1,5"`` is 1.5; Indonesian
    writes decimals with a comma).
    """
    if text.isdigit() and text.isascii():
        return float(text)
    if "," in text:
        text = text.replace(",", ".")
    match = _NUMBER_RE.fullmatch(text)
    return float(match[1]) if match is not None else None


def format_number(value: float) -> str:
    """Write a number as ODK does: ``3`` not ``3.0``, ``0.1``, ``NaN``, ``Infinity``.

    As JavaRosa, a number less than 1e-12 above an integer (toward zero: it truncates) is
    written as that integer, so ``1.1 + 2.2 - 3.3`` gives ``0``. Other numbers use the shortest
    digits that read back to the same float, in plain decimal notation (``0.0000001``, never
    ``1e-07``; JavaRosa would write ``1.0E-7``, and ``1.0E10`` for ten thousand million).
    """
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    whole = math.trunc(value)
    if abs(value - whole) < INTEGER_TOLERANCE:
        return str(whole)
    return format_exact(value)


def format_exact(value: float) -> str:
    """A finite number's shortest round-tripping digits in plain decimal notation (for printing
    number literals back into expressions: nothing is snapped)."""
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text
