"""What one export reads per entry, and the options a supervisor chose (plain data).

Answers are read with :func:`decode_answers` (msgspec, several times faster than :mod:`json`),
which keeps decimals as their JSON text and gives integers as ``int``, so a number is written
exactly as it is stored (``87.35``, ``-2.990934``, ``4``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from .csv_cells import cell_text

__all__ = ["EntryRecord", "ExportOptions", "decode_answers", "device_of"]

_fast_decode: Callable[[str], Any] = msgspec.json.Decoder(float_hook=str).decode
_slow_decode: Callable[[str], Any] = json.JSONDecoder(parse_float=str).decode


def decode_answers(text: str) -> Any:
    """Decode stored answers JSON: decimals as their JSON text (``"87.35"``), integers as int.

    msgspec does the work; JSON it refuses (``NaN``, which the push path never stores) goes to
    :mod:`json` with the same number handling.
    """
    try:
        return _fast_decode(text)
    except msgspec.DecodeError:
        return _slow_decode(text)


def device_of(meta: Mapping[str, Any], answers: Mapping[str, Any]) -> str:
    """The ``DeviceID`` cell: the revision's device, else the ``deviceid`` answer."""
    return cell_text(meta.get("device_id") or answers.get("deviceid") or "")


@dataclass(frozen=True)
class ExportOptions:
    """What the supervisor chose: labels or names, language, split select_multiple, prefixes."""

    labels: bool = False
    lang: str | None = None
    split_select_multiple: bool = False
    group_prefix: bool = True
    #: CSV for Excel: a UTF-8 byte-order mark and CRLF line ends; ``False``: neither (the raw
    #: bytes Central writes, for tools that read the file as it is).
    bom: bool = True


@dataclass
class EntryRecord:
    """One entry as read for the export: its metadata and its head revision's answers."""

    entry_id: str
    submission_date: str
    officer: str
    officer_name: str
    region: str
    form_version: str
    review_status: str
    review_comment: str
    device_id: str
    edits: int
    attachments_present: int
    attachments_expected: int
    answers: Mapping[str, Any]
    #: The stored export cells of the head revision (:mod:`.cells`), ``None`` when the answers
    #: are to be laid out here: the root table's question cells, and with a ZIP the repeats'.
    cells: str | None = None
    repeat_cells: list[list[str]] | None = None
    #: The entry's photos stored on the server, ``(sha256, file name)``, when read for a ZIP
    #: with media.
    media: list[tuple[str, str]] | None = None

    @property
    def key(self) -> str:
        """The root KEY, Central's instanceID form: ``uuid:<entry id>``."""
        return self.entry_id if self.entry_id.startswith("uuid:") else f"uuid:{self.entry_id}"
