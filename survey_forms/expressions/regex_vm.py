"""A linear-time matcher for :mod:`.regex_syntax` trees, in pure Python (the RE2 fallback).

The tree is compiled into a small program (character steps, splits, jumps, anchors) and run as
a Thompson NFA simulation ("Pike VM" without captures): all threads advance together one
character at a time, and a thread that reaches a program counter another thread already holds
at the same position is dropped. The work per character is at most the program's size, so a
match costs at most ``len(text) * len(program)`` steps whatever the pattern; there is no
backtracking to explode. A program is limited to :data:`MAX_PROGRAM` instructions and one match
to :data:`MAX_STEPS` thread steps (:class:`MatchBudgetError` beyond), so even the largest
accepted pattern on a long answer stops in about a second on a tablet.
"""

from __future__ import annotations

from dataclasses import dataclass

from .regex_syntax import Node, RegexSyntaxError

__all__ = ["MAX_PROGRAM", "MAX_STEPS", "MatchBudgetError", "Program", "compile_tree"]

MAX_PROGRAM = 20_000
MAX_STEPS = 2_000_000

_CHAR, _SPLIT, _JMP, _ASSERT, _MATCH = range(5)
_WORD = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


class MatchBudgetError(RuntimeError):
    """A match needed more than :data:`MAX_STEPS` steps and was stopped."""


def _check(anchor: str, text: str, pos: int) -> bool:
    if anchor == "bot":
        return pos == 0
    if anchor == "eot":
        return pos == len(text)
    if anchor == "bol":
        return pos == 0 or text[pos - 1] == "\n"
    if anchor == "eol":
        return pos == len(text) or text[pos] == "\n"
    before = pos > 0 and text[pos - 1] in _WORD
    after = pos < len(text) and text[pos] in _WORD
    return (before != after) == (anchor == "word")


@dataclass(frozen=True)
class Program:
    """A compiled pattern: ``fullmatch(text)`` is True when the whole text matches."""

    code: tuple[tuple[int, object, int], ...]
    max_steps: int = MAX_STEPS

    def _closure(self, starts: list[int], text: str, pos: int, seen: set[int]) -> list[int]:
        """The character and match instructions reachable from ``starts`` without reading."""
        code = self.code
        out: list[int] = []
        stack = starts[::-1]
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            op, arg, other = code[pc]
            if op == _SPLIT:
                stack.append(other)
                stack.append(arg)  # type: ignore[arg-type]
            elif op == _JMP:
                stack.append(arg)  # type: ignore[arg-type]
            elif op == _ASSERT:
                if _check(arg, text, pos):  # type: ignore[arg-type]
                    stack.append(pc + 1)
            else:
                out.append(pc)
        return out

    def fullmatch(self, text: str) -> bool:
        """Whether all of ``text`` matches; :class:`MatchBudgetError` past the step limit."""
        code = self.code
        budget = self.max_steps
        seen: set[int] = set()
        threads = self._closure([0], text, 0, seen)
        for pos, char in enumerate(text):
            budget -= len(seen) + len(threads)
            if budget < 0:
                raise MatchBudgetError(f"more than {self.max_steps} steps")
            advanced = [
                pc + 1
                for pc in threads
                if code[pc][0] == _CHAR and code[pc][1].matches(char)  # type: ignore[union-attr]
            ]
            if not advanced:
                return False
            seen = set()
            threads = self._closure(advanced, text, pos + 1, seen)
        return any(code[pc][0] == _MATCH for pc in threads)


class _Emitter:
    def __init__(self) -> None:
        self.code: list[list[object]] = []

    def add(self, op: int, arg: object = 0, other: int = 0) -> int:
        if len(self.code) >= MAX_PROGRAM:
            raise RegexSyntaxError(
                f"pattern too large (over {MAX_PROGRAM} steps once repetitions are counted out); "
                "use smaller repetition counts"
            )
        self.code.append([op, arg, other])
        return len(self.code) - 1

    def emit(self, node: Node) -> None:
        kind = node.kind
        if kind == "set":
            self.add(_CHAR, node.charset)
        elif kind == "assert":
            self.add(_ASSERT, node.anchor)
        elif kind == "cat":
            for child in node.children:
                self.emit(child)
        elif kind == "alt":
            jumps = []
            for child in node.children[:-1]:
                split = self.add(_SPLIT)
                self.code[split][1] = split + 1
                self.emit(child)
                jumps.append(self.add(_JMP))
                self.code[split][2] = len(self.code)
            self.emit(node.children[-1])
            for jump in jumps:
                self.code[jump][1] = len(self.code)
        elif kind == "repeat":
            self.repeat(node.children[0], node.low, node.high)
        # "empty" emits nothing

    def repeat(self, child: Node, low: int, high: int | None) -> None:
        for _ in range(low):
            self.emit(child)
        if high is None:
            loop = self.add(_SPLIT, 0)
            self.code[loop][1] = loop + 1
            self.emit(child)
            self.add(_JMP, loop)
            self.code[loop][2] = len(self.code)
            return
        splits = []
        for _ in range(high - low):
            split = self.add(_SPLIT)
            self.code[split][1] = split + 1
            splits.append(split)
            self.emit(child)
        for split in splits:
            self.code[split][2] = len(self.code)


def compile_tree(tree: Node) -> Program:
    """Compile a syntax tree into a :class:`Program` (RegexSyntaxError if too large)."""
    emitter = _Emitter()
    emitter.emit(tree)
    emitter.add(_MATCH)
    return Program(tuple((int(op), arg, int(other)) for op, arg, other in emitter.code))  # type: ignore[call-overload]
