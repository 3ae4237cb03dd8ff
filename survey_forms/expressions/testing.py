"""A dictionary-backed :class:`~.context.EvalContext`, for tests and for trying expressions,
and :func:`walk`, a plain tree-walking evaluator the compiled closures are checked and timed
against.

>>> from survey_forms.expressions import parse
>>> parse("${age} + 1").evaluate(DictContext({"age": "41"}))
42.0
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .functions import FUNCTIONS
from .syntax import BareName, Binary, Call, Current, Negate, Node, Number, Reference, String
from .values import (
    NodeSet,
    add,
    divide,
    equal,
    modulo,
    multiply,
    not_equal,
    relate,
    subtract,
    to_boolean,
    to_number,
    to_string,
)

__all__ = ["DEFAULT_NOW", "DictContext", "walk"]

WIB = datetime.timezone(datetime.timedelta(hours=7), "WIB")
DEFAULT_NOW = datetime.datetime(2024, 8, 13, 9, 30, 0, tzinfo=WIB)


def _as_value(value: object) -> str | NodeSet:
    if isinstance(value, NodeSet | str):
        return value
    if isinstance(value, list | tuple):
        return NodeSet(_as_value_item(item) for item in value)
    return _as_value_item(value)


def _as_value_item(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return to_string(float(value) if not isinstance(value, bool) else value)
    return str(value)


@dataclass
class DictContext:
    """Answers in a dict; every other part of the context settable.

    ``values`` maps question names to answers: strings, numbers (written as ODK writes them),
    ``None`` (unanswered) or lists (a repeat's answers, seen from outside the repeat, as a
    :class:`NodeSet`). A name not in ``values`` is unanswered (``""``).
    ``labels`` maps ``(question, choice name)`` to a label; ``row`` is the choice being filtered
    (for bare names in a choice_filter); ``form_language`` the form's language (for ``%b``
    and ``%a`` in ``format-date()``).
    """

    values: Mapping[str, object] = field(default_factory=dict)
    current_value: object = ""
    index: int = 1
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    row: Mapping[str, str] = field(default_factory=dict)
    moment: datetime.datetime = DEFAULT_NOW
    form_language: str | None = None
    resolved: list[str] = field(default_factory=list, repr=False)

    def resolve(self, name: str) -> str | NodeSet:
        """The answer of ``name`` (``""`` if absent); each call is recorded in ``resolved``."""
        self.resolved.append(name)
        return _as_value(self.values.get(name))

    def current(self) -> str:
        """The value of ``.``."""
        value = _as_value(self.current_value)
        return value if isinstance(value, str) else to_string(value)

    def position(self) -> int:
        """``position(..)``."""
        return self.index

    def choice_label(self, question: str, value: str) -> str:
        """The label from ``labels``, else ``""``."""
        return self.labels.get((question, value), "")

    def choice_column(self, column: str) -> str:
        """The column of ``row``, else ``""``."""
        return self.row.get(column, "")

    def now(self) -> datetime.datetime:
        """The fixed ``moment`` (13 Aug 2024, 09:30 WIB unless set)."""
        return self.moment

    def language(self) -> str | None:
        """``form_language``."""
        return self.form_language


# --- the reference the compiled closures are checked and timed against -----------------------

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "div": divide,
    "mod": modulo,
    "=": equal,
    "!=": not_equal,
    "<": lambda a, b: relate(operator.lt, a, b),
    "<=": lambda a, b: relate(operator.le, a, b),
    ">": lambda a, b: relate(operator.gt, a, b),
    ">=": lambda a, b: relate(operator.ge, a, b),
}

#: a caller's own evaluation of one function: ``(call node, context, walk) -> value``
Special = Callable[[Call, Any, Callable[[Node], Any]], Any]


def walk(node: Node, ctx: Any, special: Mapping[str, Special] | None = None) -> Any:
    """The value of ``node`` by the XPath rules, walking the tree at every evaluation: no
    compiler, no constant folding, no shortcut. Library functions run their plain ``impl``;
    ``special`` evaluates the named functions itself (e.g. one without an ``impl``)."""

    def again(child: Node) -> Any:
        return walk(child, ctx, special)

    if isinstance(node, Number | String):
        return node.value
    if isinstance(node, Reference):
        return ctx.resolve(node.name)
    if isinstance(node, Current):
        return ctx.current()
    if isinstance(node, BareName):
        return ctx.choice_column(node.name)
    if isinstance(node, Negate):
        return -to_number(again(node.operand))
    if isinstance(node, Binary):
        if node.op == "or":
            return to_boolean(again(node.left)) or to_boolean(again(node.right))
        if node.op == "and":
            return to_boolean(again(node.left)) and to_boolean(again(node.right))
        return _BINARY[node.op](again(node.left), again(node.right))
    assert isinstance(node, Call), node
    if special and node.name in special:
        return special[node.name](node, ctx, again)
    if node.name == "if":
        condition, when_true, when_false = node.args
        return again(when_true if to_boolean(again(condition)) else when_false)
    spec = FUNCTIONS[node.name]
    assert spec.impl is not None, f"{node.name}() has no plain implementation"
    values = [again(arg) for arg in node.args]
    return spec.impl(ctx, *values) if spec.needs_ctx else spec.impl(*values)
