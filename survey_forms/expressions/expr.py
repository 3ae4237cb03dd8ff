"""Parsed expressions: :func:`parse` and :class:`Expr`."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from .compiler import compile_folded
from .functions import FUNCTIONS
from .parser import CHOICE_NAME_QUESTION, parse_tree
from .syntax import BareName, Binary, Call, Negate, Node, Reference, String
from .values import Value, to_answer, to_boolean, to_number, to_string

__all__ = ["Expr", "parse"]


def _walk(tree: Node) -> Iterator[Node]:
    """Every node of ``tree`` (iteratively: a sum of 1000 terms is 1000 levels deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Binary):
            stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Negate):
            stack.append(node.operand)
        elif isinstance(node, Call):
            if node.name == "indexed-repeat":  # ${repeat} names a repeat, not an answer
                stack.extend(reversed([node.args[0], *node.args[2:]]))
            else:
                stack.extend(reversed(node.args))


class Expr:
    """A parsed and compiled expression. Immutable; build it with :func:`parse`.

    Attributes: ``source`` (the text), ``tree`` (the syntax tree), ``references`` (every
    ``${name}``, including the question named in ``jr:choice-name()``), ``bare_names``
    (choice_filter columns), ``functions`` (names of the functions called), ``volatile`` (calls
    ``now()`` or ``today()``), ``uses_position`` (calls ``position(..)``) and
    ``indexed_references`` (questions read in every repeat instance by ``indexed-repeat()``).
    """

    __slots__ = (
        "_answer",
        "_closure",
        "bare_names",
        "functions",
        "indexed_references",
        "references",
        "source",
        "tree",
        "uses_position",
        "volatile",
    )

    def __init__(self, source: str, tree: Node) -> None:
        """Analyse and compile ``tree``, parsed from ``source``; prefer :func:`parse`."""
        references: set[str] = set()
        bare_names: set[str] = set()
        functions: set[str] = set()
        indexed: set[str] = set()
        for node in _walk(tree):
            if isinstance(node, Reference):
                references.add(node.name)
            elif isinstance(node, BareName):
                bare_names.add(node.name)
            elif isinstance(node, Call):
                functions.add(node.name)
                if node.name == "indexed-repeat" and isinstance(node.args[0], Reference):
                    indexed.add(node.args[0].name)
                if node.name == "jr:choice-name" and isinstance(node.args[1], String):
                    match = CHOICE_NAME_QUESTION.fullmatch(node.args[1].value)
                    if match is not None:
                        references.add(match[1])
        self.source = source
        self.tree = tree
        self.references = frozenset(references)
        self.bare_names = frozenset(bare_names)
        self.functions = frozenset(functions)
        self.indexed_references = frozenset(indexed)
        self.volatile = any(FUNCTIONS[name].volatile for name in functions)
        self.uses_position = "position" in functions
        self._closure, constant = compile_folded(tree)
        #: the answer text of an expression that folded to a constant (``"1"`` for a weight),
        #: else ``None``: a constant calculation is converted once, not at every evaluation
        self._answer: str | None = to_answer(self._closure(None)) if constant else None

    def evaluate(self, ctx: Any) -> Value:
        """The expression's value (``str``, ``float``, ``bool`` or ``NodeSet``) in ``ctx``."""
        return self._closure(ctx)

    def evaluate_string(self, ctx: Any) -> str:
        """The value as a string (XPath ``string()``)."""
        return to_string(self._closure(ctx))

    def evaluate_answer(self, ctx: Any) -> str:
        """The value as the text a calculation stores: as :meth:`evaluate_string`, but ``""``
        for NaN and infinite numbers (answers are JSON, which has no such numbers)."""
        answer = self._answer
        if answer is not None:
            return answer
        return to_answer(self._closure(ctx))

    def evaluate_boolean(self, ctx: Any) -> bool:
        """The value as a boolean (XPath ``boolean()``): for relevant, constraint, required."""
        return to_boolean(self._closure(ctx))

    def evaluate_number(self, ctx: Any) -> float:
        """The value as a number (XPath ``number()``; NaN when it is not one)."""
        return to_number(self._closure(ctx))

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (parse, (self.source,))


@lru_cache(maxsize=8192)
def parse(source: str) -> Expr:
    """Parse and compile an expression; raises ``ExpressionError`` naming what and where.

    Results are cached by text (an :class:`Expr` is immutable), so loading the same form twice
    parses each expression once.
    """
    return Expr(source, parse_tree(source))
