"""A streaming XLSX writer: one sheet per export table, rows in, byte chunks out.

The workbook is a ZIP of a few small XML parts and one worksheet part per table (the root
table first, then one per repeat group, with the same headers and cells as the CSVs). The
root sheet is compressed into the ZIP stream as entries arrive; the repeat sheets' rows are
written meanwhile to spooled temporary files (in memory up to ``SPOOL_MAX`` bytes each, then
on disk) and appended at the end, so memory does not grow with the number of entries.

Why not a library: XlsxWriter (``constant_memory``) and openpyxl (write-only) call Python code
for every cell; with the ~165 columns of an observation entry that was about 400 rows/s on the
development VM, far from the 10,000 rows/s target. Here a row is one joined string, escaped
with a few C-level replacements, and each cell a short string: the parts written are the
minimal SpreadsheetML of ECMA-376 (inline strings, no shared string table, no styles beyond the
default), which Excel, LibreOffice, openpyxl and pandas read.

Cells: the CSV's cells (:meth:`~sync_server.export.rows.ExportLayout.field_rows`, so the stored
cells serve the XLSX too, and a cell reads the same in both files, the formula apostrophe
included), unquoted: texts as inline strings; integer, decimal and range answers, geopoint
parts and the metadata counts as numbers when they are plain numbers; empty cells as empty
elements. Characters XML 1.0 cannot hold (control characters other than tab, CR, LF) are left
out.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from .records import EntryRecord
from .rows import ExportLayout
from .writer import SPOOL_MAX, Pipe

__all__ = ["XLSX_MEDIA_TYPE", "sheet_names", "xlsx_chunks"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FLUSH = 256 * 1024
_SEP = "\x00"
_ILLEGAL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Around a separator: a cell beginning or ending with white space (kept only with
#: ``xml:space="preserve"``); plain substring searches, far faster than a regex here
_EDGE_SPACES = tuple(pair for ws in " \t\r\n" for pair in ("\x00" + ws, ws + "\x00"))
_ILLEGAL_CHARS = (
    *tuple(chr(c) for c in range(1, 32) if chr(c) not in "\t\r\n"),
    "\ufffe",
    "\uffff",
)
_PRESERVE_OPEN = '<c t="inlineStr"><is><t xml:space="preserve">'
_STR_OPEN = '<c t="inlineStr"><is><t>'
_STR_CLOSE = "</t></is></c>"
_NUMERIC_TYPES = frozenset(("integer", "decimal", "range", "geopoint"))
_ROOT_NUMERIC = frozenset(("AttachmentsPresent", "AttachmentsExpected", "Edits"))

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>'
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if any(char in text for char in _ILLEGAL_CHARS):  # rare: one C-level search each
        text = _ILLEGAL.sub("", text)
    return text


def _unquote(field: str) -> str:
    """A CSV field's text: the quotes around it taken off, doubled quotes made single."""
    if field[:1] == '"' and field[-1:] == '"' and len(field) > 1:
        return field[1:-1].replace('""', '"')
    return field


_SPACE = frozenset(" \t\r\n")


def _unquote_joined(text: str) -> str:
    """Unquote the quoted CSV fields of NUL-joined fields (only those are touched).

    A quoted field starts with a quote after a separator (or at the start) and ends with the
    first quote before a separator (or at the end): its text holds no NUL.
    """
    text = _SEP + text + _SEP
    out: list[str] = []
    copied = 0
    start = text.find('\x00"')
    while start >= 0:
        end = text.find('"\x00', start + 2)
        out.append(text[copied : start + 1])
        out.append(text[start + 2 : end].replace('""', '"'))
        copied = end + 1
        start = text.find('\x00"', copied)
    out.append(text[copied:])
    return "".join(out)[1:-1]


def sheet_names(layout: ExportLayout, form_id: str) -> list[str]:
    """One sheet name per table: the form id for the root, the repeat's name for the others.

    Excel allows 31 characters and none of ``[]:*?/\\``; a name taken twice gets ``~2``...
    """
    out: list[str] = []
    for spec in layout.tables:
        base = _SHEET_BAD.sub("_", spec.name or form_id)[:31] or "sheet"
        name, n = base, 1
        while name.lower() in (o.lower() for o in out):
            n += 1
            name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
        out.append(name)
    return out


class _SheetRows:
    """Rows of one sheet as SpreadsheetML ``<row>`` elements (numeric columns as numbers).

    A row is made with a few C-level string operations on the joined cells, not per cell:
    quoted fields are unquoted by one regex, every cell becomes an inline string by joining
    with the closing and opening tags, empty cells become ``<c/>`` by one replacement, and only
    the numeric columns' cells are looked at one by one (marked, then retagged as numbers).
    """

    def __init__(self, headers: Sequence[str], numeric: Sequence[bool]) -> None:
        self.width = len(headers)
        self.numeric = [i for i, flag in enumerate(numeric) if flag]
        self.header = self._xml(self._parts(headers), numbers=False)

    def _parts(self, cells: Sequence[str]) -> list[str]:
        text = _SEP.join(cells)
        if text.count(_SEP) != len(cells) - 1:  # a cell held NUL itself
            text = _SEP.join(_unquote(c).replace(_SEP, "") for c in cells)
        elif '"' in text:
            text = _unquote_joined(text)
        text = _escape(text)
        parts = text.split(_SEP)
        if text[:1] in _SPACE or text[-1:] in _SPACE or any(pair in text for pair in _EDGE_SPACES):
            parts = ["\x03" + p if p and (p[0] in _SPACE or p[-1] in _SPACE) else p for p in parts]
        return parts

    def _xml(self, parts: list[str], *, numbers: bool = True) -> str:
        if numbers:
            for i in self.numeric:
                part = parts[i]
                if part and _NUMBER.fullmatch(part):
                    parts[i] = f"\x01{part}\x02"
        body = _STR_OPEN + (_STR_CLOSE + _STR_OPEN).join(parts) + _STR_CLOSE
        body = body.replace(_STR_OPEN + _STR_CLOSE, "<c/>")
        if "\x03" in body:
            body = body.replace(_STR_OPEN + "\x03", _PRESERVE_OPEN)
        if numbers and "\x01" in body:
            body = body.replace(_STR_OPEN + "\x01", "<c><v>").replace(
                "\x02" + _STR_CLOSE, "</v></c>"
            )
        return "<row>" + body + "</row>"

    def row(self, cells: Sequence[str]) -> str:
        """One ``<row>`` element from CSV field texts (quoted ones are unquoted here)."""
        return self._xml(self._parts(cells))


def _numeric_columns(layout: ExportLayout, index: int) -> list[bool]:
    plan = layout.plans[index]
    types = {f.name: f.type for f in plan.spec.fields}
    kinds = [
        (key[0] == "geo") if isinstance(key, tuple) else types.get(key) in _NUMERIC_TYPES
        for key in plan.keys
    ]
    headers = layout.headers(index)
    if index == 0:
        return [False, *kinds, *(h in _ROOT_NUMERIC for h in headers[len(kinds) + 1 :])]
    return [*kinds, False, False]


def xlsx_chunks(
    layout: ExportLayout,
    records: Iterable[EntryRecord],
    form_id: str,
    *,
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """The bytes of an XLSX workbook with one sheet per table; ``records`` read
    ``with_repeats`` (their stored cells serve here too)."""
    specs = layout.tables
    sheets = [_SheetRows(layout.headers(i), _numeric_columns(layout, i)) for i in range(len(specs))]
    pipe = Pipe()
    spools: list[IO[bytes]] = []
    with zipfile.ZipFile(
        pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        buffers: dict[int, list[str]] = {}
        for index in range(1, len(specs)):
            spools.append(tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX))  # noqa: SIM115
            buffers[index] = []
        try:
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                lines = [_SHEET_HEAD, sheets[0].header]
                size = 0
                for record in records:
                    for index, row in layout.field_rows(record):
                        if index == 0:
                            line = sheets[0].row(row)
                            lines.append(line)
                            size += len(line)
                        else:
                            buffers[index].append(sheets[index].row(row))
                    if size >= _FLUSH:
                        member.write("".join(lines).encode("utf-8"))
                        lines, size = [], 0
                        for index, buffered in buffers.items():
                            spools[index - 1].write("".join(buffered).encode("utf-8"))
                            buffered.clear()
                        yield from pipe.take()
                lines.append(_SHEET_TAIL)
                member.write("".join(lines).encode("utf-8"))
            yield from pipe.take()
            for index, spool in enumerate(spools, start=1):
                spool.write("".join(buffers[index]).encode("utf-8"))
                spool.seek(0)
                name = f"xl/worksheets/sheet{index + 1}.xml"
                with archive.open(name, "w", force_zip64=True) as member:
                    member.write((_SHEET_HEAD + sheets[index].header).encode("utf-8"))
                    while block := spool.read(_FLUSH):
                        member.write(block)
                        yield from pipe.take()
                    member.write(_SHEET_TAIL.encode("utf-8"))
                yield from pipe.take()
        finally:
            for spool in spools:
                spool.close()
        names = sheet_names(layout, form_id)
        numbers = range(1, len(specs) + 1)
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{_escape(name).replace(chr(34), "&quot;")}" sheetId="{n}" '
                    f'r:id="rId{n}"/>'
                    for n, name in zip(numbers, names, strict=True)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(rels="".join(_SHEET_REL.format(n=n) for n in numbers)),
        )
    yield from pipe.take()
