"""Values inside expressions and XPath 1.0's conversions between them, as JavaRosa applies them.

An expression's value is a ``str``, a ``float``, a ``bool`` or a :class:`NodeSet`. A reference to
one question gives its answer as a string (``""`` when unanswered); a reference from outside a
repeat to a question inside it gives a :class:`NodeSet` of every instance's answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import lru_cache

from .dates import days_from_string
from .numeric import INTEGER_TOLERANCE, format_number, parse_number

__all__ = [
    "NodeSet",
    "Value",
    "add",
    "divide",
    "equal",
    "modulo",
    "multiply",
    "not_equal",
    "numbers_equal",
    "relate",
    "string_to_number",
    "strings_equal",
    "subtract",
    "to_answer",
    "to_boolean",
    "to_number",
    "to_string",
]

NAN = math.nan


class NodeSet(tuple[str, ...]):
    """An immutable sequence of answers (strings): every instance of a question in a repeat.

    ``NodeSet(["3", "", "5"])``. As XPath says, a node-set is true when it is not empty (even if
    its answers are all empty), and converts to a string or number through its first item.
    """

    __slots__ = ()

    def __new__(cls, items: Iterable[str] = ()) -> NodeSet:
        """Build a node-set from answer strings."""
        return super().__new__(cls, items)

    def __repr__(self) -> str:
        return f"NodeSet({list(self)!r})"


Value = str | float | bool | NodeSet


def to_string(value: object) -> str:
    """XPath ``string()``: numbers as ODK prints them, ``true``/``false``, a node-set's first."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is float:
        return format_number(value)  # type: ignore[arg-type]
    if kind is bool:
        return "true" if value else "false"
    if kind is NodeSet:
        return value[0] if value else ""  # type: ignore[index]
    if kind is int:
        return str(value)
    raise TypeError(f"not an expression value: {value!r}")


@lru_cache(maxsize=8192)
def string_to_number(text: str) -> float:
    """``number()`` of a string (cached: answers and calculated values repeat a lot)."""
    number = parse_number(text)
    if number is not None:
        return number
    return days_from_string(text)


def to_number(value: object) -> float:
    """XPath ``number()``: ``""`` and non-numbers are NaN; dates are days since 1970-01-01."""
    kind = type(value)
    if kind is float:
        return value  # type: ignore[return-value]
    if kind is str:
        return string_to_number(value)  # type: ignore[arg-type]
    if kind is bool:
        return 1.0 if value else 0.0
    if kind is NodeSet:
        return string_to_number(value[0]) if value else NAN  # type: ignore[index]
    if kind is int:
        return float(value)  # type: ignore[arg-type]
    raise TypeError(f"not an expression value: {value!r}")


def to_answer(value: object) -> str:
    """The text stored for a calculation's value: :func:`to_string`, except that a number that
    is not finite (NaN, Infinity, -Infinity) is stored as no answer (``""``).

    ODK Collect would store ``NaN`` or ``Infinity``; here answers travel as JSON, which has no
    such numbers, and an empty answer reads back as NaN in expressions anyway."""
    if type(value) is float and not math.isfinite(value):  # type: ignore[arg-type]
        return ""
    return to_string(value)


def to_boolean(value: object) -> bool:
    """XPath ``boolean()``: a non-empty string, a non-zero number, a non-empty node-set."""
    kind = type(value)
    if kind is bool:
        return value  # type: ignore[return-value]
    if kind is str or kind is NodeSet:
        return len(value) > 0  # type: ignore[arg-type]
    if kind is float or kind is int:
        return abs(value) > INTEGER_TOLERANCE  # NaN is false too
    raise TypeError(f"not an expression value: {value!r}")


def _is_number(kind: type) -> bool:
    return kind is float or kind is int


def _nodeset_compare(
    test: Callable[[object, object], bool], left: object, right: object, by_number: bool
) -> bool:
    """XPath's existential comparison where at least one side is a node-set."""
    if type(left) is bool or type(right) is bool:
        if by_number:
            return test(to_number(to_boolean(left)), to_number(to_boolean(right)))
        return test(to_boolean(left), to_boolean(right))
    if type(left) is NodeSet and type(right) is NodeSet:
        if by_number:
            rights = [string_to_number(item) for item in right]  # type: ignore[attr-defined]
            return any(test(string_to_number(a), b) for a in left for b in rights)  # type: ignore[attr-defined]
        return any(test(a, b) for a in left for b in right)  # type: ignore[attr-defined]
    if type(left) is NodeSet:
        if by_number or _is_number(type(right)):
            other = to_number(right)
            return any(test(string_to_number(item), other) for item in left)  # type: ignore[attr-defined]
        other_text = to_string(right)
        return any(test(item, other_text) for item in left)  # type: ignore[attr-defined]
    if by_number or _is_number(type(left)):
        other = to_number(left)
        return any(test(other, string_to_number(item)) for item in right)  # type: ignore[attr-defined]
    other_text = to_string(left)
    return any(test(other_text, item) for item in right)  # type: ignore[attr-defined]


def numbers_equal(a: float, b: float) -> bool:
    """JavaRosa's numeric ``=``: equal within 1e-12 (so ``0.1 + 0.2 = 0.3``); NaN equals nothing."""
    return a == b or abs(a - b) < INTEGER_TOLERANCE


def _eq(a: object, b: object) -> bool:
    if type(a) is float:
        return numbers_equal(a, b)  # type: ignore[arg-type]
    return a == b


def _ne(a: object, b: object) -> bool:
    return not _eq(a, b)


def strings_equal(left: str, right: str) -> bool:
    """``=`` between two strings: equal text, or two dates/dateTimes on the same day.

    JavaRosa compares two date or dateTime answers as their text, and writes a dateTime as its
    date only (``DateUtils.formatDate``), so ``${end} = ${start}`` and ``. = today()`` hold for
    dateTimes of the same day, as in ODK Collect."""
    if left == right:
        return True
    if len(left) < 10 or len(right) < 10 or left[4] != "-" or right[4] != "-":
        return False
    return same_day(left, right)


@lru_cache(maxsize=4096)
def same_day(left: str, right: str) -> bool:
    """Whether two date/dateTime strings (neither a number) fall on the same day."""
    first = days_from_string(left)
    return first == first and first == days_from_string(right)


def equal(left: object, right: object) -> bool:
    """XPath ``=``: as booleans if either is one, else as numbers if either is one (within
    1e-12, as JavaRosa), else as text (two dates/dateTimes: as days, see
    :func:`strings_equal`)."""
    left_kind = type(left)
    right_kind = type(right)
    if left_kind is str and right_kind is str:
        return left == right or strings_equal(left, right)  # type: ignore[arg-type]
    if left_kind is NodeSet or right_kind is NodeSet:
        return _nodeset_compare(_eq, left, right, by_number=False)
    if left_kind is bool or right_kind is bool:
        return to_boolean(left) == to_boolean(right)
    if _is_number(left_kind) or _is_number(right_kind):
        return numbers_equal(to_number(left), to_number(right))
    return strings_equal(to_string(left), to_string(right))


def not_equal(left: object, right: object) -> bool:
    """XPath ``!=`` (for node-sets: some pair differs, which is not ``not(a = b)``)."""
    left_kind = type(left)
    right_kind = type(right)
    if left_kind is str and right_kind is str:
        return left != right and not strings_equal(left, right)  # type: ignore[arg-type]
    if left_kind is NodeSet or right_kind is NodeSet:
        return _nodeset_compare(_ne, left, right, by_number=False)
    if left_kind is bool or right_kind is bool:
        return to_boolean(left) != to_boolean(right)
    if _is_number(left_kind) or _is_number(right_kind):
        return not numbers_equal(to_number(left), to_number(right))
    return not strings_equal(to_string(left), to_string(right))


def relate(test: Callable[[float, float], bool], left: object, right: object) -> bool:
    """XPath ``<``, ``<=``, ``>``, ``>=``: both sides as numbers (existential for node-sets)."""
    if type(left) is NodeSet or type(right) is NodeSet:
        return _nodeset_compare(test, left, right, by_number=True)  # type: ignore[arg-type]
    return test(to_number(left), to_number(right))


def add(left: object, right: object) -> float:
    """XPath ``+``."""
    return to_number(left) + to_number(right)


def subtract(left: object, right: object) -> float:
    """XPath ``-``."""
    return to_number(left) - to_number(right)


def multiply(left: object, right: object) -> float:
    """XPath ``*``."""
    return to_number(left) * to_number(right)


def divide(left: object, right: object) -> float:
    """XPath ``div``: IEEE 754 division (``1 div 0`` is Infinity, ``0 div 0`` NaN)."""
    dividend = to_number(left)
    divisor = to_number(right)
    if divisor == 0:
        if dividend == 0 or dividend != dividend:
            return NAN
        return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)
    return dividend / divisor


def modulo(left: object, right: object) -> float:
    """XPath ``mod``: the remainder of truncating division, with the sign of the dividend."""
    dividend = to_number(left)
    divisor = to_number(right)
    try:
        return math.fmod(dividend, divisor)
    except ValueError:  # divisor 0 or dividend infinite
        return NAN
