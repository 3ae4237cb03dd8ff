"""A Pratt (precedence-climbing) parser from tokens to a syntax tree, with the dialect's checks.

Function names and argument counts are checked here, so a form with ``foo()`` or ``if(a, b)``
fails when it is loaded rather than when a field officer reaches the question.
"""

from __future__ import annotations

import re

from .dates import pattern_problem
from .errors import ExpressionError
from .functions import FUNCTIONS, UNSUPPORTED_FUNCTIONS, compile_regex
from .syntax import (
    BINARY_PRECEDENCE,
    NEGATE_PRECEDENCE,
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
from .tokens import NCNAME, Token, tokenize

__all__ = ["CHOICE_NAME_QUESTION", "MAX_NESTING", "parse_tree"]

_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})
_SYMBOL_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "+", "-", "*"})

# Parentheses, calls and unary minus may nest this deep (keeps parsing, compiling and evaluating
# well inside Python's recursion limit; long chains such as a + b + ... + z do not nest).
MAX_NESTING = 100

# The second argument of jr:choice-name(): a string literal holding one ${name}.
CHOICE_NAME_QUESTION = re.compile(rf"\s*\$\{{({NCNAME})\}}\s*")


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "ref":
        return '"${' + token.text + '}"'
    if token.kind == "string":
        return "string " + repr(token.text)
    return f'"{token.text}"'


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.quoted = f'"{source}"'
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    # -- token access --------------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, pos: int, code: str = "syntax") -> ExpressionError:
        return ExpressionError(message, code=code, position=pos, source=self.source)

    def expected(self, what: str, token: Token) -> ExpressionError:
        found = "" if token.kind == "end" else f", found {_describe(token)}"
        return self.error(
            f"expected {what} at position {token.pos} in {self.quoted}{found}", token.pos
        )

    def expect(self, kind: str, what: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            raise self.expected(what, token)
        return self.advance()

    # -- grammar -------------------------------------------------------------------------------

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            if token.kind == ")":
                raise self.error(
                    f'unbalanced ")" at position {token.pos} in {self.quoted}', token.pos
                )
            raise self.expected("an operator or the end of the expression", token)
        return node

    def infix_operator(self, token: Token) -> str | None:
        """The binary operator ``token`` is in operator position, if it is one."""
        if token.kind == "op" and token.text in _SYMBOL_OPERATORS:
            return token.text
        if token.kind == "name" and token.text in _WORD_OPERATORS:
            return token.text
        return None

    def expression(self, min_precedence: int) -> Node:
        left = self.operand()
        while True:
            token = self.peek()
            operator = self.infix_operator(token)
            if operator is None:
                return left
            precedence = BINARY_PRECEDENCE[operator]
            if precedence <= min_precedence:
                return left
            self.advance()
            right = self.expression(precedence)
            left = Binary(operator, left, right, token.pos)

    def operand(self) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                token = self.peek()
                raise self.error(
                    f"expression nested too deeply (more than {MAX_NESTING} levels) "
                    f"at position {token.pos}",
                    token.pos,
                )
            return self.operand_at_depth()
        finally:
            self.depth -= 1

    def operand_at_depth(self) -> Node:
        token = self.advance()
        kind = token.kind
        if kind == "number":
            return Number(float(token.text), token.pos)
        if kind == "string":
            return String(token.text, token.pos)
        if kind == "ref":
            return Reference(token.text, token.pos)
        if kind == "dot":
            return Current(token.pos)
        if kind == "op" and token.text == "-":
            return Negate(self.expression(NEGATE_PRECEDENCE - 1), token.pos)
        if kind == "(":
            inner = self.expression(0)
            self.expect(")", '")"')
            return inner
        if kind == "name":
            if self.peek().kind == "(":
                return self.call(token)
            if ":" in token.text:
                raise self.error(
                    f'unsupported XPath construct "{token.text}" at position {token.pos}: '
                    "use ${name} references",
                    token.pos,
                    "unsupported",
                )
            return BareName(token.text, token.pos)
        if kind == "dotdot":
            raise self.error(
                f'unsupported XPath construct ".." at position {token.pos}: '
                '".." is only allowed in position(..)',
                token.pos,
                "unsupported",
            )
        if kind == "op" and token.text == "*":
            raise self.error(
                f'unsupported XPath construct "*" at position {token.pos}: '
                "use ${name} references",
                token.pos,
                "unsupported",
            )
        self.index -= 1
        raise self.expected("a value, a ${name} reference or a function call", token)

    def call(self, name_token: Token) -> Node:
        name = name_token.text
        pos = name_token.pos
        spec = FUNCTIONS.get(name)
        if spec is None:
            advice = UNSUPPORTED_FUNCTIONS.get(name)
            if advice is not None:
                raise self.error(
                    f'unsupported XPath construct "{name}()" at position {pos}: {advice}',
                    pos,
                    "unsupported",
                )
            raise self.error(
                f'unknown function "{name}" at position {pos}', pos, "unknown_function"
            )
        self.advance()  # "("
        if name == "position":
            return self.position_call(name_token)
        args: list[Node] = []
        if self.peek().kind != ")":
            while True:
                args.append(self.expression(0))
                token = self.peek()
                if token.kind == ",":
                    self.advance()
                    continue
                if token.kind == ")":
                    break
                full = spec.max_args is not None and len(args) >= spec.max_args
                raise self.expected('")"' if full else '"," or ")"', token)
        self.advance()  # ")"
        count = len(args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise self.error(
                f"{name}() takes {spec.arity_text()}, not {count}, at position {pos} "
                f"in {self.quoted}",
                pos,
                "arity",
            )
        self.check_arguments(name, args, pos)
        return Call(name, tuple(args), pos)

    def position_call(self, name_token: Token) -> Node:
        token = self.peek()
        if token.kind != "dotdot":
            raise self.error(
                f'position() needs ".." as its argument, as in position(..), '
                f"at position {token.pos} in {self.quoted}",
                token.pos,
                "argument",
            )
        self.advance()
        self.expect(")", '")"')
        return Call("position", (Parent(token.pos),), name_token.pos)

    def check_arguments(self, name: str, args: list[Node], pos: int) -> None:
        if name == "jr:choice-name":
            question = args[1]
            if not (
                isinstance(question, String) and CHOICE_NAME_QUESTION.fullmatch(question.value)
            ):
                raise self.error(
                    "jr:choice-name() needs the question as a quoted reference, as in "
                    f"jr:choice-name(${{q}}, '${{q}}'), at position {question.pos} "
                    f"in {self.quoted}",
                    question.pos,
                    "argument",
                )
        elif name in ("format-date", "format-date-time") and isinstance(args[1], String):
            problem = pattern_problem(args[1].value)
            if problem is not None:
                raise self.error(
                    f"invalid date pattern {args[1].value!r} at position {args[1].pos}: {problem}",
                    args[1].pos,
                    "argument",
                )
        elif name == "regex" and isinstance(args[1], String):
            try:
                compile_regex(args[1].value)
            except ExpressionError as error:
                raise self.error(
                    f"{error.message} at position {args[1].pos}", args[1].pos, "argument"
                ) from None


def parse_tree(source: str) -> Node:
    """Parse ``source`` into a syntax tree; raises :class:`ExpressionError` with the offset."""
    if not isinstance(source, str):
        raise TypeError(f"an expression must be a string, not {type(source).__name__}")
    if not source.strip():
        raise ExpressionError("empty expression", code="syntax", position=0, source=source)
    return _Parser(source).parse()
