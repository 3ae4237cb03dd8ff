"""Streaming CSV and ZIP writers: rows in, byte chunks out, memory bounded.

CSV: UTF-8 with a byte-order mark (so Excel reads Indonesian text correctly), RFC 4180 quoting
(:func:`~sync_server.export.rows.encode_row`: quotes only where needed, ``\\r\\n`` line ends).
Lines are collected and handed on, encoded, about every 256 KiB, so memory does not grow with
the number of rows.

ZIP: the root CSV is compressed straight into the ZIP stream as entries arrive; the repeat CSVs
are written meanwhile into :class:`tempfile.SpooledTemporaryFile` objects (in memory up to
``SPOOL_MAX`` bytes each, then on disk) and appended at the end. The ZIP is written to a
non-seekable sink (data descriptors), so its bytes stream out as they are made. With
``media_root`` the photos of the exported entries follow as ``media/<file name>`` (as in
Central's ZIP), each read from disk in blocks; the list of photos is spooled too, so memory
stays flat.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .rows import EntryRecord, ExportLayout, encode_row

__all__ = ["BOM", "SPOOL_MAX", "CsvSink", "Pipe", "csv_chunks", "zip_chunks"]

BOM = "\ufeff"
SPOOL_MAX = 4 * 1024 * 1024
_FLUSH = 256 * 1024


class CsvSink:
    """One CSV being written: lines are collected and handed to ``emit`` as UTF-8 bytes."""

    def __init__(
        self, headers: Sequence[str], emit: Any, flush_bytes: int = _FLUSH, *, bom: bool = True
    ) -> None:
        self._crlf = bom
        header = encode_row(headers)
        self._lines: list[str] = [BOM + header if bom else header[:-2] + "\n"]
        self._size = 0
        self._emit = emit
        self._flush_chars = flush_bytes
        self.rows = 0

    def write_line(self, line: str) -> None:
        """Add one encoded line (ending with ``\\r\\n``; written with ``\\n`` without ``bom``)."""
        if not self._crlf:
            line = line[:-2] + "\n"
        self._lines.append(line)
        self._size += len(line)
        self.rows += 1

    def maybe_flush(self) -> None:
        """Hand the collected lines on when they are big enough."""
        if self._size >= self._flush_chars:
            self.flush()

    def flush(self) -> None:
        """Hand the collected lines on now."""
        if self._lines:
            self._emit("".join(self._lines).encode("utf-8"))
        self._lines = []
        self._size = 0


def csv_chunks(
    layout: ExportLayout, records: Iterable[EntryRecord], table: int = 0
) -> Iterator[bytes]:
    """The bytes of one table's CSV (0 = root), in chunks of about 256 KiB."""
    out: list[bytes] = []
    sink = CsvSink(layout.headers(table), out.append, bom=layout.options.bom)
    for record in records:
        if table == 0:
            sink.write_line(layout.root_line(record))
        else:
            for index, line in layout.repeat_lines(record):
                if index == table:
                    sink.write_line(line)
        sink.maybe_flush()
        if out:
            yield from out
            out.clear()
    sink.flush()
    yield from out


class Pipe(io.RawIOBase):
    """A write-only, non-seekable stream whose bytes are collected for the generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.chunks.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def take(self) -> list[bytes]:
        """The bytes written since the last call."""
        chunks, self.chunks = self.chunks, []
        return chunks


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def media_name(filename: str, sha256: str) -> str:
    """The ZIP member name of a photo: ``media/<file name>`` with the characters a file system
    or a ZIP path cannot hold replaced by ``_`` (Central's sanitising; no ``..``, no folders);
    an empty name becomes the hash."""
    name = _UNSAFE_NAME.sub("_", filename).strip(" .")[:255]
    return f"media/{name or sha256}"


def _media_members(
    archive: zipfile.ZipFile, pipe: Pipe, listing: IO[bytes], media_root: Path
) -> Iterator[bytes]:
    """Write the spooled photo list's files as ``media/`` members, one block at a time.

    One member per file name: a file two questions name is written under both names. A name
    already written for the same file is skipped. A file missing on disk is left out; the
    records' ``AttachmentsPresent`` did not count it (:func:`.source.iter_records` checked the
    files), unless it went missing during the download.
    """
    listing.seek(0)
    written: set[tuple[str, str]] = set()
    for raw in listing:
        sha256, filename = json.loads(raw)
        name = media_name(filename, sha256)
        if (name, sha256) in written:
            continue
        path = media_root / sha256[:2] / sha256
        try:
            source = path.open("rb")
        except OSError:
            continue
        with source, archive.open(name, "w", force_zip64=True) as member:
            while block := source.read(_FLUSH):
                member.write(block)
                yield from pipe.take()
        written.add((name, sha256))
        yield from pipe.take()


def zip_chunks(
    layout: ExportLayout,
    records: Iterable[EntryRecord],
    form_id: str,
    *,
    compresslevel: int = 1,
    media_root: Path | None = None,
) -> Iterator[bytes]:
    """The bytes of a ZIP with the root CSV, one CSV per repeat group and (``media_root``:
    records read ``with_media``) the photos in ``media/``."""
    pipe = Pipe()
    specs = layout.tables
    spools: list[IO[bytes]] = []
    repeat_sinks: dict[int, CsvSink] = {}
    with zipfile.ZipFile(
        pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        listing = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115
        spools.append(listing)
        for index in range(1, len(specs)):
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115
            spools.append(spool)
            repeat_sinks[index] = CsvSink(
                layout.headers(index), spool.write, bom=layout.options.bom
            )
        try:
            with archive.open(specs[0].file_name(form_id), "w", force_zip64=True) as member:
                root = CsvSink(layout.headers(0), member.write, bom=layout.options.bom)
                for record in records:
                    root.write_line(layout.root_line(record))
                    if media_root is not None and record.media:
                        for pair in record.media:
                            listing.write(json.dumps(pair).encode("utf-8") + b"\n")
                    for index, line in layout.repeat_lines(record):
                        repeat_sinks[index].write_line(line)
                    root.maybe_flush()
                    for sink in repeat_sinks.values():
                        sink.maybe_flush()
                    yield from pipe.take()
                root.flush()
            yield from pipe.take()
            for index, spool in enumerate(spools[1:], start=1):
                repeat_sinks[index].flush()
                spool.seek(0)
                name = specs[index].file_name(form_id)
                with archive.open(name, "w", force_zip64=True) as member:
                    while block := spool.read(_FLUSH):
                        member.write(block)
                        yield from pipe.take()
                yield from pipe.take()
            if media_root is not None:
                yield from _media_members(archive, pipe, listing, media_root)
        finally:
            for spool in spools:
                spool.close()
    yield from pipe.take()
