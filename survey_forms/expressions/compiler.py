"""Compiling a syntax tree into nested Python closures, one per node.

Calling the root closure with an evaluation context gives the expression's value. This is not
``eval``: every closure is one of the fixed functions below, bound to its children. It is faster
than walking the tree (2-4x on the pilot form, see ``bench/bench_expressions.py``), because each
node's kind and operator are looked at once, at compile time, rather than at every evaluation, and
left-leaning chains (``a + b + c``, ``a and b and c``) run as one loop.

Sub-trees without references, ``.``, bare names or clock functions are evaluated once here
(constant folding), so ``${a} > 10 * 60`` compares with ``600`` directly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .functions import FUNCTIONS, FunctionSpec
from .parser import CHOICE_NAME_QUESTION
from .syntax import (
    BareName,
    Binary,
    Call,
    Current,
    Negate,
    Node,
    Number,
    Parent,
    Reference,
    String,
)
from .values import (
    NodeSet,
    Value,
    add,
    divide,
    equal,
    modulo,
    multiply,
    not_equal,
    relate,
    string_to_number,
    strings_equal,
    subtract,
    to_boolean,
    to_number,
    to_string,
)

__all__ = ["Closure", "compile_folded", "compile_tree"]

Closure = Callable[[Any], Value]

_ARITHMETIC: dict[str, Callable[[object, object], float]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "div": divide,
    "mod": modulo,
}
_CHAIN_GROUPS: dict[str, frozenset[str]] = {
    "or": frozenset({"or"}),
    "and": frozenset({"and"}),
    "+": frozenset({"+", "-"}),
    "-": frozenset({"+", "-"}),
    "*": frozenset({"*", "div", "mod"}),
    "div": frozenset({"*", "div", "mod"}),
    "mod": frozenset({"*", "div", "mod"}),
}
_RELATIONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _constant(value: Value) -> Closure:
    def constant(ctx: Any) -> Value:
        return value

    return constant


def _reference(name: str) -> Closure:
    def reference(ctx: Any) -> Value:
        return ctx.resolve(name)

    return reference


def _current(ctx: Any) -> Value:
    return ctx.current()


def _bare_name(name: str) -> Closure:
    def bare_name(ctx: Any) -> Value:
        return ctx.choice_column(name)

    return bare_name


def _negate(operand: Closure) -> Closure:
    def negate(ctx: Any) -> Value:
        return -to_number(operand(ctx))

    return negate


def _any(operands: list[Closure]) -> Closure:
    def any_(ctx: Any) -> Value:
        for operand in operands:  # noqa: SIM110 (a loop: no generator object per evaluation)
            if to_boolean(operand(ctx)):
                return True
        return False

    return any_


def _all(operands: list[Closure]) -> Closure:
    def all_(ctx: Any) -> Value:
        for operand in operands:  # noqa: SIM110 (a loop: no generator object per evaluation)
            if not to_boolean(operand(ctx)):
                return False
        return True

    return all_


def _arithmetic_chain(
    first: Closure, rest: list[tuple[Callable[[object, object], float], Closure]]
) -> Closure:
    def chain(ctx: Any) -> Value:
        value = first(ctx)
        for function, operand in rest:
            value = function(value, operand(ctx))
        return value

    return chain


def _or(left: Closure, right: Closure) -> Closure:
    def or_(ctx: Any) -> Value:
        return to_boolean(left(ctx)) or to_boolean(right(ctx))

    return or_


def _and(left: Closure, right: Closure) -> Closure:
    def and_(ctx: Any) -> Value:
        return to_boolean(left(ctx)) and to_boolean(right(ctx))

    return and_


def _binary_function(
    function: Callable[[Any, Any], Value], left: Closure, right: Closure
) -> Closure:
    def binary(ctx: Any) -> Value:
        return function(left(ctx), right(ctx))

    return binary


def _relation(test: Callable[[float, float], bool], left: Closure, right: Closure) -> Closure:
    def relation(ctx: Any) -> Value:
        return relate(test, left(ctx), right(ctx))

    return relation


def _relation_to_number(
    test: Callable[[float, float], bool], left: Closure, number: float
) -> Closure:
    """``<left> op <number literal>``: the most common constraint shape, without a type switch."""

    def relation(ctx: Any) -> Value:
        value = left(ctx)
        if type(value) is str:
            return test(string_to_number(value), number)
        return relate(test, value, number)

    return relation


def _equal_to_string(left: Closure, text: str, negate: bool) -> Closure:
    """``<left> = 'text'``: the most common relevance shape."""
    maybe_date = len(text) >= 10 and text[4] == "-"

    def equal_string(ctx: Any) -> Value:
        value = left(ctx)
        if type(value) is str:
            if value == text:
                return not negate
            if not maybe_date:
                return negate
            return strings_equal(value, text) is not negate
        return (not_equal if negate else equal)(value, text)

    return equal_string


def _call_closure(spec: FunctionSpec, args: tuple[Closure, ...]) -> Closure:
    if spec.build is not None:
        return spec.build(args)
    impl = spec.impl
    assert impl is not None, spec.name
    if spec.needs_ctx and not args:
        return impl
    if spec.needs_ctx:

        def call_with_context(ctx: Any) -> Value:
            return impl(ctx, *[arg(ctx) for arg in args])

        return call_with_context
    if len(args) == 0:
        return lambda ctx: impl()
    if len(args) == 1:
        (only,) = args

        def call1(ctx: Any) -> Value:
            return impl(only(ctx))

        return call1
    if len(args) == 2:
        first, second = args

        def call2(ctx: Any) -> Value:
            return impl(first(ctx), second(ctx))

        return call2

    def call(ctx: Any) -> Value:
        return impl(*[arg(ctx) for arg in args])

    return call


def _switch(
    subject: Closure,
    table: dict[str, Closure],
    cases: list[tuple[Closure, Closure]],
    otherwise: Closure,
) -> Closure:
    """``if(X = 'a', A, if(X = 'b', B, ... D))`` (see :meth:`_Compiler.switch`).

    ``table``: the branch of each literal (the first one where a literal repeats); ``cases``:
    the compiled ``(condition, branch)`` pairs in order, for a value that is not text.
    """

    def switch(ctx: Any) -> Value:
        value = subject(ctx)
        if type(value) is str:
            return table.get(value, otherwise)(ctx)
        for condition, branch in cases:
            if to_boolean(condition(ctx)):
                return branch(ctx)
        return otherwise(ctx)

    return switch


def _text_test(node: Node) -> tuple[Node, str] | None:
    """``(X, 'text')`` for a condition ``X = 'text'`` (either way round) whose ``X`` is
    ``${name}`` or ``.``, where the literal cannot be read as a date (text equality decides);
    else ``None``."""
    if not isinstance(node, Binary) or node.op != "=":
        return None
    for subject, literal in ((node.left, node.right), (node.right, node.left)):
        if isinstance(subject, Reference | Current) and isinstance(literal, String):
            text = literal.value
            if len(text) >= 10 and text[4] == "-":
                return None  # maybe a date: compared as dates too (see _equal_to_string)
            return subject, text
    return None


def _choice_name(value: Closure, question: str) -> Closure:
    def choice_name(ctx: Any) -> Value:
        return ctx.choice_label(question, to_string(value(ctx)))

    return choice_name


def _indexed_repeat(name: str, index: Closure) -> Closure:
    """``indexed-repeat(${q}, ${repeat}, i)``: ``${q}`` in the i-th (1-based) instance of the
    repeat; an index below 1 (an empty answer) reads the first, as JavaRosa; past the last
    instance, ``""``."""

    def indexed_repeat(ctx: Any) -> Value:
        resolve_all = getattr(ctx, "resolve_all", None)
        values = resolve_all(name) if resolve_all is not None else ctx.resolve(name)
        if type(values) is not NodeSet:
            values = NodeSet((to_string(values),))
        number = to_number(index(ctx))
        position = int(number) if number == number and abs(number) < 2**31 else 0
        position = max(position, 1)
        return values[position - 1] if position <= len(values) else ""

    return indexed_repeat


def _position(ctx: Any) -> Value:
    return float(ctx.position())


class _Compiler:
    """Compiles one tree; ``compile`` returns the closure and whether the node is a constant."""

    def compile(self, node: Node) -> tuple[Closure, bool]:
        if isinstance(node, Number | String):
            return _constant(node.value), True
        if isinstance(node, Reference):
            return _reference(node.name), False
        if isinstance(node, Current):
            return _current, False
        if isinstance(node, BareName):
            return _bare_name(node.name), False
        if isinstance(node, Negate):
            operand, constant = self.compile(node.operand)
            return self.fold(_negate(operand), constant)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Parent):  # the parser only allows it inside position(..)
            raise AssertionError("'..' outside position(..)")
        raise TypeError(f"not a syntax node: {node!r}")

    @staticmethod
    def fold(closure: Closure, constant: bool) -> tuple[Closure, bool]:
        if constant:
            return _constant(closure(None)), True
        return closure, False

    def chain(self, node: Binary) -> tuple[Closure, bool] | None:
        """Compile a left-leaning chain such as ``a + b - c + d`` or ``a and b and c`` as one
        loop, so long chains neither recurse deeply nor call through nested closures."""
        group = _CHAIN_GROUPS.get(node.op)
        if group is None or not (isinstance(node.left, Binary) and node.left.op in group):
            return None
        steps: list[tuple[str, Node]] = []
        head: Node = node
        while isinstance(head, Binary) and head.op in group:
            steps.append((head.op, head.right))
            head = head.left
        steps.reverse()
        first, constant = self.compile(head)
        rest: list[tuple[str, Closure]] = []
        for op, operand_node in steps:
            operand, operand_constant = self.compile(operand_node)
            constant = constant and operand_constant
            rest.append((op, operand))
        if node.op in ("and", "or"):
            operands = [first, *(operand for _, operand in rest)]
            closure = _all(operands) if node.op == "and" else _any(operands)
        else:
            closure = _arithmetic_chain(first, [(_ARITHMETIC[op], f) for op, f in rest])
        return self.fold(closure, constant)

    def binary(self, node: Binary) -> tuple[Closure, bool]:
        chained = self.chain(node)
        if chained is not None:
            return chained
        left, left_constant = self.compile(node.left)
        right, right_constant = self.compile(node.right)
        constant = left_constant and right_constant
        op = node.op
        if op == "or":
            return self.fold(_or(left, right), constant)
        if op == "and":
            return self.fold(_and(left, right), constant)
        if op in _ARITHMETIC:
            return self.fold(_binary_function(_ARITHMETIC[op], left, right), constant)
        right_value = right(None) if right_constant else None
        if op in _RELATIONS:
            test = _RELATIONS[op]
            if right_constant and not left_constant and type(right_value) is float:
                return _relation_to_number(test, left, right_value), False
            return self.fold(_relation(test, left, right), constant)
        if right_constant and not left_constant and type(right_value) is str:
            return _equal_to_string(left, right_value, negate=op == "!="), False
        function = equal if op == "=" else not_equal
        return self.fold(_binary_function(function, left, right), constant)

    def switch(self, node: Call) -> tuple[Closure, bool] | None:
        """Compile a chain ``if(X = 'a', A, if(X = 'b', B, ... D))`` testing one reference
        ``X`` against text literals (scoring a select's answer is the usual case) as one
        look-up: ``X`` is read once and its text picks the branch. ``None`` for other shapes.

        It gives what the nested ``if()`` calls give: reading ``X`` has no side effects; text
        is equal to a literal exactly when it is the same string (literals that may be dates
        are left to the general path); a value that is not text (a node-set) runs the
        conditions in order.
        """
        subject: Node | None = None
        literals: list[str] = []
        heads: list[Call] = []
        head: Node = node
        while isinstance(head, Call) and head.name == "if" and len(head.args) == 3:
            test = _text_test(head.args[0])
            if test is None or (subject is not None and test[0] != subject):
                break
            subject = test[0]
            literals.append(test[1])
            heads.append(head)
            head = head.args[2]
        if subject is None or len(heads) < 2:
            return None
        subject_closure, _ = self.compile(subject)
        cases = [
            (self.compile(item.args[0])[0], self.compile(item.args[1])[0]) for item in heads
        ]
        table: dict[str, Closure] = {}
        for literal, (_, branch) in zip(literals, cases, strict=True):
            table.setdefault(literal, branch)
        otherwise, _ = self.compile(head)
        return _switch(subject_closure, table, cases, otherwise), False

    def call(self, node: Call) -> tuple[Closure, bool]:
        if node.name == "position":
            return _position, False
        if node.name == "if":
            switched = self.switch(node)
            if switched is not None:
                return switched
        compiled = [self.compile(arg) for arg in node.args]
        args = tuple(closure for closure, _ in compiled)
        if node.name == "jr:choice-name":
            question_node = node.args[1]
            assert isinstance(question_node, String)
            match = CHOICE_NAME_QUESTION.fullmatch(question_node.value)
            assert match is not None
            return _choice_name(args[0], match[1]), False
        if node.name == "indexed-repeat":
            target = node.args[0]
            assert isinstance(target, Reference)
            return _indexed_repeat(target.name, args[2]), False
        spec = FUNCTIONS[node.name]
        constant = not spec.needs_ctx and all(is_constant for _, is_constant in compiled)
        return self.fold(_call_closure(spec, args), constant)


def compile_tree(tree: Node) -> Closure:
    """Compile a syntax tree into one closure taking an evaluation context."""
    closure, _ = _Compiler().compile(tree)
    return closure


def compile_folded(tree: Node) -> tuple[Closure, bool]:
    """:func:`compile_tree`, also telling whether the whole tree folded to a constant (its
    closure then ignores the context)."""
    return _Compiler().compile(tree)
