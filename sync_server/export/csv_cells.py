"""CSV cell text: quoting, formula neutralising and line joining (pure functions).

Formula injection (OWASP): a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, unless the whole cell is a plain decimal number
(``-2.5``: a spreadsheet reads it as a number, never as a formula), so numbers stay numbers.
A cell that begins with apostrophes followed by such a text gets one more, so the guard can be
taken off again exactly (:func:`unguard`: the XLSX, whose inline strings never run, writes the
answer as it is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "DANGER",
    "DANGER_OR_QUOTE",
    "cell_text",
    "encode_row",
    "fixed_cells",
    "guarded",
    "join_fixed",
    "needs_fixing",
    "neutralise",
    "unguard",
]

DANGER = frozenset("=+-@\t\r")
#: the first characters of a text :func:`neutralise` may change
DANGER_OR_QUOTE = DANGER | {"'"}
_SEP = "\x00"
#: Rows up to this many cells are checked cell by cell (cheaper than the joined search).
_SHORT_ROW = 16
_QUOTE_CHARS = (",", '"', "\r", "\n")
#: A cell (after the NUL separator) beginning with a formula character; a cell beginning with
#: CR is found by the CR search, as it must be quoted anyway.
_DANGER_START = re.compile("\x00'*[-=+@\t]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def guarded(text: str) -> bool:
    """Whether :func:`neutralise` prefixes an apostrophe to ``text``: after any leading
    apostrophes it begins with a formula character and is not a plain decimal number."""
    core = text.lstrip("'") if text[:1] == "'" else text
    return core[:1] in DANGER and not _PLAIN_NUMBER.fullmatch(core)


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a text a spreadsheet would run as a formula (see module doc)."""
    if text[:1] in DANGER_OR_QUOTE and guarded(text):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """The text :func:`neutralise` was given (its apostrophe taken off, if it added one)."""
    if text[:1] == "'" and guarded(text[1:]):
        return text[1:]
    return text


def _fix_cell(value: str) -> str:
    value = neutralise(value)
    if needs_fixing(value):
        value = '"' + value.replace('"', '""') + '"'
    return value


def cell_text(value: Any) -> str:
    """Any value as cell text."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return " ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        if "filename" in value:  # image, audio, video, file: the file name, as Central
            return cell_text(value["filename"])
        if isinstance(value.get("points"), list):  # geotrace, geoshape: ODK's text
            return ";".join(_point_text(p) for p in value["points"])
        # in key order: stored answers have sorted keys, a pushed dict any order
        return " ".join(cell_text(value[k]) for k in sorted(value))
    return str(value)


_POINT_KEYS = ("latitude", "longitude", "altitude", "accuracy")


def _point_text(point: Any) -> str:
    """One point of a geotrace/geoshape as ODK writes it: ``lat lon alt acc`` (the parts the
    point has; an accuracy without altitude gets altitude 0, as the order is fixed)."""
    if not isinstance(point, dict):
        return cell_text(point)
    parts = [point.get(key) for key in _POINT_KEYS]
    while parts and parts[-1] is None:
        parts.pop()
    return " ".join("0" if part is None else cell_text(part) for part in parts)


def fixed_cells(cells: Sequence[Any]) -> list[str]:
    """Every cell checked on its own (values of any type), quoted and neutralised."""
    try:
        return [
            _fix_cell(c)
            if ("," in c or '"' in c or "\n" in c or "\r" in c or c[:1] in DANGER_OR_QUOTE)
            else c
            for c in cells
        ]
    except (TypeError, KeyError):  # a non-text cell (dict[:1] is a KeyError on Python 3.12)
        return fixed_cells([cell_text(c) for c in cells])


def needs_fixing(text: str) -> bool:
    """Whether a text holds a character that makes a CSV field need quotes."""
    return "," in text or '"' in text or "\n" in text or "\r" in text


def encode_row(cells: Sequence[Any]) -> str:
    """One CSV line: RFC 4180 quoting, ``\\r\\n`` at the end, formula cells neutralised.

    Same output as ``csv.writer(lineterminator="\\r\\n")`` (``QUOTE_MINIMAL``) on the
    neutralised cells. See :func:`join_fixed` for how the cells are checked.
    """
    line = join_fixed(cells, ",")
    if not line and len(cells) == 1:
        return '""\r\n'  # a lone empty field, told apart from an empty line
    return line + "\r\n"


def join_fixed(cells: Sequence[Any], sep: str, *, short: int = _SHORT_ROW) -> str:
    """The cells quoted and neutralised as CSV fields, joined with ``sep`` (no line end).

    The cells are joined with NUL first; the few cells that need quoting or an apostrophe are
    found with C-level searches of that one string (``str.find`` for ``,`` ``"`` CR LF, one
    regex for a danger character after a separator) and fixed alone, so a wide row of short
    texts costs a handful of string operations instead of checks on every cell. Short rows (up
    to ``short`` cells), cells that are not all text, and cells that hold NUL themselves
    take the plain per-cell path.
    """
    if len(cells) <= short:
        return sep.join(fixed_cells(cells))
    try:
        line = _SEP + _SEP.join(cells)
    except TypeError:
        return sep.join(fixed_cells(cells))
    if line.count(_SEP) != len(cells):
        return sep.join(fixed_cells(cells))
    spans: dict[int, int] = {}  # cell start -> cell end, for the cells to fix
    size = len(line)
    for char in _QUOTE_CHARS:
        at = line.find(char)
        while at >= 0:
            start = line.rfind(_SEP, 0, at) + 1
            end = line.find(_SEP, at)
            if end < 0:
                end = size
            spans[start] = end
            at = line.find(char, end)
    for match in _DANGER_START.finditer(line):
        start = match.start() + 1
        end = line.find(_SEP, start)
        spans[start] = end if end >= 0 else size
    if not spans:
        return line[1:].replace(_SEP, sep)
    parts: list[str] = []
    copied = 1
    for start in sorted(spans):
        end = spans[start]
        parts.append(line[copied:start])
        parts.append(_fix_cell(line[start:end]))
        copied = end
    parts.append(line[copied:])
    return "".join(parts).replace(_SEP, sep)
