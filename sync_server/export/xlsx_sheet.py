"""Rows of one worksheet as SpreadsheetML, made a batch of rows at a time.

Input: rows of CSV field texts (what the CSV writes: quoted where the CSV quotes, the formula
apostrophe included), so the stored cells serve the XLSX too. Output: UTF-8 bytes of ``<row>``
elements: texts as inline strings, empty cells as ``<c/>``, the cells of numeric columns as
numbers when they are plain numbers (of decimal-only columns, such as calculations, only plain
decimals: ``72.22``, not ``007``, ``1e5`` or a 16-digit code). The CSV's formula apostrophe is
taken off (:func:`~sync_server.export.csv_cells.unguard`): an inline string is never run as a
formula, so a note beginning with ``-`` or ``=`` reads as it was typed.

Why batches: a row of the observation form has ~170 cells. Done cell by cell (or row by row) in
Python, the XML cost about 100 µs a row; here a batch of rows (about 128 KiB of text) is joined
once, with control characters as markers (NUL between cells, RS between rows, SOH/STX around a
number), and every step is one C-level ``bytes`` operation on the whole batch: unquoting the
quoted fields, escaping ``& < >``, and turning the markers into tags. Only the numeric columns
are looked at one by one (the observation form has 67 with its calculations; the number test
of a text already seen is remembered, and the markers of a row's pattern of number cells are
made once). A batch whose texts hold a control character
themselves (XML 1.0 cannot hold them; they are left out, and they would be mistaken for the
markers) is cleaned cell by cell first; one ``bytes.translate`` per batch finds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, compress
from operator import itemgetter
from typing import Any

from .csv_cells import guarded, unguard

__all__ = ["SheetRows", "is_decimal", "is_number"]

_SEP = "\x00"  # between the cells of a row
_RS = "\x1e"  # between rows
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: a plain decimal whose integer part has at most 15 digits (what Excel keeps; a longer digit
#: string is a code: a NIK, a phone number)
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d+)?")
#: every control character but tab, LF and CR: the markers, and what XML 1.0 cannot hold
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
_ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NONCHARS = ("\ufffe".encode(), "\uffff".encode())

#: every text cell keeps its white space (``xml:space="preserve"``): finding the few cells that
#: begin or end with white space cost more than the longer tag
_OPEN = b'<c t="inlineStr"><is><t xml:space="preserve">'
_CLOSE = b"</t></is></c>"
_NUM_OPEN = b"<c><v>"
_NUM_CLOSE = b"</v></c>"
#: the markers between two cells (text or number) and their XML; at a row break likewise
_MARKERS = (
    (b"\x00", _CLOSE + _OPEN),  # text, text (the plain separator)
    (b"\x01", _CLOSE + _NUM_OPEN),  # text, number
    (b"\x02", _NUM_CLOSE + _OPEN),  # number, text
    (b"\x05", _NUM_CLOSE + _NUM_OPEN),  # number, number
    (b"\x1e", _CLOSE + b"</row><row>" + _OPEN),
    (b"\x06", _NUM_CLOSE + b"</row><row>" + _OPEN),
    (b"\x07", _CLOSE + b"</row><row>" + _NUM_OPEN),
    (b"\x08", _NUM_CLOSE + b"</row><row>" + _NUM_OPEN),
)
#: the marker between two cells of a row: (left a number, right a number) -> marker
_PAIR_MARKERS = {
    (False, False): _SEP,
    (False, True): "\x01",
    (True, False): "\x02",
    (True, True): "\x05",
}
#: rows with fewer number cells are joined by :func:`_joined` (cheaper for a few)
_FEW_HITS = 8
#: number patterns remembered per sheet
_LAYOUTS = 4096
#: cell texts whose number test is remembered, per sheet and kind
_KNOWN = 65536
_ROW_BREAKS = {
    (False, False): "\x1e",
    (True, False): "\x06",
    (False, True): "\x07",
    (True, True): "\x08",
}


class SheetRows:
    """The rows of one sheet, collected and turned into XML in batches.

    ``numeric``: for each column, whether a plain number in it is written as a number;
    ``decimal_only`` (optional): the columns among them where only a plain decimal is
    (:func:`is_decimal`). :meth:`add` takes one row of CSV field texts; :meth:`take` gives the
    XML of the rows added since the last call (``b""`` if none). ``size`` is the text collected
    so far, in characters, for the caller's flush decision.
    """

    def __init__(
        self,
        headers: Sequence[str],
        numeric: Sequence[bool],
        decimal_only: Sequence[bool] | None = None,
    ) -> None:
        self.numeric = tuple(i for i, flag in enumerate(numeric) if flag)
        strict = decimal_only or ()
        patterns = [_DECIMAL if i < len(strict) and strict[i] else _NUMBER for i in self.numeric]
        #: with a few numeric columns: (column, its number test)
        self._tests = (
            tuple((i, p.fullmatch) for i, p in zip(self.numeric, patterns, strict=True))
            if len(self.numeric) < _FEW_HITS
            else None
        )
        #: per kind of column: (cells getter, columns, text -> is a number, pattern)
        self._groups: list[tuple[Any, tuple[int, ...], dict[str, bool], re.Pattern[str]]] = []
        for kind in (_NUMBER, _DECIMAL):
            columns = tuple(i for i, p in zip(self.numeric, patterns, strict=True) if p is kind)
            if columns:
                self._groups.append((_getter(columns), columns, {"": False}, kind))
        #: hits -> the markers after each cell and the row's ends (rows repeat their patterns)
        self._layouts: dict[tuple[int, ...], tuple[list[str], tuple[bool, bool]]] = {}
        self._lines: list[str] = []
        self._ends: list[tuple[bool, bool]] = []  # (first cell a number, last cell a number)
        self._fields: list[list[str]] = []  # the same rows as cells (for a batch to clean)
        self._markers = 0  # the control characters the joined batch holds as markers
        self.size = 0
        fields = [_field(h) for h in headers]
        self.header = _to_xml(_SEP.join(fields).encode("utf-8", "replace"), False, False)

    def add(self, fields: Sequence[str]) -> None:
        """Add one row of CSV field texts."""
        hits = self._hits(fields)
        line, ends = self._joined(fields, hits)
        if "'" in line:  # one search a row; only a row with an apostrophe is looked at
            bare = [_unguard_field(f) for f in fields]
            if bare != fields:  # a guarded text is never a number: the hits stay
                fields = bare
                line, ends = self._joined(fields, hits)
        self._lines.append(line)
        self._ends.append(ends)
        self._fields.append(fields)  # type: ignore[arg-type]
        self._markers += len(fields)  # one marker between two cells, one after the row
        self.size += len(line)

    def take(self) -> bytes:
        """The ``<row>`` elements of the rows added since the last call."""
        if not self._lines:
            return b""
        lines, ends, fields = self._lines, self._ends, self._fields
        markers = self._markers - 1
        self._lines, self._ends, self._fields, self._markers, self.size = [], [], [], 0, 0
        data = _with_breaks(lines, ends).encode("utf-8", "replace")
        if len(data) - len(data.translate(None, _CONTROL)) != markers or (
            b"\xef" in data and any(n in data for n in _NONCHARS)  # one-byte search first
        ):
            data, ends = self._cleaned(fields)
        return _to_xml(data, ends[0][0], ends[-1][1])

    def _cleaned(self, rows: list[list[str]]) -> tuple[bytes, list[tuple[bool, bool]]]:
        """The batch joined again with its texts' control characters (and U+FFFE, U+FFFF)
        left out, cell by cell; and its rows' ends (a cleaned cell may now be a number)."""
        lines: list[str] = []
        ends: list[tuple[bool, bool]] = []
        for cells in rows:
            fields = [_ILLEGAL_TEXT.sub("", c) for c in cells]
            hits = self._hits(fields)
            line, end = self._joined(fields, hits)
            lines.append(line)
            ends.append(end)
        return _with_breaks(lines, ends).encode("utf-8", "replace"), ends

    def _hits(self, fields: Sequence[str]) -> list[int]:
        """The numeric columns of a row whose cell is written as a number.

        Per kind of column (any plain number, plain decimals only) the texts are looked up at
        once (``map`` over a dict, C-level) in what the sheet has tested before: scores,
        counts and 0/1 repeat; only a text not seen yet is tested with the pattern."""
        if self._tests is not None:  # a few numeric columns: tested one by one
            return [i for i, test in self._tests if fields[i] and test(fields[i])]
        out: list[int] = []
        for getter, columns, known, pattern in self._groups:
            values = getter(fields)
            flags = list(map(known.get, values))
            if None in flags:
                for k, value in enumerate(values):
                    if flags[k] is None:
                        hit = pattern.fullmatch(value) is not None
                        if len(known) < _KNOWN:
                            known[value] = hit
                        flags[k] = hit
            out.extend(compress(columns, flags))
        if len(self._groups) > 1:
            out.sort()
        return out

    def _joined(self, fields: Sequence[str], hits: list[int]) -> tuple[str, tuple[bool, bool]]:
        """:func:`_joined`, with the markers of a row's number pattern made once."""
        if len(hits) < _FEW_HITS:
            return _joined(fields, hits)
        key = tuple(hits)
        layout = self._layouts.get(key)
        if layout is None:
            layout = _markers(len(fields), hits)
            if len(self._layouts) < _LAYOUTS:
                self._layouts[key] = layout
        return "".join(chain.from_iterable(zip(fields, layout[0], strict=True))), layout[1]


def is_decimal(text: str) -> bool:
    """Whether a cell of a decimal-only column (a calculation) is written as a number: a plain
    decimal (``72.22``, ``-3``, ``0.5``) whose integer part has at most 15 digits; not ``007``
    or ``+1`` (codes), not a 16-digit code, not ``1e5``, ``.5`` or ``5.``."""
    return _DECIMAL.fullmatch(text) is not None


def _unguard_field(field: str) -> str:
    """A CSV field text without the formula apostrophe the CSV added (quoted or not)."""
    if field[:1] == "'":
        return unguard(field)
    if field[:2] == "\"'" and guarded(field[2:]):  # in a quoted field: never a plain number
        return '"' + field[2:]
    return field


def is_number(text: str) -> bool:
    """Whether a cell of a numeric column is written as a number (a plain decimal)."""
    return _NUMBER.fullmatch(text) is not None


def _joined(fields: Sequence[str], hits: list[int]) -> tuple[str, tuple[bool, bool]]:
    """One row's cells joined with the markers between them; whether it begins and ends with
    a number. Runs of text cells are joined by ``str.join``; only the numbers are looked at."""
    if not hits:
        return _SEP.join(fields), (False, False)
    out: list[str] = []
    done = 0  # the cells before this one are in ``out``
    for i in hits:
        if i > done:
            if done:
                out.append("\x02")  # a number, then text
            out.append(_SEP.join(fields[done:i]))
            out.append("\x01")  # text, then a number
        elif done:
            out.append("\x05")  # a number, then a number
        out.append(fields[i])
        done = i + 1
    if done < len(fields):
        out.append("\x02")
        out.append(_SEP.join(fields[done:]))
    return "".join(out), (hits[0] == 0, hits[-1] == len(fields) - 1)


def _getter(columns: tuple[int, ...]) -> Any:
    """A function giving the cells of ``columns`` of a row as a tuple."""
    if len(columns) == 1:
        only = columns[0]
        return lambda fields: (fields[only],)
    return itemgetter(*columns)


def _markers(width: int, hits: list[int]) -> tuple[list[str], tuple[bool, bool]]:
    """The marker after each of a row's ``width`` cells ("" after the last) when the cells
    ``hits`` are numbers, and whether the row begins and ends with a number."""
    number = [False] * width
    for i in hits:
        number[i] = True
    after = [_PAIR_MARKERS[number[k], number[k + 1]] for k in range(width - 1)]
    return [*after, ""], (number[0], number[-1])


def _with_breaks(lines: list[str], ends: list[tuple[bool, bool]]) -> str:
    """The rows joined with the row break marker that fits the cells on either side."""
    if not any(first or last for first, last in ends):
        return _RS.join(lines)
    out = [lines[0]]
    for k in range(1, len(lines)):
        out.append(_ROW_BREAKS[ends[k - 1][1], ends[k][0]])
        out.append(lines[k])
    return "".join(out)


def _unquote(data: bytes) -> bytes:
    """The quoted CSV fields of a joined batch unquoted.

    Split at the quotes (a C-level search for one byte), the pieces are walked once: an
    unquoted field holds no quote, so the first quote is an opening one, the piece after it the
    field's text; an empty piece there is a doubled quote, and the first non-empty one follows
    the closing quote (it begins with a marker, as a closing quote is always followed by one).
    """
    parts = data.split(b'"')
    if b"" not in parts[1:-1]:  # no doubled quote (nor an empty quoted field): all quotes off
        return b"".join(parts)
    out = [parts[0]]
    i, count = 1, len(parts)
    while i < count:
        out.append(parts[i])  # the quoted field's text (up to a doubled or the closing quote)
        i += 1
        while i < count - 1 and not parts[i]:  # a doubled quote
            out.append(b'"')
            out.append(parts[i + 1])
            i += 2
        if i < count:
            out.append(parts[i])  # after the closing quote, up to the next opening quote
            i += 1
    return b"".join(out)


def _to_xml(data: bytes, first_number: bool, last_number: bool) -> bytes:
    """The ``<row>`` elements of a joined batch (its markers: :data:`_MARKERS`).

    Every step is a ``bytes`` operation on the whole batch that searches for one byte (C
    speed: a search for two bytes or more took up to a hundred times longer); the empty
    cells' ``<c/>`` is the one longer search.
    """
    if b'"' in data:
        data = _unquote(data)
    if b"&" in data:
        data = data.replace(b"&", b"&amp;")
    if b"<" in data:
        data = data.replace(b"<", b"&lt;")
    if b">" in data:
        data = data.replace(b">", b"&gt;")
    if b"\r" in data:  # a reference, or the XML reader makes CR LF (and a lone CR) LF
        data = data.replace(b"\r", b"&#13;")
    for marker, xml in _MARKERS:
        if marker in data:
            data = data.replace(marker, xml)
    data = (
        b"<row>"
        + (_NUM_OPEN if first_number else _OPEN)
        + data
        + (_NUM_CLOSE if last_number else _CLOSE)
        + b"</row>"
    )
    return data.replace(_OPEN + _CLOSE, b"<c/>")


def _field(text: str) -> str:
    """A plain text (a header) as a CSV field text: quoted when it holds a quote."""
    return '"' + text.replace('"', '""') + '"' if '"' in text else text
