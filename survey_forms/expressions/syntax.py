"""The syntax tree of an expression, and a printer that writes a tree back as source text.

Nodes are frozen dataclasses. ``pos`` (0-based offset of the node's first character, or of the
operator for binary nodes) is left out of equality so that two trees parsed from differently
spaced text compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .numeric import format_exact

__all__ = [
    "BINARY_PRECEDENCE",
    "BareName",
    "Binary",
    "Call",
    "Current",
    "Negate",
    "Node",
    "Number",
    "Parent",
    "Reference",
    "String",
    "to_source",
]

# Binding power of each binary operator: higher binds tighter. All are left-associative.
BINARY_PRECEDENCE: dict[str, int] = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
NEGATE_PRECEDENCE = 7


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal (never negative: ``-3`` is :class:`Negate` of ``3``)."""

    value: float
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    """A string literal, without its quotes."""

    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """``${name}``: another question's answer."""

    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Current:
    """``.``: the current question's answer."""

    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Parent:
    """``..``: only as the argument of ``position(..)``."""

    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BareName:
    """A bare name such as ``kabkota``: a column of the choice being filtered (choice_filter)."""

    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operator: one of :data:`BINARY_PRECEDENCE`'s keys."""

    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` keeps its prefix (``jr:choice-name``)."""

    name: str
    args: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


Node = Number | String | Reference | Current | Parent | BareName | Negate | Binary | Call


def _quote(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError(f"XPath 1.0 cannot write a string holding both kinds of quote: {text!r}")


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return BINARY_PRECEDENCE[node.op]
    if isinstance(node, Negate):
        return NEGATE_PRECEDENCE
    return NEGATE_PRECEDENCE + 1


def to_source(node: Node) -> str:
    """Write ``node`` as expression text that parses back to an equal tree.

    Parentheses are added only where precedence or left-associativity needs them.
    """
    if isinstance(node, Number):
        return format_exact(node.value)
    if isinstance(node, String):
        return _quote(node.value)
    if isinstance(node, Reference):
        return "${" + node.name + "}"
    if isinstance(node, Current):
        return "."
    if isinstance(node, Parent):
        return ".."
    if isinstance(node, BareName):
        return node.name
    if isinstance(node, Negate):
        inner = to_source(node.operand)
        if _precedence(node.operand) < NEGATE_PRECEDENCE:
            inner = f"({inner})"
        return f"-{inner}"
    if isinstance(node, Binary):
        # Walk down the left spine of operators of the same level (a - b + c) in a loop:
        # left-associative chains need no parentheses there, and may be thousands long.
        level = BINARY_PRECEDENCE[node.op]
        spine: list[Binary] = []
        head: Node = node
        while isinstance(head, Binary) and BINARY_PRECEDENCE[head.op] == level:
            spine.append(head)
            head = head.left
        text = to_source(head)
        if _precedence(head) < level:
            text = f"({text})"
        parts = [text]
        for step in reversed(spine):
            right = to_source(step.right)
            if _precedence(step.right) <= level:
                right = f"({right})"
            parts.append(f"{step.op} {right}")
        return " ".join(parts)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_source(arg) for arg in node.args)})"
    raise TypeError(f"not a syntax node: {node!r}")
