"""A streaming XLSX writer: one sheet per export table, rows in, byte chunks out.

The workbook is a ZIP of a few small XML parts and one worksheet part per table (the root
table first, then one per repeat group, with the same headers and cells as the CSVs). The
root sheet is compressed into the ZIP stream as entries arrive; the repeat sheets' rows are
written meanwhile to spooled temporary files (in memory up to ``SPOOL_MAX`` bytes each, then
on disk) and appended at the end, so memory does not grow with the number of entries.

Why not a library: XlsxWriter (``constant_memory``) and openpyxl (``write_only``) call Python
code for every cell; on the same observation rows they wrote 1,202 and 768 entries per
CPU-second, this writer 16,281 (docs/export.md, "XLSX"). The rows are turned into XML a batch
at a time by :class:`~sync_server.export.xlsx_sheet.SheetRows`; the parts written are the
minimal SpreadsheetML of ECMA-376 (inline strings, no shared string table, no styles beyond the
default), which Excel, LibreOffice, openpyxl and pandas read. The root sheet's deflate runs on
a worker thread beside the row building.

Cells: the CSV's cells (:meth:`~sync_server.export.rows.ExportLayout.field_rows`, so the stored
cells serve the XLSX too), unquoted and without the CSV's formula apostrophe (an inline string
is never run as a formula): texts as inline strings; integer, decimal and range answers,
geopoint parts, split select_multiple columns (0/1) and the metadata counts as numbers when
they are plain numbers, calculations when they are plain decimals (the pilot's scores, so
``SUM`` and ``AVERAGE`` work); empty cells as blank cells. Characters XML 1.0 cannot hold
(control characters other than tab, CR, LF) are left out.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from .records import EntryRecord
from .rows import ExportLayout
from .writer import SPOOL_MAX, Pipe
from .xlsx_sheet import SheetRows

__all__ = ["XLSX_MEDIA_TYPE", "sheet_names", "workbook_chunks", "xlsx_chunks"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FLUSH = 256 * 1024
#: characters of row text a sheet collects before it is turned into XML (one batch)
_BATCH = 128 * 1024
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
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
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    b'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _escape(text: str) -> str:
    """Text for an XML attribute or element (a sheet name)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ILLEGAL.sub("", text).replace('"', "&quot;")


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


def _numeric_columns(layout: ExportLayout, index: int) -> tuple[list[bool], list[bool]]:
    """For each column of table ``index``: whether a plain number in it is a number cell, and
    whether only a plain decimal is (:func:`~.xlsx_sheet.is_decimal`: calculations, whose
    text may as well be a code)."""
    plan = layout.plans[index]
    types = {f.name: f.type for f in plan.spec.fields}
    kinds = [
        (key[0] in ("geo", "split"))  # geopoint parts; split select_multiple 0/1 columns
        if isinstance(key, tuple)
        else types.get(key) in _NUMERIC_TYPES
        for key in plan.keys
    ]
    decimals = [not isinstance(key, tuple) and types.get(key) == "calculate" for key in plan.keys]
    numeric = [kind or decimal for kind, decimal in zip(kinds, decimals, strict=True)]
    headers = layout.headers(index)
    if index == 0:
        meta = [h in _ROOT_NUMERIC for h in headers[len(kinds) + 1 :]]
        return [False, *numeric, *meta], [False, *decimals, *(False for _ in meta)]
    return [*numeric, False, False], [*decimals, False, False]


class _Behind:
    """Writes a batch to a ZIP member on a worker thread while the caller makes the next one.

    zlib and crc32 let go of the interpreter lock while they work, so the root sheet's
    compression (about a third of an export's time) runs beside the row building on a second
    core. One write at a time: :meth:`wait` before anything else touches the member or its
    pipe, so the ZIP's bytes stay in order.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-deflate")
        self._pending: Future[int] | None = None

    def write(self, member: IO[bytes], data: bytes) -> None:
        """Start writing ``data`` (after the write before has ended)."""
        self.wait()
        self._pending = self._executor.submit(member.write, data)

    def wait(self) -> None:
        """Wait for the write under way (its error, if any, is raised here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the write under way, then end the worker thread."""
        try:
            self.wait()
        finally:
            self._executor.shutdown(wait=True)


def xlsx_chunks(
    layout: ExportLayout,
    records: Iterable[EntryRecord],
    form_id: str,
    *,
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """The bytes of an XLSX workbook with one sheet per table; ``records`` read
    ``with_repeats`` (their stored cells serve here too)."""
    sheets = [
        SheetRows(layout.headers(i), *_numeric_columns(layout, i))
        for i in range(len(layout.tables))
    ]
    rows = (row for record in records for row in layout.field_rows(record))
    return workbook_chunks(sheet_names(layout, form_id), sheets, rows, compresslevel=compresslevel)


def workbook_chunks(
    names: Sequence[str],
    sheets: Sequence[SheetRows],
    rows: Iterable[tuple[int, list[str]]],
    *,
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """The bytes of a workbook: sheet ``names[i]`` holds the header of ``sheets[i]`` and the
    rows ``(i, CSV field texts)`` of ``rows``.

    The first sheet is compressed into the ZIP stream as its rows arrive (a batch of about
    ``_BATCH`` characters at a time); the other sheets' XML is spooled meanwhile (in memory up
    to ``SPOOL_MAX`` bytes each, then on disk) and appended at the end.
    """
    pipe = Pipe()
    spools: list[IO[bytes]] = []
    behind = _Behind()
    with zipfile.ZipFile(
        pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        try:
            for _ in sheets[1:]:
                spools.append(tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX))  # noqa: SIM115
            root = sheets[0]
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                member.write(_SHEET_HEAD + root.header)
                try:
                    for index, fields in rows:
                        sheet = sheets[index]
                        sheet.add(fields)
                        if sheet.size >= _BATCH:
                            if index == 0:
                                behind.wait()  # the batch before is in the pipe now
                                yield from pipe.take()
                                behind.write(member, sheet.take())
                            else:
                                spools[index - 1].write(sheet.take())
                finally:  # also when the rows fail: nothing writes once the member closes
                    behind.wait()
                member.write(root.take() + _SHEET_TAIL)
            yield from pipe.take()
            for index, spool in enumerate(spools, start=1):
                spool.write(sheets[index].take())
                spool.seek(0)
                name = f"xl/worksheets/sheet{index + 1}.xml"
                with archive.open(name, "w", force_zip64=True) as member:
                    member.write(_SHEET_HEAD + sheets[index].header)
                    while block := spool.read(_FLUSH):
                        member.write(block)
                        yield from pipe.take()
                    member.write(_SHEET_TAIL)
                yield from pipe.take()
        finally:
            behind.close()
            for spool in spools:
                spool.close()
        numbers = range(1, len(sheets) + 1)
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{_escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, name in zip(numbers, names, strict=True)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(rels="".join(_SHEET_REL.format(n=n) for n in numbers)),
        )
    yield from pipe.take()
