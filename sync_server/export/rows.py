"""Entries to CSV rows: headers and cells of every export table (pure functions).

:class:`ExportLayout` is built once per export from the tables of
:func:`~sync_server.export.columns.build_tables`, the merged choice lists and the
:class:`ExportOptions`. Then :meth:`ExportLayout.root_line` turns one entry record into the
root CSV's line and :meth:`ExportLayout.repeat_lines` gives the lines of the repeat tables: from
the entry's stored cells (:mod:`.cells`) when the record carries them, else from its answers
(:meth:`ExportLayout.root_row`, :meth:`ExportLayout.repeat_rows`, :func:`encode_row`).

Answers are read with :func:`decode_answers` (msgspec, several times faster than :mod:`json`),
which keeps decimals as their JSON text and gives integers as ``int``, so a number is written
exactly as it is stored (``87.35``, ``-2.990934``, ``4``).

Cells:

* text answers as they are; integers and decimals as numbers;
* select_one: the choice name, or its label with ``labels``; select_multiple: the names
  separated by spaces (labels separated by ``"; "`` with ``labels``, as labels hold spaces), and
  with ``split_select_multiple`` one more column per choice (``1`` chosen, ``0`` not, empty when
  the question is unanswered);
* geopoint: four columns ``-Latitude``, ``-Longitude``, ``-Altitude``, ``-Accuracy``;
* image: the file name;
* unanswered: empty.

Formula injection (OWASP): a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, unless the whole cell is a plain decimal number
(``-2.5``: a spreadsheet reads it as a number, never as a formula), so numbers stay numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import msgspec

from .columns import TableSpec

__all__ = [
    "CELLS_FORMAT",
    "CELL_SEP",
    "META_AFTER",
    "EntryRecord",
    "ExportLayout",
    "ExportOptions",
    "cell_text",
    "decode_answers",
    "device_of",
    "encode_row",
    "fixed_cells",
    "join_fixed",
    "neutralise",
    "stored_layout",
]

_DANGER = frozenset("=+-@\t\r")
_SEP = "\x00"
#: Rows up to this many cells are checked cell by cell (cheaper than the joined search).
_SHORT_ROW = 16
#: Between the stored cells of :mod:`.cells` (a unit separator: never in a cell that is stored)
CELL_SEP = "\x1f"
#: The version of the cell rules of stored cells. The layout key also holds a digest of this
#: module's and ``cells.py``'s source, so a change there needs no bump; bump it when a rule
#: elsewhere (``columns.py``, ``survey_forms``) changes what a cell holds.
CELLS_FORMAT = 1
_QUOTE_CHARS = (",", '"', "\r", "\n")
#: A cell (after the NUL separator) beginning with a formula character; a cell beginning with
#: CR is found by the CR search, as it must be quoted anyway.
_DANGER_START = re.compile("\x00[-=+@\t]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GEO_PARTS = (
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("Altitude", "altitude"),
    ("Accuracy", "accuracy"),
)
_GEO_KEYS = tuple(key for _, key in _GEO_PARTS)
_NUMERIC_TYPES = frozenset(("integer", "decimal", "range"))

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


#: Root columns after the questions, in this order (``SubmissionDate`` comes first of all).
META_AFTER = (
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "ReviewState",
    "ReviewComment",
    "DeviceID",
    "Edits",
    "FormVersion",
    "RegionCode",
    "RegionName",
)


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a text a spreadsheet would run as a formula (see module doc)."""
    if text[:1] in _DANGER and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _fix_cell(value: str) -> str:
    value = neutralise(value)
    if _needs_fixing(value):
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
        if "filename" in value:
            return cell_text(value["filename"])
        # in key order: stored answers have sorted keys, a pushed dict any order
        return " ".join(cell_text(value[k]) for k in sorted(value))
    return str(value)


def fixed_cells(cells: Sequence[Any]) -> list[str]:
    """Every cell checked on its own (values of any type), quoted and neutralised."""
    try:
        return [
            _fix_cell(c)
            if ("," in c or '"' in c or "\n" in c or "\r" in c or c[:1] in _DANGER)
            else c
            for c in cells
        ]
    except (TypeError, KeyError):  # a non-text cell (dict[:1] is a KeyError on Python 3.12)
        return fixed_cells([cell_text(c) for c in cells])


def _needs_fixing(text: str) -> bool:
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


def join_fixed(cells: Sequence[Any], sep: str) -> str:
    """The cells quoted and neutralised as CSV fields, joined with ``sep`` (no line end).

    The cells are joined with NUL first; the few cells that need quoting or an apostrophe are
    found with C-level searches of that one string (``str.find`` for ``,`` ``"`` CR LF, one
    regex for a danger character after a separator) and fixed alone, so a wide row of short
    texts costs a handful of string operations instead of checks on every cell. Short rows (up
    to ``_SHORT_ROW`` cells), cells that are not all text, and cells that hold NUL themselves
    take the plain per-cell path.
    """
    if len(cells) <= _SHORT_ROW:
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


@dataclass(frozen=True)
class ExportOptions:
    """What the supervisor chose: labels or names, language, split select_multiple, prefixes."""

    labels: bool = False
    lang: str | None = None
    split_select_multiple: bool = False
    group_prefix: bool = True


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

    @property
    def key(self) -> str:
        """The root KEY, Central's instanceID form: ``uuid:<entry id>``."""
        return self.entry_id if self.entry_id.startswith("uuid:") else f"uuid:{self.entry_id}"


class _TablePlan:
    """The compiled columns of one table: headers and a fast row builder.

    A row is built by laying the answers over a dict of defaults (every column ``""``), putting
    the cells of select_multiple, geopoint, image and (with ``labels``) select_one questions in
    under their own keys, and reading every cell at once with one ``itemgetter``.
    """

    def __init__(
        self,
        spec: TableSpec,
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        default_lang: str,
    ) -> None:
        self.spec = spec
        self.headers: list[str] = []
        keys: list[Any] = []
        self.labelled: list[tuple[str, dict[str, str]]] = []
        self.multi: list[tuple[str, dict[str, str] | None]] = []
        self.split: list[tuple[str, list[str]]] = []
        self.geo: list[str] = []
        self.image: list[str] = []
        #: Fields whose answer may be a JSON integer (decoded as int): given as text here.
        self.numeric: list[str] = []
        lang = options.lang or default_lang
        for f in spec.fields:
            header = "-".join((*f.groups, f.name)) if options.group_prefix else f.name
            items = list(choices.get(f.list_name or "", ()))
            labels = {c.name: c.label(lang, default_lang) for c in items}
            if f.type == "select_multiple":
                self.multi.append((f.name, labels if options.labels else None))
                self.headers.append(header)
                keys.append(f.name)
                if options.split_select_multiple:
                    names = [c.name for c in items]
                    self.split.append((f.name, names))
                    self.headers.extend(f"{header}/{name}" for name in names)
                    keys.extend(("split", f.name, name) for name in names)
            elif f.type == "geopoint":
                self.geo.append(f.name)
                self.headers.extend(f"{header}-{title}" for title, _ in _GEO_PARTS)
                keys.extend(("geo", f.name, key) for key in _GEO_KEYS)
            else:
                if f.type == "select_one" and options.labels:
                    self.labelled.append((f.name, labels))
                elif f.type == "image":
                    self.image.append(f.name)
                elif f.type in _NUMERIC_TYPES:
                    self.numeric.append(f.name)
                self.headers.append(header)
                keys.append(f.name)
        #: What each cell holds: a question name, or ``("geo"|"split", name, part)``.
        self.keys: list[Any] = keys
        self.defaults: dict[Any, Any] = dict.fromkeys(keys, "")
        if len(keys) > 1:
            self._get: Callable[[dict[Any, Any]], tuple[Any, ...]] = itemgetter(*keys)
        elif keys:
            only = keys[0]
            self._get = lambda d: (d[only],)
        else:
            self._get = lambda d: ()

    def cells(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The question cells of one entry or repeat instance (not yet neutralised)."""
        merged = self.defaults | values
        for name in self.numeric:
            value = values.get(name)
            if value.__class__ is int or value.__class__ is float:  # float: answers as pushed
                merged[name] = str(value)
        for name, labels in self.multi:
            value = values.get(name)
            if value.__class__ is list:
                try:
                    merged[name] = (
                        " ".join(value)
                        if labels is None
                        else "; ".join(labels.get(v, v) for v in value)
                    )
                except TypeError:  # not all names are text: the encoder makes text of it
                    merged[name] = value if labels is None else [labels.get(v, v) for v in value]
        for name, names in self.split:
            value = values.get(name)
            if value.__class__ is list:
                for choice in names:
                    merged["split", name, choice] = "1" if choice in value else "0"
        for name, labels in self.labelled:
            value = values.get(name)
            if value is not None:
                merged[name] = labels.get(value, value)
        for name in self.geo:
            value = values.get(name)
            if value.__class__ is dict:
                for key in _GEO_KEYS:
                    if key in value:
                        part = value[key]
                        merged["geo", name, key] = (
                            part if part.__class__ is str else cell_text(part)
                        )
        for name in self.image:
            value = values.get(name)
            if value.__class__ is dict:
                merged[name] = value.get("filename", "")
        return self._get(merged)


class ExportLayout:
    """Headers and row builders of every table of one export."""

    def __init__(
        self,
        tables: Sequence[TableSpec],
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        default_lang: str,
        region_names: Mapping[str, str] | None = None,
    ) -> None:
        self.options = options
        self.plans = [_TablePlan(spec, choices, options, default_lang) for spec in tables]
        self.region_names = dict(region_names or {})
        self._children: dict[tuple[str, ...], list[int]] = {}
        #: version -> table index -> stored cells to merged cells (see use_stored_cells)
        self._mappers: dict[str, dict[int, Callable[[str], str]]] = {}
        self._layouts: dict[str, str] = {}
        self._paths = {"/".join(p.spec.repeat_path): i for i, p in enumerate(self.plans)}
        for index, plan in enumerate(self.plans[1:], start=1):
            self._children.setdefault(plan.spec.repeat_path[:-1], []).append(index)

    @property
    def tables(self) -> list[TableSpec]:
        """The table specs, root first."""
        return [plan.spec for plan in self.plans]

    def headers(self, index: int) -> list[str]:
        """The header row of table ``index`` (0 = root)."""
        plan = self.plans[index]
        if index == 0:
            return ["SubmissionDate", *plan.headers, *META_AFTER]
        return [*plan.headers, "PARENT_KEY", "KEY"]

    def root_row(self, record: EntryRecord) -> list[Any]:
        """The root CSV row of one entry laid out from its answers (cells as text)."""
        return [
            record.submission_date,
            *self.plans[0].cells(record.answers),
            *self._meta_cells(record),
        ]

    def _meta_cells(self, record: EntryRecord) -> list[str]:
        return [
            record.key,
            record.officer,
            record.officer_name,
            str(record.attachments_present),
            str(record.attachments_expected),
            record.review_status,
            record.review_comment,
            record.device_id,
            str(record.edits),
            record.form_version,
            record.region,
            self.region_names.get(record.region, ""),
        ]

    def repeat_rows(self, record: EntryRecord) -> Iterator[tuple[int, list[Any]]]:
        """``(table index, row)`` for every repeat instance of one entry, nested ones included.

        KEY is ``<parent KEY>/<repeat>[n]`` (n from 1, as in ODK Central); PARENT_KEY is the
        entry's KEY, or the enclosing repeat instance's KEY for a nested repeat.
        """
        for index, cells, parent_key, key in self.instance_cells(record.answers, record.key):
            yield index, [*cells, parent_key, key]

    def instance_cells(
        self, answers: Mapping[str, Any], entry_key: str
    ) -> Iterator[tuple[int, tuple[Any, ...], str, str]]:
        """``(table index, question cells, PARENT_KEY, KEY)`` of every repeat instance."""
        if len(self.plans) > 1:
            yield from self._instances(answers, (), entry_key)

    def _instances(
        self, values: Mapping[str, Any], path: tuple[str, ...], parent_key: str
    ) -> Iterator[tuple[int, tuple[Any, ...], str, str]]:
        for index in self._children.get(path, ()):
            plan = self.plans[index]
            name = plan.spec.repeat_path[-1]
            instances = values.get(name)
            if not isinstance(instances, list):
                continue
            for number, instance in enumerate(instances, start=1):
                if not isinstance(instance, dict):
                    continue
                key = f"{parent_key}/{name}[{number}]"
                yield index, plan.cells(instance), parent_key, key
                yield from self._instances(instance, plan.spec.repeat_path, key)

    # --- lines: from stored cells when the record has them, else from the answers ---

    def use_stored_cells(self, versions: Mapping[str, Sequence[TableSpec]]) -> None:
        """Read stored cells (:mod:`.cells`) of these form versions (version -> own tables).

        Stored cells are names, not labels, and hold no split columns, so a layout with
        ``labels`` or ``split_select_multiple`` never uses them. A version whose question types
        differ from the merged tables' (published before the compatibility check) is left out.
        """
        if self.options.labels or self.options.split_select_multiple:
            return
        for version, own_tables in versions.items():
            mappers: dict[int, Callable[[str], str]] = {}
            for own in own_tables:
                index = self._paths.get("/".join(own.repeat_path))
                plan = self.plans[index] if index is not None else None
                mapper = _fragment_mapper(own, plan.spec, plan.keys) if plan else None
                if mapper is None:
                    break
                mappers[index] = mapper  # type: ignore[index]
            else:
                self._mappers[version] = mappers
                self._layouts[version] = stored_layout(own_tables)

    @property
    def stored_cell_layouts(self) -> dict[str, str]:
        """Form version -> the ``layout`` key of the stored cells this layout reads."""
        return dict(self._layouts)

    def root_line(self, record: EntryRecord) -> str:
        """The root CSV line of one entry (from its stored cells when the record has them)."""
        if record.cells is None:
            return encode_row(self.root_row(record))
        questions = self._mappers[record.form_version][0](record.cells)
        head, *tail = fixed_cells([record.submission_date, *self._meta_cells(record)])
        if self.plans[0].keys:
            return f"{head},{questions},{','.join(tail)}\r\n"
        return f"{head},{','.join(tail)}\r\n"

    def repeat_lines(self, record: EntryRecord) -> Iterator[tuple[int, str]]:
        """``(table index, CSV line)`` of every repeat instance of one entry."""
        if record.cells is None:
            for index, row in self.repeat_rows(record):
                yield index, encode_row(row)
            return
        if record.repeat_cells is None:
            raise ValueError("the record was read without its repeats' stored cells")
        mappers = self._mappers[record.form_version]
        entry_key = record.key
        # a KEY is the entry's KEY + "/<repeat>[n]"...: when the entry's KEY is a plain field
        # (no quoting, no apostrophe: "uuid:..."), so are the KEYs made from it
        plain = not _needs_fixing(entry_key) and entry_key[:1] not in _DANGER
        for path, key_suffix, fragment in record.repeat_cells:
            index = self._paths[path]
            parent_suffix = key_suffix[: key_suffix.rfind("/")]
            if plain and not _needs_fixing(key_suffix):
                keys = f"{entry_key}{parent_suffix},{entry_key}{key_suffix}"
            else:
                keys = ",".join(fixed_cells((entry_key + parent_suffix, entry_key + key_suffix)))
            if self.plans[index].keys:
                yield index, f"{mappers[index](fragment)},{keys}\r\n"
            else:
                yield index, f"{keys}\r\n"


def stored_layout(tables: Sequence[TableSpec]) -> str:
    """The ``layout`` key of cells stored with one form version's own tables.

    The cell format and a digest of every table's path, questions, types and cell keys: cells
    laid out under other rules, or by another column model, never match and are never read.
    """
    model = [
        (spec.repeat_path, [(f.name, f.type) for f in spec.fields], _own_keys(spec))
        for spec in tables
    ]
    digest = hashlib.sha256(repr(model).encode("utf-8")).hexdigest()[:24]
    return f"{CELLS_FORMAT}.{_CODE_DIGEST}-{digest}"


def _code_digest() -> str:
    """A digest of the code that shapes stored cells (this module, ``cells.py``) and of the
    msgspec version that decodes answers: any change to them makes every stored row stale, so
    a forgotten :data:`CELLS_FORMAT` bump cannot let old cells reach an export."""
    digest = hashlib.sha256(msgspec.__version__.encode("utf-8"))
    here = Path(__file__)
    for name in (here.name, "cells.py"):
        try:
            digest.update(here.with_name(name).read_bytes())
        except OSError:  # no source files (a zipped install): the package version stands in
            digest.update(_package_version().encode("utf-8"))
    return digest.hexdigest()[:8]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kpk-field-survey")
    except PackageNotFoundError:
        return "unknown"


def _own_keys(spec: TableSpec) -> list[Any]:
    """The cell keys of a table with the options stored cells are laid out with."""
    return _TablePlan(spec, {}, ExportOptions(), "").keys


def _fragment_mapper(
    own: TableSpec, merged: TableSpec, merged_keys: Sequence[Any]
) -> Callable[[str], str] | None:
    """Stored cells of one version's table (``CELL_SEP``-joined) -> the merged table's cells.

    ``None`` when a question has another type in the merged table (then the cells do not fit).
    """
    types = {f.name: f.type for f in merged.fields}
    if any(types.get(f.name, f.type) != f.type for f in own.fields):
        return None
    own_keys = _own_keys(own)
    if list(own_keys) == list(merged_keys):
        return lambda fragment: fragment.replace(CELL_SEP, ",")
    at = {key: i for i, key in enumerate(own_keys)}
    missing = len(own_keys)  # the empty cell appended after the stored ones
    positions = [at.get(key, missing) for key in merged_keys]
    if not positions:
        return lambda fragment: ""
    pick = itemgetter(*positions)
    if len(positions) == 1:
        return lambda fragment: [*fragment.split(CELL_SEP), ""][positions[0]]
    return lambda fragment: ",".join(pick([*fragment.split(CELL_SEP), ""]))


_CODE_DIGEST = _code_digest()
