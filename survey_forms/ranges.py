"""The ``range`` question type: its ``start``/``end``/``step`` parameters and the check of a value.

As in pyxform, the defaults are ``start=1``, ``end=10``, ``step=1``; ``end`` may be below
``start`` (a descending range). A value is in range when it lies between the two ends and is a
whole number of steps from ``start``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["RangeError", "check_range_parameters", "in_range", "range_parameters"]


class RangeError(ValueError):
    """Range parameters that cannot work (not numbers, a zero or negative step, ...)."""


def _format(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def range_parameters(parameters: Mapping[str, str]) -> tuple[str, str, str]:
    """``(start, end, step)`` as texts (for messages), defaults filled in."""
    return (
        parameters.get("start", "1"),
        parameters.get("end", "10"),
        parameters.get("step", "1"),
    )


def check_range_parameters(parameters: Mapping[str, str]) -> tuple[float, float, float]:
    """The numeric ``(start, end, step)``; raises :class:`RangeError` saying what is wrong."""
    numbers = []
    for key, text in zip(("start", "end", "step"), range_parameters(parameters), strict=True):
        try:
            number = float(text)
        except ValueError:
            raise RangeError(f"range parameter {key}={text} is not a number") from None
        if not math.isfinite(number):
            raise RangeError(f"range parameter {key}={text} is not a finite number")
        numbers.append(number)
    start, end, step = numbers
    if step <= 0:
        raise RangeError(f"range parameter step={_format(step)} must be above 0")
    if step > abs(end - start) and start != end:
        raise RangeError(f"range step {_format(step)} is larger than the range")
    return start, end, step


def in_range(parameters: Mapping[str, str], value: Any) -> bool:
    """True when ``value`` (a number) lies in the range and on one of its steps."""
    try:
        start, end, step = check_range_parameters(parameters)
    except RangeError:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    low, high = min(start, end), max(start, end)
    if not low - 1e-9 <= value <= high + 1e-9:
        return False
    steps = abs(value - start) / step
    return abs(steps - round(steps)) < 1e-6
