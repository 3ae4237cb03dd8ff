"""A Pratt (precedence-climbing) parser from tokens to a syntax tree, with the dialect's checks.

Function names and argument counts are checked here, so a form with ``foo()`` or ``if(a, b)``
fails when it is loaded rather than when a field officer reaches the question.
"""

from __future__ import annotations

import re

from .dates import pattern_problem
from .errors import ExpressionError
from .functions import FUNCTIONS, UNSUPPORTED_FUNCTIONS
from .regex import compile_regex
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
from .texts import Text, text
from .tokens import NCNAME, Token, tokenize

__all__ = ["CHOICE_NAME_QUESTION", "MAX_NESTING", "parse_tree"]

_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})
_SYMBOL_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "+", "-", "*"})

# Parentheses, calls and unary minus may nest this deep (keeps parsing, compiling and evaluating
# well inside Python's recursion limit; long chains such as a + b + ... + z do not nest).
MAX_NESTING = 100

# The second argument of jr:choice-name(): a string literal holding one ${name}.
CHOICE_NAME_QUESTION = re.compile(rf"\s*\$\{{({NCNAME})\}}\s*")


def _describe(token: Token) -> Text:
    if token.kind == "ref":
        return text("token.text", text='"${' + token.text + '}"')
    if token.kind == "string":
        return text("token.string", text=repr(token.text))
    return text("token.text", text=f'"{token.text}"')


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
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

    def error(self, key: str, pos: int, code: str = "syntax", **params: object) -> ExpressionError:
        """An error at ``pos`` whose message is the catalog text ``key`` (``source`` is added)."""
        message = text(key, position=pos, source=self.source, **params)
        return ExpressionError(message, code=code, position=pos, source=self.source)

    def unsupported(self, construct: str, pos: int, advice: str) -> ExpressionError:
        return self.error(
            "unsupported", pos, "unsupported", construct=construct, advice=text(advice)
        )

    def expected(self, what: str, token: Token) -> ExpressionError:
        found = "" if token.kind == "end" else text("syntax.found", token=_describe(token))
        return self.error("syntax.expected", token.pos, what=text(what), found=found)

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
                raise self.error("syntax.unbalanced", token.pos)
            raise self.expected("what.operator_or_end", token)
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
                raise self.error("syntax.nesting", token.pos, limit=MAX_NESTING)
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
            self.expect(")", "what.close_paren")
            return inner
        if kind == "name":
            if self.peek().kind == "(":
                return self.call(token)
            if ":" in token.text:
                raise self.unsupported(token.text, token.pos, "advice.references")
            return BareName(token.text, token.pos)
        if kind == "dotdot":
            raise self.unsupported("..", token.pos, "advice.parent")
        if kind == "op" and token.text == "*":
            raise self.unsupported("*", token.pos, "advice.references")
        self.index -= 1
        raise self.expected("what.operand", token)

    def call(self, name_token: Token) -> Node:
        name = name_token.text
        pos = name_token.pos
        spec = FUNCTIONS.get(name)
        if spec is None:
            advice = UNSUPPORTED_FUNCTIONS.get(name)
            if advice is not None:
                raise self.unsupported(f"{name}()", pos, advice)
            raise self.error("unknown_function", pos, "unknown_function", name=name)
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
                raise self.expected("what.close_paren" if full else "what.comma_or_close", token)
        self.advance()  # ")"
        count = len(args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise self.error("arity", pos, "arity", name=name, arity=spec.arity_text(), count=count)
        self.check_arguments(name, args, pos)
        return Call(name, tuple(args), pos)

    def position_call(self, name_token: Token) -> Node:
        token = self.peek()
        if token.kind != "dotdot":
            raise self.error("argument.position", token.pos, "argument")
        self.advance()
        self.expect(")", "what.close_paren")
        return Call("position", (Parent(token.pos),), name_token.pos)

    def check_arguments(self, name: str, args: list[Node], pos: int) -> None:
        if name == "jr:choice-name":
            question = args[1]
            if not (
                isinstance(question, String) and CHOICE_NAME_QUESTION.fullmatch(question.value)
            ):
                raise self.error("argument.choice_name", question.pos, "argument")
        elif name == "indexed-repeat":
            for arg in args[:2]:
                if not isinstance(arg, Reference):
                    raise self.error("argument.indexed_repeat", arg.pos, "argument")
        elif name in ("format-date", "format-date-time") and isinstance(args[1], String):
            problem = pattern_problem(args[1].value)
            if problem is not None:
                raise self.error(
                    "argument.date_pattern",
                    args[1].pos,
                    "argument",
                    pattern=repr(args[1].value),
                    problem=problem,
                )
        elif name == "regex" and isinstance(args[1], String):
            try:
                compile_regex(args[1].value)
            except ExpressionError as error:
                params = error.text.params
                raise self.error("argument.regex_at", args[1].pos, "argument", **params) from None


def parse_tree(source: str) -> Node:
    """Parse ``source`` into a syntax tree; raises :class:`ExpressionError` with the offset."""
    if not isinstance(source, str):
        raise TypeError(f"an expression must be a string, not {type(source).__name__}")
    if not source.strip():
        message = text("syntax.empty")
        raise ExpressionError(message, code="syntax", position=0, source=source)
    return _Parser(source).parse()
