"""Splitting expression text into tokens.

Token kinds: ``number``, ``string``, ``ref`` (``${name}``, text is the name), ``name`` (an NCName,
optionally with a prefix such as ``jr:``), ``dot``, ``dotdot``, ``op`` (``= != < <= > >= + - *``),
``(``, ``)``, ``,`` and ``end``. Whether a name such as ``div`` is an operator is decided by the
parser from the token's position, as XPath requires. XPath constructs this dialect does not
support are reported here with their offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ExpressionError
from .texts import text

__all__ = ["NCNAME", "Token", "tokenize"]

# An XML NCName: a letter or "_" first, then letters, digits, "_", "-" and ".".
NCNAME = r"[^\W\d][\w.\-]*"

_TOKEN_RE = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<ref>\$\{{(?P<refname>{NCNAME})\}})
  | (?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<dotdot>\.\.)
  | (?P<dot>\.)
  | (?P<name>{NCNAME}(?::{NCNAME})?)
  | (?P<op>!=|<=|>=|[=<>+\-*])
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

# Characters (or pairs) that start an XPath construct outside this dialect, with advice
# (catalog keys; "${" is a malformed reference rather than an unsupported construct).
_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    ("//", "advice.references"),
    ("/", "advice.references"),
    ("::", "advice.axes"),
    ("[", "advice.predicates"),
    ("]", "advice.predicates"),
    ("|", "advice.unions"),
    ("@", "advice.attributes"),
    ("${", ""),
    ("$", "advice.variables"),
)

_CURLY_QUOTES = "‘’‚‛“”„‟"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text (for ``string`` the unquoted value) and its offset."""

    kind: str
    text: str
    pos: int


def _unsupported(source: str, pos: int) -> ExpressionError:
    for start, advice in _UNSUPPORTED:
        if source.startswith(start, pos):
            if start == "${":
                construct = source[pos : pos + 12].split("}")[0] + "}"
                message = text("syntax.invalid_reference", construct=repr(construct), position=pos)
                return ExpressionError(message, code="syntax", position=pos, source=source)
            message = text("unsupported", construct=start, position=pos, advice=text(advice))
            return ExpressionError(message, code="unsupported", position=pos, source=source)
    char = source[pos]
    if char in "'\"":
        message = text("syntax.unterminated", position=pos, source=source)
    elif char in _CURLY_QUOTES:
        message = text("syntax.curly_quote", char=char, position=pos)
    else:
        message = text("syntax.unexpected_character", char=char, position=pos, source=source)
    return ExpressionError(message, code="syntax", position=pos, source=source)


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``end`` token.

    Raises :class:`ExpressionError` at the first character that starts no valid token.
    """
    tokens: list[Token] = []
    pos = 0
    length = len(source)
    match_at = _TOKEN_RE.match
    while pos < length:
        match = match_at(source, pos)
        if match is None:
            raise _unsupported(source, pos)
        kind = match.lastgroup
        text = match.group()
        if kind == "ref":
            tokens.append(Token("ref", match["refname"], pos))
        elif kind == "string":
            tokens.append(Token("string", text[1:-1], pos))
        elif kind == "punct":
            tokens.append(Token(text, text, pos))
        elif kind == "name" and source.startswith("::", match.end()):
            raise _unsupported(source, match.end())
        elif kind != "space":
            tokens.append(Token(kind, text, pos))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(Token("end", "", length))
    return tokens
