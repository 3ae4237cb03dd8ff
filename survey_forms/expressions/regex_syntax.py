"""The syntax of ``regex()`` patterns: RE2's, read in pure Python into a small syntax tree.

RE2 (github.com/google/re2/wiki/Syntax) has no backreferences, lookaround, possessive or atomic
groups, so every pattern it accepts can be matched in time linear in the text. This module reads
that syntax without RE2, so that a tablet without the RE2 extension accepts the same patterns
and can match them with :mod:`.regex_vm`. The server checks a pattern with both this reader and
RE2; a pattern must pass both (:func:`.regex.compile_regex`).

Supported: literals and ``\\``-escaped punctuation; ``.``; ``[...]`` classes with ranges, ``^``,
``[:alpha:]``-style POSIX classes and escapes; ``\\d \\D \\s \\S \\w \\W`` (ASCII, as RE2);
``\\pL``, ``\\p{Lu}``, ``\\p{^L}``, ``\\PL`` (Unicode general categories) and ``\\p{Any}``;
``\\a \\f \\t \\n \\r \\v``, octal ``\\0``/``\\12``, ``\\x41``, ``\\x{10FFFF}``, ``\\Q...\\E``;
``^ $ \\A \\z \\b \\B``; groups ``(...)``, ``(?:...)``, ``(?P<name>...)``, ``(?<name>...)``;
flags ``(?imsU)``, ``(?i-s:...)``; ``* + ? {n} {n,} {n,m}`` and their lazy forms.
Refused, with what to do instead: backreferences, lookaround, possessive quantifiers, Unicode
scripts (``\\p{Greek}``), ``\\C``, a repetition count over 1,000 (also nested: ``(a{100}){11}``),
nesting deeper than 100 groups.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["CharSet", "Node", "RegexSyntaxError", "parse_pattern"]

MAX_REPEAT = 1000
MAX_DEPTH = 100
_MAX_CODEPOINT = 0x10FFFF
_CATEGORIES = {
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
    "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
    "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co",
}  # fmt: skip
_R = tuple[tuple[int, int], ...]
_DIGIT: _R = ((0x30, 0x39),)
_SPACE: _R = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))
_WORD: _R = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_POSIX: dict[str, _R] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": _DIGIT,
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": _WORD,
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_PERL = {"d": _DIGIT, "s": _SPACE, "w": _WORD}
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}


class RegexSyntaxError(ValueError):
    """A pattern outside the accepted syntax; the message says what and what to do instead."""


@dataclass(frozen=True)
class _Item:
    """One part of a character set: code point ranges, or Unicode categories (``any``: all)."""

    ranges: _R = ()
    categories: frozenset[str] = frozenset()
    negated: bool = False

    def contains(self, char: str) -> bool:
        code = ord(char)
        hit = any(lo <= code <= hi for lo, hi in self.ranges)
        if not hit and self.categories:
            category = unicodedata.category(char)
            hit = (
                "Any" in self.categories
                or category in self.categories
                or category[0] in self.categories
            )
        return hit != self.negated


@dataclass(frozen=True)
class CharSet:
    """The characters one step of a pattern matches: a union of items, maybe negated, maybe
    case-insensitive (a character matches when it or its simple case variant is in the union)."""

    items: tuple[_Item, ...]
    negated: bool = False
    fold: bool = False

    def matches(self, char: str) -> bool:
        """Whether ``char`` (one character) is in the set."""
        hit = any(item.contains(char) for item in self.items)
        if not hit and self.fold:
            for variant in {char.lower(), char.upper()}:
                if len(variant) == 1 and variant != char:
                    hit = any(item.contains(variant) for item in self.items)
                    if hit:
                        break
        return hit != self.negated


@dataclass(frozen=True)
class Node:
    """A syntax tree node. ``kind``: ``set`` (one character of ``charset``), ``cat``/``alt``
    (``children``), ``repeat`` (``children[0]`` from ``low`` to ``high`` times, ``None``:
    unbounded), ``empty``, or ``assert`` (``anchor``: ``bol eol bot eot word nonword``)."""

    kind: str
    children: tuple[Node, ...] = ()
    charset: CharSet | None = None
    low: int = 0
    high: int | None = 0
    anchor: str = ""
    size: int = field(default=1, compare=False)  # repeat count product, to bound nesting


@dataclass
class _Flags:
    fold: bool = False
    multiline: bool = False
    dotall: bool = False


def _literal(code: int, flags: _Flags) -> Node:
    return Node("set", charset=CharSet((_Item(((code, code),)),), fold=flags.fold))


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.i = 0

    def fail(self, message: str) -> RegexSyntaxError:
        return RegexSyntaxError(message)

    def peek(self, ahead: int = 0) -> str:
        at = self.i + ahead
        return self.s[at] if at < len(self.s) else ""

    # --- structure ---------------------------------------------------------------------------

    def parse(self) -> Node:
        node = self.alternation(_Flags(), 0)
        if self.i < len(self.s):  # only a ")" stops an alternation early
            raise self.fail("unexpected ) (a group closed that was never opened)")
        return node

    def alternation(self, flags: _Flags, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"groups nested deeper than {MAX_DEPTH} levels")
        branches = [self.sequence(flags, depth)]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence(flags, depth))
        if len(branches) == 1:
            return branches[0]
        return Node("alt", tuple(branches), size=max(b.size for b in branches))

    def sequence(self, flags: _Flags, depth: int) -> Node:
        items: list[Node] = []
        while self.i < len(self.s) and self.peek() not in "|)":
            repeat = self.repetition()
            if repeat is not None:
                low, high, text = repeat
                if not items:
                    raise self.fail(f"no argument for repetition operator: {text}")
                if self.peek() == "?":
                    self.i += 1  # lazy: the same set of matches
                if self.peek() in ("*", "+", "?") or (self.peek() == "{" and self.repeat_ahead()):
                    raise self.fail(
                        f"bad repetition operator: {text}{self.peek()} (possessive and double "
                        "quantifiers are not supported; use one quantifier)"
                    )
                inner = items[-1]
                size = inner.size * max(low, high or low, 1)
                if size > MAX_REPEAT:
                    raise self.fail(
                        f"invalid repetition size: {text} (nested repetitions over {MAX_REPEAT})"
                    )
                items[-1] = Node("repeat", (inner,), low=low, high=high, size=size)
                continue
            # a flag group adds nothing: a repetition after it takes the item before it
            items.extend(self.atom(flags, depth))
        if not items:
            return Node("empty")
        if len(items) == 1:
            return items[0]
        return Node("cat", tuple(items), size=max(item.size for item in items))

    def repeat_ahead(self) -> bool:
        saved = self.i
        try:
            return self.counted() is not None
        finally:
            self.i = saved

    def repetition(self) -> tuple[int, int | None, str] | None:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.i += 1
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[char] + (char,)
        if char == "{":
            return self.counted()
        return None

    def counted(self) -> tuple[int, int | None, str] | None:
        """``{n}``, ``{n,}``, ``{n,m}`` at the reader; ``None`` (nothing read) if not one."""
        start = self.i
        end = self.s.find("}", start)
        if end < 0:
            return None
        body = self.s[start + 1 : end]
        low_text, comma, high_text = body.partition(",")
        if not low_text.isascii() or not low_text.isdigit():
            return None
        if high_text and (not high_text.isascii() or not high_text.isdigit()):
            return None
        text = self.s[start : end + 1]
        low = int(low_text)
        high: int | None = low if not comma else (int(high_text) if high_text else None)
        if low > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < low)):
            raise self.fail(f"invalid repetition size: {text} (at most {MAX_REPEAT})")
        self.i = end + 1
        return low, high, text

    def atom(self, flags: _Flags, depth: int) -> tuple[Node, ...]:
        char = self.peek()
        if char == "(":
            return self.group(flags, depth)
        self.i += 1
        if char == "[":
            return (Node("set", charset=self.char_class(flags)),)
        if char == ".":
            items = (_Item(((0, _MAX_CODEPOINT),)),) if flags.dotall else (_Item(((10, 10),)),)
            return (Node("set", charset=CharSet(items, negated=not flags.dotall)),)
        if char == "^":
            return (Node("assert", anchor="bol" if flags.multiline else "bot"),)
        if char == "$":
            return (Node("assert", anchor="eol" if flags.multiline else "eot"),)
        if char == "\\":
            return self.escape_atom(flags)
        return (_literal(ord(char), flags),)

    def group(self, flags: _Flags, depth: int) -> tuple[Node, ...]:
        self.i += 1
        inner_flags = _Flags(flags.fold, flags.multiline, flags.dotall)
        if self.peek() == "?":
            rest = self.s[self.i + 1 :]
            if rest.startswith(("P<", "<")) and not rest.startswith(("<=", "<!")):
                name_start = self.i + 1 + rest.index("<") + 1
                close = self.s.find(">", name_start)
                name = self.s[name_start:close] if close >= 0 else ""
                if close < 0 or not name or not all(c.isalnum() or c == "_" for c in name):
                    raise self.fail(f"invalid named capture group: {self.s[self.i - 1 :]!r}")
                self.i = close + 1
            elif rest.startswith(("=", "!", "<=", "<!", ">", "P=", "P>", "#", "|")):
                operator = rest[:2] if rest[0] in "<P" else rest[:1]
                raise self.fail(
                    f"(?{operator} is not supported: RE2 has no lookahead, lookbehind, atomic "
                    "groups or backreferences; rewrite the pattern without them"
                )
            else:
                return self.flag_group(flags, inner_flags, depth)
        node = self.alternation(inner_flags, depth + 1)
        if self.peek() != ")":
            raise self.fail("missing ) (a group is not closed)")
        self.i += 1
        return (node,)

    def flag_group(self, flags: _Flags, inner: _Flags, depth: int) -> tuple[Node, ...]:
        """``(?flags)`` (changes ``flags`` for the rest of the group) or ``(?flags:...)``."""
        start = self.i - 1
        self.i += 1
        on = True
        seen_any = False
        while True:
            char = self.peek()
            if char in ("i", "m", "s", "U"):
                seen_any = True
                if char == "i":
                    inner.fold = on
                elif char == "m":
                    inner.multiline = on
                elif char == "s":
                    inner.dotall = on
                self.i += 1
            elif char == "-" and on:
                on = False
                self.i += 1
                seen_any = False
            elif char in (":", ")") and (on or seen_any):
                self.i += 1
                if char == ")":
                    flags.fold, flags.multiline, flags.dotall = (
                        inner.fold,
                        inner.multiline,
                        inner.dotall,
                    )
                    return ()
                node = self.alternation(inner, depth + 1)
                if self.peek() != ")":
                    raise self.fail("missing ) (a group is not closed)")
                self.i += 1
                return (node,)
            else:
                end = min(len(self.s), self.i + 1)
                raise self.fail(
                    f"invalid perl operator: {self.s[start:end]} (flags are i, m, s, U)"
                )

    # --- escapes and classes -----------------------------------------------------------------

    def escape_atom(self, flags: _Flags) -> tuple[Node, ...]:
        char = self.peek()
        if char == "Q":
            end = self.s.find("\\E", self.i + 1)
            text = self.s[self.i + 1 :] if end < 0 else self.s[self.i + 1 : end]
            self.i = len(self.s) if end < 0 else end + 2
            if not text:
                return ()
            nodes = tuple(_literal(ord(c), flags) for c in text)
            return nodes  # each its own item: a repetition after \E takes the last one
        anchors = {"A": "bot", "z": "eot", "b": "word", "B": "nonword"}
        if char in anchors:
            self.i += 1
            return (Node("assert", anchor=anchors[char]),)
        item = self.escape_item()
        if isinstance(item, int):
            return (_literal(item, flags),)
        return (Node("set", charset=CharSet((item,), fold=flags.fold)),)

    def escape_item(self) -> _Item | int:
        """After a ``\\``: a code point, or a set item for ``\\d``, ``\\pL`` and the like."""
        char = self.peek()
        if not char:
            raise self.fail("trailing \\ (escape it as \\\\)")
        self.i += 1
        if char.lower() in _PERL:
            return _Item(_PERL[char.lower()], negated=char.isupper())
        if char in ("p", "P"):
            return self.unicode_class(char == "P")
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in "01234567":
            digits = char
            while len(digits) < 3 and self.peek() and self.peek() in "01234567":
                digits += self.peek()
                self.i += 1
            if char != "0" and len(digits) == 1:
                raise self.fail(
                    f"invalid escape sequence: \\{char} (backreferences are not supported)"
                )
            return int(digits, 8)
        if char == "x":
            return self.hex_escape()
        if char.isascii() and not char.isalnum():
            return ord(char)
        hint = " (\\Z: use \\z or $)" if char == "Z" else ""
        raise self.fail(f"invalid escape sequence: \\{char}{hint}")

    def hex_escape(self) -> int:
        braced = self.peek() == "{"
        closed = True
        if braced:
            end = self.s.find("}", self.i)
            closed = end > 0
            digits = self.s[self.i + 1 : end] if end > 0 else self.s[self.i + 1 :]
            self.i = end + 1 if end > 0 else len(self.s)
        else:
            digits = self.s[self.i : self.i + 2]
            self.i += 2
        valid = digits.isascii() and digits.isalnum() and closed and (braced or len(digits) == 2)
        try:
            code = int(digits, 16) if valid else -1
        except ValueError:
            code = -1
        if not 0 <= code <= _MAX_CODEPOINT:
            raise self.fail(f"invalid escape sequence: \\x{digits}")
        return code

    def unicode_class(self, negated: bool) -> _Item:
        if self.peek() == "{":
            end = self.s.find("}", self.i)
            if end < 0:
                raise self.fail("invalid character class range: missing } after \\p{")
            name = self.s[self.i + 1 : end]
            self.i = end + 1
        else:
            name = self.peek()
            self.i += 1
        if name.startswith("^"):
            negated, name = not negated, name[1:]
        if name not in _CATEGORIES and name != "Any":
            raise self.fail(
                f"unsupported Unicode class \\p{{{name}}} (use a general category such as "
                "\\p{L} for letters or \\p{N} for numbers; scripts are not supported)"
            )
        return _Item(categories=frozenset({name}), negated=negated)

    def char_class(self, flags: _Flags) -> CharSet:
        start = self.i - 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        items: list[_Item] = []
        first = True
        while first or self.peek() != "]":
            if not self.peek():
                raise self.fail(f"missing ]: {self.s[start:]} (a class is not closed)")
            first = False
            if self.s.startswith("[:", self.i):
                end = self.s.find(":]", self.i + 2)
                name = self.s[self.i + 2 : end] if end > 0 else ""
                if end > 0:
                    inverted = name.startswith("^")
                    if name.lstrip("^") not in _POSIX:
                        raise self.fail(f"invalid character class range: [:{name}:]")
                    items.append(_Item(_POSIX[name.lstrip("^")], negated=inverted))
                    self.i = end + 2
                    continue
            low = self.class_char()
            if isinstance(low, _Item):
                items.append(low)
                continue
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                high = self.class_char()
                if isinstance(high, _Item) or high < low:
                    raise self.fail(
                        f"invalid character class range: {self.s[start : self.i]} "
                        "(write ranges low to high, such as a-z)"
                    )
                items.append(_Item(((low, high),)))
            else:
                items.append(_Item(((low, low),)))
        self.i += 1
        return CharSet(tuple(items), negated=negated, fold=flags.fold)

    def class_char(self) -> _Item | int:
        char = self.peek()
        self.i += 1
        if char != "\\":
            return ord(char)
        if self.peek() in ("Q", "E", "A", "z", "b", "B"):
            raise self.fail(f"invalid escape sequence: \\{self.peek()} (inside [...])")
        return self.escape_item()


def parse_pattern(pattern: str) -> Node:
    """Read ``pattern`` (RE2 syntax) into a :class:`Node`; :class:`RegexSyntaxError` if it is
    outside the accepted syntax."""
    return _Reader(pattern).parse()
