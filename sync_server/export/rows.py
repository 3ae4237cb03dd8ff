"""Entries to CSV rows: headers and cells of every export table (pure functions).

:class:`ExportLayout` is built once per export from the tables of
:func:`~sync_server.export.columns.build_tables`, the merged choice lists and the
:class:`ExportOptions`. Then :meth:`ExportLayout.root_row` turns one entry record into the root
CSV's row and :meth:`ExportLayout.repeat_rows` gives the rows of the repeat tables.

Cells:

* text answers as they are; integers and decimals as numbers (``87.35``, ``-2.5``);
* select_one: the choice name, or its label with ``labels``; select_multiple: the names
  separated by spaces (labels separated by ``"; "`` with ``labels``, as labels hold spaces), and
  with ``split_select_multiple`` one more column per choice (``1`` chosen, ``0`` not, empty when
  the question is unanswered);
* geopoint: four columns ``-Latitude``, ``-Longitude``, ``-Altitude``, ``-Accuracy``;
* image: the file name;
* unanswered: empty.

Formula injection (OWASP): a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, unless the whole cell is a plain decimal number
(``-2.5`` from a calculate stays a number). Numbers from numeric questions are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .columns import Field, TableSpec

__all__ = [
    "META_AFTER",
    "EntryRecord",
    "ExportLayout",
    "ExportOptions",
    "neutralise",
]

_DANGER = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GEO_PARTS = (
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("Altitude", "altitude"),
    ("Accuracy", "accuracy"),
)

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


def _fix_cell(value: Any) -> Any:
    if value.__class__ is str:
        return neutralise(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return neutralise(" ".join(str(v) for v in value))
    if isinstance(value, dict):
        return neutralise(" ".join(str(v) for v in value.values()))
    return value


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

    @property
    def key(self) -> str:
        """The root KEY, Central's instanceID form: ``uuid:<entry id>``."""
        return self.entry_id if self.entry_id.startswith("uuid:") else f"uuid:{self.entry_id}"


# Column kinds of the compiled plan.
_PLAIN, _LABEL, _MULTI, _MULTI_LABEL, _SPLIT, _GEO, _IMAGE, _RUN = range(8)


class _TablePlan:
    """The compiled columns of one table: headers and a fast row builder."""

    def __init__(
        self,
        spec: TableSpec,
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        default_lang: str,
    ) -> None:
        self.spec = spec
        self.headers: list[str] = []
        self.steps: list[tuple[int, str, Any]] = []
        lang = options.lang or default_lang
        for f in spec.fields:
            header = "-".join((*f.groups, f.name)) if options.group_prefix else f.name
            self._add(f, header, choices, options, lang, default_lang)

    def _add(
        self,
        f: Field,
        header: str,
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        lang: str,
        default_lang: str,
    ) -> None:
        items = list(choices.get(f.list_name or "", ()))
        labels = {c.name: c.label(lang, default_lang) for c in items}
        if f.type == "select_one":
            self.headers.append(header)
            self.steps.append(
                (_LABEL, f.name, labels) if options.labels else (_PLAIN, f.name, None)
            )
        elif f.type == "select_multiple":
            self.headers.append(header)
            if options.labels:
                self.steps.append((_MULTI_LABEL, f.name, labels))
            else:
                self.steps.append((_MULTI, f.name, None))
            if options.split_select_multiple:
                names = [c.name for c in items]
                self.headers.extend(f"{header}/{name}" for name in names)
                self.steps.append((_SPLIT, f.name, names))
        elif f.type == "geopoint":
            self.headers.extend(f"{header}-{title}" for title, _ in _GEO_PARTS)
            self.steps.append((_GEO, f.name, None))
        elif f.type == "image":
            self.headers.append(header)
            self.steps.append((_IMAGE, f.name, None))
        else:
            self.headers.append(header)
            self.steps.append((_PLAIN, f.name, None))
        # Runs of plain columns are read in one comprehension (the hot path).
        self._compact()

    def _compact(self) -> None:
        steps = self.steps
        if not steps or steps[-1][0] != _PLAIN:
            return
        name = steps.pop()[1]
        if steps and steps[-1][0] == _RUN:
            steps[-1][1].append(name)
        else:
            steps.append((_RUN, [name], None))

    def cells(self, values: Mapping[str, Any]) -> list[Any]:
        """The question cells of one entry or repeat instance (not yet neutralised)."""
        get = values.get
        row: list[Any] = []
        for kind, name, extra in self.steps:
            if kind == _RUN:
                row += [get(n, "") for n in name]
                continue
            value = get(name)
            if kind == _LABEL:
                row.append("" if value is None else extra.get(value, value))
            elif kind == _MULTI:
                row.append(" ".join(value) if isinstance(value, list) else (value or ""))
            elif kind == _MULTI_LABEL:
                row.append(
                    "; ".join(extra.get(v, v) for v in value)
                    if isinstance(value, list)
                    else (value or "")
                )
            elif kind == _SPLIT:
                if isinstance(value, list):
                    chosen = set(value)
                    row += [1 if n in chosen else 0 for n in extra]
                else:
                    row += [""] * len(extra)
            elif kind == _GEO:
                if isinstance(value, dict):
                    row += [value.get(key, "") for _, key in _GEO_PARTS]
                else:
                    row += ["", "", "", ""]
            elif kind == _IMAGE:
                row.append(value.get("filename", "") if isinstance(value, dict) else value or "")
        return row


def _finish(row: list[Any]) -> list[Any]:
    return [
        _fix_cell(v)
        if (v.__class__ is str and v[:1] in _DANGER) or v.__class__ in (list, dict, bool)
        else v
        for v in row
    ]


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
        """The root CSV row of one entry."""
        row = [record.submission_date, *self.plans[0].cells(record.answers)]
        row += [
            record.key,
            record.officer,
            record.officer_name,
            record.attachments_present,
            record.attachments_expected,
            record.review_status,
            record.review_comment,
            record.device_id,
            record.edits,
            record.form_version,
            record.region,
            self.region_names.get(record.region, ""),
        ]
        return _finish(row)

    def repeat_rows(self, record: EntryRecord) -> Iterator[tuple[int, list[Any]]]:
        """``(table index, row)`` for every repeat instance of one entry, nested ones included."""
        if len(self.plans) == 1:
            return
        yield from self._instances(record.answers, (), record.key)

    def _instances(
        self, values: Mapping[str, Any], path: tuple[str, ...], parent_key: str
    ) -> Iterator[tuple[int, list[Any]]]:
        for index, plan in enumerate(self.plans):
            spec = plan.spec
            if len(spec.repeat_path) != len(path) + 1 or spec.repeat_path[:-1] != path:
                continue
            instances = values.get(spec.repeat_path[-1])
            if not isinstance(instances, list):
                continue
            for number, instance in enumerate(instances, start=1):
                if not isinstance(instance, dict):
                    continue
                key = f"{parent_key}/{spec.repeat_path[-1]}[{number}]"
                yield index, _finish([*plan.cells(instance), parent_key, key])
                yield from self._instances(instance, spec.repeat_path, key)
