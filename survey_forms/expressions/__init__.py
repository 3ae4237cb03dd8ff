"""The XPath expression engine: ODK's XPath dialect, as used in XLSForm columns.

``relevant``, ``constraint``, ``calculation``, ``required``, ``choice_filter``, ``default`` and
the ``instance_name`` setting hold expressions such as ``${age} >= 17 and selected(${x}, 'a')``.
:func:`parse` tokenizes the text (:mod:`.tokens`), parses it into a syntax tree
(:mod:`.parser`, :mod:`.syntax`) and compiles the tree into closures (:mod:`.compiler`); the
:class:`Expr` it returns is evaluated against an :class:`EvalContext` that the form session
implements. Values and their conversions follow XPath 1.0 as JavaRosa applies them
(:mod:`.values`); the functions are in :mod:`.functions`.
"""

from __future__ import annotations

from .context import EvalContext
from .errors import ExpressionError
from .expr import Expr, parse
from .functions import KNOWN_FUNCTIONS
from .syntax import to_source
from .values import NodeSet, Value, to_answer, to_boolean, to_number, to_string

__all__ = [
    "KNOWN_FUNCTIONS",
    "EvalContext",
    "Expr",
    "ExpressionError",
    "NodeSet",
    "Value",
    "parse",
    "to_answer",
    "to_boolean",
    "to_number",
    "to_source",
    "to_string",
]
