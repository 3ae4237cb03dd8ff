"""The function library: ODK's XPath functions, as JavaRosa evaluates them.

Each function is a :class:`FunctionSpec`: its arity, and either ``impl`` (called with the
evaluated argument values, after ``ctx`` when ``needs_ctx``) or ``build`` (given the compiled
argument closures, returns the call's closure; used where arguments must not all be evaluated,
as in ``if()``). ``position(..)`` and ``jr:choice-name()`` have arguments the parser checks and
are compiled by :mod:`.compiler`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from .dates import (
    date_string_from_value,
    days_from_string,
    format_date,
    format_datetime,
    temporal_from_value,
)
from .geo import area, distance, geofence
from .odk_functions import (
    base64_decode,
    checklist,
    date_time,
    digest,
    random_number,
    uuid,
    weighted_checklist,
)
from .regex import regex_fullmatch
from .texts import Text
from .values import NodeSet, Value, string_to_number, to_boolean, to_number, to_string

__all__ = ["FUNCTIONS", "KNOWN_FUNCTIONS", "UNSUPPORTED_FUNCTIONS", "FunctionSpec"]

Closure = Callable[[Any], Value]
NAN = math.nan


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """How to check and run one function."""

    name: str
    min_args: int
    max_args: int | None  # None: any number
    impl: Callable[..., Value] | None = None
    needs_ctx: bool = False  # reads the context: impl gets it first; never constant-folded
    volatile: bool = False
    build: Callable[[tuple[Closure, ...]], Closure] | None = None

    def arity_text(self) -> Text:
        """``"1 argument"``, ``"2 or 3 arguments"``, ``"at least 1 argument"``..."""
        low, high = self.min_args, self.max_args
        if high is None:
            return Text("arity.at_least_one") if low == 1 else Text("arity.at_least", {"low": low})
        if low == high:
            return Text("arity.exact_one") if low == 1 else Text("arity.exact", {"low": low})
        if high == low + 1:
            return Text("arity.either", {"low": low, "high": high})
        return Text("arity.range", {"low": low, "high": high})


# --- helpers ----------------------------------------------------------------------------------


def _items(value: Value) -> tuple[str, ...] | None:
    """A node-set's items, ``None`` for other values."""
    return value if type(value) is NodeSet else None  # type: ignore[return-value]


def _numbers(values: tuple[Value, ...]) -> list[float]:
    numbers: list[float] = []
    for value in values:
        items = _items(value)
        if items is None:
            numbers.append(to_number(value))
        else:
            numbers.extend(to_number(item) for item in items)
    return numbers


def _strings(values: tuple[Value, ...]) -> list[str]:
    strings: list[str] = []
    for value in values:
        items = _items(value)
        if items is None:
            strings.append(to_string(value))
        else:
            strings.extend(items)
    return strings


def _to_int(value: Value) -> int:
    """Truncate to an int for indexes (NaN is 0, as Java's cast)."""
    number = to_number(value)
    if number != number:
        return 0
    if math.isinf(number):
        return 2**31 - 1 if number > 0 else -(2**31)
    return int(number)


# --- selects ----------------------------------------------------------------------------------


def _selected(answer: Value, choice: Value) -> bool:
    return to_string(choice).strip() in to_string(answer).split()


def _count_selected(answer: Value) -> float:
    return float(len(to_string(answer).split()))


def _selected_at(answer: Value, index: Value) -> str:
    names = to_string(answer).split()
    position = _to_int(index)
    return names[position] if 0 <= position < len(names) else ""


# --- strings ----------------------------------------------------------------------------------


def _substr(text: Value, start: Value, end: Value | None = None) -> str:
    """ODK's ``substr(s, start[, end])``: 0-based, end exclusive, negatives count from the end."""
    string = to_string(text)
    length = len(string)
    first = _to_int(start)
    last = length if end is None else _to_int(end)
    if first < 0:
        first += length
    if last < 0:
        last += length
    first = min(max(first, 0), length)
    last = min(max(last, 0), length)
    return string[first:last] if first < last else ""


def _concat(*values: Value) -> str:
    return "".join(_strings(values))


def _join(separator: Value, *values: Value) -> str:
    return to_string(separator).join(_strings(values))


def _regex(text: Value, pattern: Value) -> bool:
    """True when the whole string matches (JavaRosa's ``Pattern.matches``, not a search).

    Patterns are RE2 syntax, matched in linear time (:mod:`.regex`). A literal pattern is
    checked when the form loads; a pattern computed from answers that is not a valid regular
    expression matches nothing (an officer's typing must not break the form).
    """
    return regex_fullmatch(to_string(text), to_string(pattern))


def _normalize_space(text: Value) -> str:
    return " ".join(to_string(text).split())


def _translate(text: Value, source: Value, target: Value) -> str:
    replace_from = to_string(source)
    replace_to = to_string(target)
    table: dict[int, int | None] = {}
    for index, char in enumerate(replace_from):
        if ord(char) not in table:
            table[ord(char)] = ord(replace_to[index]) if index < len(replace_to) else None
    return to_string(text).translate(table)


def _substring_before(text: Value, part: Value) -> str:
    string, needle = to_string(text), to_string(part)
    index = string.find(needle)
    return string[:index] if index >= 0 else ""


def _substring_after(text: Value, part: Value) -> str:
    string, needle = to_string(text), to_string(part)
    index = string.find(needle)
    return string[index + len(needle) :] if index >= 0 else ""


def _boolean_from_string(text: Value) -> bool:
    string = to_string(text)
    return string == "1" or string.lower() == "true"


# --- numbers ----------------------------------------------------------------------------------

_HALF_UP = Context(prec=100, rounding=ROUND_HALF_UP)
_HALF_DOWN = Context(prec=100, rounding=ROUND_HALF_DOWN)


def _round(value: Value, digits: Value | None = None) -> float:
    """XPath/JavaRosa ``round(x[, digits])``: halves go toward positive infinity.

    ``round(2.5)`` is 3 and ``round(-2.5)`` is -2, as XPath 1.0 says and JavaRosa does. The
    decimal digits written are rounded (``round(2.675, 2)`` is 2.68, although the float is a
    little below 2.675), as JavaRosa rounds ``Double.toString(x)``. More than 30 digits either
    way gives NaN, as in JavaRosa.
    """
    number = to_number(value)
    if not math.isfinite(number):
        return number
    places = 0 if digits is None else _to_int(digits)
    if digits is not None and to_number(digits) != to_number(digits):
        places = 0  # NaN digits: JavaRosa's intValue() of NaN is 0
    if places > 30 or places < -30:
        return NAN
    context = _HALF_UP if number >= 0 else _HALF_DOWN
    try:
        rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), context=context)
    except InvalidOperation:
        return number
    return float(rounded)


def _finite_or_same(operation: Callable[[float], float]) -> Callable[[Value], float]:
    def apply(value: Value) -> float:
        number = to_number(value)
        return float(operation(number)) if math.isfinite(number) else number

    return apply


def _abs(value: Value) -> float:
    return abs(to_number(value))


def _pow(base: Value, exponent: Value) -> float:
    x, y = to_number(base), to_number(exponent)
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf
    except ValueError:  # 0 ** negative, or a negative base with a fractional exponent
        if x == 0:
            return math.inf
        return NAN


def _math(
    operation: Callable[[float], float], overflow: float = math.inf
) -> Callable[[Value], float]:
    """A one-argument math function with Java's IEEE 754 results where Python raises:
    ``exp(1000)`` is Infinity (``overflow``), ``sqrt(-1)`` and ``asin(2)`` NaN."""

    def apply(value: Value) -> float:
        try:
            return operation(to_number(value))
        except OverflowError:
            return overflow
        except ValueError:
            return NAN

    return apply


def _logarithm(operation: Callable[[float], float]) -> Callable[[Value], float]:
    """``log``/``log10`` as Java's ``Math.log``: 0 gives -Infinity, a negative number NaN."""

    def apply(value: Value) -> float:
        number = to_number(value)
        if number == 0:
            return -math.inf
        if number < 0 or number != number:
            return NAN
        return operation(number)

    return apply


def _extreme(pick: Callable[[list[float]], float]) -> Callable[..., float]:
    """``min()``/``max()`` as JavaRosa: NaN (empty) values are skipped; NaN if none is left."""

    def apply(*values: Value) -> float:
        numbers = [number for number in _numbers(values) if number == number]
        return pick(numbers) if numbers else NAN

    return apply


def _count(value: Value) -> float:
    items = _items(value)
    return float(len(items)) if items is not None else 1.0


def _count_non_empty(value: Value) -> float:
    items = _items(value)
    if items is None:
        return 1.0 if to_string(value) else 0.0
    return float(sum(1 for item in items if item))


def _sum(value: Value) -> float:
    items = _items(value)
    if items is None:
        number = to_number(value)
        return number if number == number else 0.0
    total = 0.0
    for item in items:  # in order, as JavaRosa adds; empty (NaN) answers are skipped as there
        number = string_to_number(item)
        if number == number:
            total += number
    return total


def _number(value: Value) -> float:
    return to_number(value)


# --- dates ------------------------------------------------------------------------------------


def _today(ctx: Any) -> str:
    return ctx.now().date().isoformat()


def _now(ctx: Any) -> str:
    return format_datetime(ctx.now())


def _language(ctx: Any) -> str | None:
    """The form's current language, when the context knows it (``ctx.language()``)."""
    language = getattr(ctx, "language", None)
    return language() if callable(language) else language


def _format_date(ctx: Any, value: Value, pattern: Value) -> str:
    moment = temporal_from_value(to_string(value) if type(value) is NodeSet else value)
    if moment is None:
        return ""
    return format_date(moment, to_string(pattern), _language(ctx))


def _date(value: Value) -> Value:
    if type(value) is float and value != value:
        return value  # NaN (an empty number) stays NaN, as JavaRosa
    if type(value) is float and math.isfinite(value):
        value = float(math.trunc(value))  # JavaRosa: a number of days is truncated first
    return date_string_from_value(to_string(value) if type(value) is NodeSet else value)


def _decimal_date_time(value: Value) -> Value:
    """Days since 1970-01-01T00:00Z (UTC) as a fraction; ``""`` stays ``""`` (as JavaRosa)."""
    text = to_string(value) if type(value) is NodeSet else value
    if type(text) is str:
        return days_from_string(text, utc=True) if text.strip() else ""
    return to_number(text)


def _decimal_time(value: Value) -> Value:
    """The time of day as a fraction of a day (``'06:00'`` is 0.25); ``""`` stays ``""``."""
    text = to_string(value) if type(value) is NodeSet else value
    if type(text) is str and not text.strip():
        return ""
    moment = temporal_from_value(text)
    if moment is None:
        return NAN
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return (seconds + moment.microsecond / 1e6) / 86400.0


# --- control ----------------------------------------------------------------------------------


def _build_if(args: tuple[Closure, ...]) -> Closure:
    condition, when_true, when_false = args

    def if_(ctx: Any) -> Value:
        return when_true(ctx) if to_boolean(condition(ctx)) else when_false(ctx)

    return if_


def _is_empty(value: Value) -> bool:
    """JavaRosa's ``isNull``: an empty string (or empty node-set) or NaN."""
    if type(value) is float:
        return value != value
    return to_string(value) == ""


def _build_coalesce(args: tuple[Closure, ...]) -> Closure:
    first, second = args

    def coalesce(ctx: Any) -> Value:
        value = first(ctx)
        return second(ctx) if _is_empty(value) else value

    return coalesce


def _build_once(args: tuple[Closure, ...]) -> Closure:
    """``once(x)``: the question's current value if it has one, else ``x`` (as JavaRosa)."""
    (value,) = args

    def once(ctx: Any) -> Value:
        current = ctx.current()
        return current if current != "" else value(ctx)

    return once


def _build_of_current(impl: Callable[[Value], Value]) -> Callable[[tuple[Closure, ...]], Closure]:
    """For ``string-length()`` and ``normalize-space()``: with no argument, use ``.``."""

    def build(args: tuple[Closure, ...]) -> Closure:
        if args:
            (only,) = args
            return lambda ctx: impl(only(ctx))
        return lambda ctx: impl(ctx.current())

    return build


def _string_length(text: Value) -> float:
    """The length in UTF-16 code units, as Java's ``String.length()`` in ODK Collect: a
    character outside the Basic Multilingual Plane (most emoji) counts 2."""
    string = to_string(text)
    length = len(string)
    if not string.isascii():
        length += sum(1 for char in string if ord(char) > 0xFFFF)
    return float(length)


def _spec(
    name: str,
    min_args: int,
    max_args: int | None,
    impl: Callable[..., Value] | None = None,
    **options: Any,
) -> FunctionSpec:
    return FunctionSpec(name, min_args, max_args, impl, **options)


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        # selects
        _spec("selected", 2, 2, _selected),
        _spec("count-selected", 1, 1, _count_selected),
        _spec("selected-at", 2, 2, _selected_at),
        _spec("jr:choice-name", 2, 2),  # compiled by the compiler (needs the question name)
        # strings
        _spec("string-length", 0, 1, build=_build_of_current(_string_length), needs_ctx=True),
        _spec("substr", 2, 3, _substr),
        _spec("concat", 0, None, _concat),
        _spec("join", 1, None, _join),
        _spec("contains", 2, 2, lambda a, b: to_string(b) in to_string(a)),
        _spec("starts-with", 2, 2, lambda a, b: to_string(a).startswith(to_string(b))),
        _spec("ends-with", 2, 2, lambda a, b: to_string(a).endswith(to_string(b))),
        _spec("substring-before", 2, 2, _substring_before),
        _spec("substring-after", 2, 2, _substring_after),
        _spec("translate", 3, 3, _translate),
        _spec("normalize-space", 0, 1, build=_build_of_current(_normalize_space), needs_ctx=True),
        _spec("regex", 2, 2, _regex),
        # logic
        _spec("if", 3, 3, build=_build_if),
        _spec("coalesce", 2, 2, build=_build_coalesce),
        _spec("not", 1, 1, lambda value: not to_boolean(value)),
        _spec("true", 0, 0, lambda: True),
        _spec("false", 0, 0, lambda: False),
        _spec("boolean", 1, 1, to_boolean),
        _spec("boolean-from-string", 1, 1, _boolean_from_string),
        _spec("once", 1, 1, build=_build_once, needs_ctx=True),
        # conversions
        _spec("string", 1, 1, to_string),
        _spec("number", 1, 1, _number),
        _spec("int", 1, 1, _finite_or_same(math.trunc)),
        # numbers
        _spec("round", 1, 2, _round),
        _spec("floor", 1, 1, _finite_or_same(math.floor)),
        _spec("ceiling", 1, 1, _finite_or_same(math.ceil)),
        _spec("abs", 1, 1, _abs),
        _spec("pow", 2, 2, _pow),
        _spec("sqrt", 1, 1, _math(math.sqrt)),
        _spec("exp", 1, 1, _math(math.exp)),
        _spec("log", 1, 1, _logarithm(math.log)),
        _spec("log10", 1, 1, _logarithm(math.log10)),
        _spec("exp10", 1, 1, _math(lambda x: math.pow(10.0, x))),
        _spec("sin", 1, 1, _math(math.sin)),
        _spec("cos", 1, 1, _math(math.cos)),
        _spec("tan", 1, 1, _math(math.tan)),
        _spec("asin", 1, 1, _math(math.asin)),
        _spec("acos", 1, 1, _math(math.acos)),
        _spec("atan", 1, 1, _math(math.atan)),
        _spec("atan2", 2, 2, lambda y, x: math.atan2(to_number(y), to_number(x))),
        _spec("pi", 0, 0, lambda: math.pi),
        _spec("min", 1, None, _extreme(min)),
        _spec("max", 1, None, _extreme(max)),
        # node-sets and repeats
        _spec("count", 1, 1, _count),
        _spec("count-non-empty", 1, 1, _count_non_empty),
        _spec("sum", 1, 1, _sum),
        _spec("position", 1, 1),  # position(..): compiled by the compiler
        # dates
        _spec("today", 0, 0, _today, needs_ctx=True, volatile=True),
        _spec("now", 0, 0, _now, needs_ctx=True, volatile=True),
        _spec("date", 1, 1, _date),
        _spec("format-date", 2, 2, _format_date, needs_ctx=True),
        _spec("format-date-time", 2, 2, _format_date, needs_ctx=True),
        _spec("decimal-date-time", 1, 1, _decimal_date_time),
        _spec("decimal-time", 1, 1, _decimal_time),
        _spec("date-time", 1, 1, date_time, needs_ctx=True),
        # geography
        _spec("distance", 1, None, distance),
        _spec("area", 1, 1, area),
        _spec("enclosed-area", 1, 1, area),
        _spec("geofence", 2, 2, geofence),
        # ODK extras
        _spec("checklist", 2, None, checklist),
        _spec("weighted-checklist", 2, None, weighted_checklist),
        _spec("digest", 2, 3, digest),
        _spec("base64-decode", 1, 1, base64_decode),
        _spec("indexed-repeat", 3, 3),  # compiled by the compiler (reads every instance)
        _spec("uuid", 0, 1, lambda ctx, *n: uuid(*n), needs_ctx=True, volatile=True),
        _spec("random", 0, 0, lambda ctx: random_number(), needs_ctx=True, volatile=True),
    )
}

KNOWN_FUNCTIONS: frozenset[str] = frozenset(FUNCTIONS)

# XPath or ODK functions that exist elsewhere but not here, with advice (catalog keys) for the
# form's author.
UNSUPPORTED_FUNCTIONS: dict[str, str] = {
    "current": "advice.references",
    "instance": "advice.instance",
    "pulldata": "advice.pulldata",
    "last": "advice.last",
    "id": "advice.references",
    "name": "advice.references",
    "local-name": "advice.references",
    "namespace-uri": "advice.references",
    "lang": "advice.references",
}
