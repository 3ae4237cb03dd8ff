"""Entries to CSV rows: headers and cells of every export table (pure functions).

:class:`ExportLayout` is built once per export from the tables of
:func:`~sync_server.export.columns.build_tables`, the merged choice lists and the
:class:`ExportOptions`. Then :meth:`ExportLayout.root_line` turns one entry record into the
root CSV's line and :meth:`ExportLayout.repeat_lines` gives the lines of the repeat tables: from
the entry's stored cells (:mod:`.cells`) when the record carries them, else from its answers
(:meth:`ExportLayout.root_row`, :meth:`ExportLayout.repeat_rows`, :func:`encode_row`).

The pieces live in their own modules: :mod:`.csv_cells` (quoting, neutralising, joining),
:mod:`.records` (entry records, options, answer decoding), :mod:`.table_plan` (one table's
columns and cells) and :mod:`.stored_map` (stored cells onto the columns, the layout key).
The names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .columns import TableSpec
from .csv_cells import (
    DANGER_OR_QUOTE,
    cell_text,
    encode_row,
    fixed_cells,
    join_fixed,
    needs_fixing,
    neutralise,
)
from .records import EntryRecord, ExportOptions, decode_answers, device_of
from .stored_map import (
    CELL_SEP,
    CELLS_FORMAT,
    fragment_cells_mapper,
    fragment_mapper,
    stored_layout,
)
from .table_plan import TablePlan

__all__ = [
    "CELLS_FORMAT",
    "CELL_SEP",
    "EXTRA_AFTER",
    "META_AFTER",
    "EntryRecord",
    "ExportLayout",
    "ExportOptions",
    "cell_text",
    "central_review_state",
    "decode_answers",
    "device_of",
    "encode_row",
    "fixed_cells",
    "join_fixed",
    "neutralise",
    "stored_layout",
]

#: Root columns after the questions and ``meta-instanceID``, in Central's order
#: (``SubmissionDate`` comes first of all).
META_AFTER = (
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)
#: Our own root columns, after Central's: scripts written for Central never see them move.
EXTRA_AFTER = ("RegionCode", "RegionName", "ReviewStatus", "ReviewComment")

#: Our review status -> Central's ``ReviewState`` vocabulary (``received``: empty, or
#: ``edited`` once the entry has a revision after its first).
_CENTRAL_REVIEW = {
    "approved": "approved",
    "rejected": "rejected",
    "needs_correction": "hasIssues",
    "conflict": "hasIssues",
}


def central_review_state(status: str, edits: int) -> str:
    """The ``ReviewState`` cell: Central's word for our review status (see ``_CENTRAL_REVIEW``)."""
    if status in _CENTRAL_REVIEW:
        return _CENTRAL_REVIEW[status]
    return "edited" if edits > 0 else ""


def repeat_key_part(spec: TableSpec, number: int) -> str:
    """The KEY suffix one repeat instance adds: ``/<groups>/<repeat>[n]``, as in Central."""
    return "/" + "/".join((*spec.groups, spec.repeat_path[-1])) + f"[{number}]"


def parent_suffix(key_suffix: str) -> str:
    """The parent's KEY suffix of a repeat KEY suffix: all up to the enclosing ``[n]``.

    Names hold neither ``/`` nor ``[``/``]``, so the parent's part ends with the last ``]``
    before the instance's own ``[n]`` (none: the entry itself, suffix ``""``).
    """
    return key_suffix[: key_suffix.rfind("]", 0, key_suffix.rfind("[")) + 1]


class ExportLayout:
    """Headers and row builders of every table of one export."""

    def __init__(
        self,
        tables: Sequence[TableSpec],
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        default_lang: str,
        region_names: Mapping[str, str] | None = None,
        select_values: Mapping[tuple[str, ...], Mapping[str, Sequence[str]]] | None = None,
    ) -> None:
        """``select_values``: table path -> select_multiple question -> the values its split
        columns list (Central's: the values chosen in the exported entries, sorted); a question
        not given lists its choice names."""
        self.options = options
        values = select_values or {}
        self.plans = [
            TablePlan(spec, choices, options, default_lang, values.get(spec.repeat_path))
            for spec in tables
        ]
        self.region_names = dict(region_names or {})
        self._children: dict[tuple[str, ...], list[int]] = {}
        #: version -> table index -> stored cells to merged cells (see use_stored_cells)
        self._mappers: dict[str, dict[int, Callable[[str], str]]] = {}
        #: the same, giving lists of field texts (for the XLSX writer)
        self._cell_mappers: dict[str, dict[int, Callable[[str], list[str]]]] = {}
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
            instance_id = "meta-instanceID" if self.options.group_prefix else "instanceID"
            return ["SubmissionDate", *plan.headers, instance_id, *META_AFTER, *EXTRA_AFTER]
        return [*plan.headers, "PARENT_KEY", "KEY"]

    def root_row(self, record: EntryRecord) -> list[Any]:
        """The root CSV row of one entry laid out from its answers (cells as text)."""
        return [
            record.submission_date,
            *self.plans[0].cells(record.answers),
            *self._meta_cells(record),
        ]

    def _meta_cells(self, record: EntryRecord) -> list[str]:
        key = record.key
        return [
            key,  # meta-instanceID: the entry's instanceID is its KEY, as in Central
            key,
            record.officer,
            record.officer_name,
            str(record.attachments_present),
            str(record.attachments_expected),
            "",  # Status: Central's decryption status; our entries are never encrypted
            central_review_state(record.review_status, record.edits),
            record.device_id,
            str(record.edits),
            record.form_version,
            record.region,
            self.region_names.get(record.region, ""),
            record.review_status,
            record.review_comment,
        ]

    def repeat_rows(self, record: EntryRecord) -> Iterator[tuple[int, list[Any]]]:
        """``(table index, row)`` for every repeat instance of one entry, nested ones included.

        KEY is ``<parent KEY>/<groups>/<repeat>[n]`` (n from 1, the non-repeat groups around
        the repeat included, as in ODK Central); PARENT_KEY is the
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
            instances = values.get(plan.spec.repeat_path[-1])
            if not isinstance(instances, list):
                continue
            for number, instance in enumerate(instances, start=1):
                if not isinstance(instance, dict):
                    continue
                key = parent_key + repeat_key_part(plan.spec, number)
                yield index, plan.cells(instance), parent_key, key
                yield from self._instances(instance, plan.spec.repeat_path, key)

    # --- lines: from stored cells when the record has them, else from the answers ---

    def use_stored_cells(self, versions: Mapping[str, Sequence[TableSpec]]) -> None:
        """Read stored cells (:mod:`.cells`) of these form versions (version -> own tables).

        Stored cells are names, not labels, and hold no split columns, so a layout with
        ``labels`` or ``split_select_multiple`` never uses them. A version whose question types
        differ from the merged tables' (published before the compatibility check), or whose
        repeats sit in other groups (their stored KEYs would differ), is left out.
        """
        if self.options.labels or self.options.split_select_multiple:
            return
        for version, own_tables in versions.items():
            mappers: dict[int, Callable[[str], str]] = {}
            cell_mappers: dict[int, Callable[[str], list[str]]] = {}
            for own in own_tables:
                index = self._paths.get("/".join(own.repeat_path))
                plan = self.plans[index] if index is not None else None
                if plan is None or plan.spec.groups != own.groups:
                    break
                mapper = fragment_mapper(own, plan.spec, plan.keys)
                if mapper is None:
                    break
                mappers[index] = mapper  # type: ignore[index]
                cell_mappers[index] = fragment_cells_mapper(own, plan.keys)  # type: ignore[index]
            else:
                self._mappers[version] = mappers
                self._cell_mappers[version] = cell_mappers
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
        head = fixed_cells([record.submission_date])[0]
        # the metadata cells are mostly plain: one joined search beats 15 cell checks
        tail = join_fixed(self._meta_cells(record), ",", short=0)
        if self.plans[0].keys:
            return f"{head},{questions},{tail}\r\n"
        return f"{head},{tail}\r\n"

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
        # a KEY is the entry's KEY + "/<groups>/<repeat>[n]"...: when the entry's KEY is a
        # plain field (no quoting, no apostrophe: "uuid:..."), so are the KEYs made from it
        plain = not needs_fixing(entry_key) and entry_key[:1] not in DANGER_OR_QUOTE
        for path, key_suffix, fragment in record.repeat_cells:
            index = self._paths[path]
            parent = parent_suffix(key_suffix)
            if plain and not needs_fixing(key_suffix):
                keys = f"{entry_key}{parent},{entry_key}{key_suffix}"
            else:
                keys = ",".join(fixed_cells((entry_key + parent, entry_key + key_suffix)))
            if self.plans[index].keys:
                yield index, f"{mappers[index](fragment)},{keys}\r\n"
            else:
                yield index, f"{keys}\r\n"

    # --- field texts per row: what the CSV writes, as lists (the XLSX writer's input) ---

    def field_rows(self, record: EntryRecord) -> Iterator[tuple[int, list[str]]]:
        """``(table index, cells)`` of every row of one entry, the root row first: each cell
        the CSV field text (neutralised, quoted where the CSV quotes), from the stored cells
        when the record has them (read ``with_repeats``), else from its answers."""
        head = fixed_cells([record.submission_date])
        meta = fixed_cells(self._meta_cells(record))
        if record.cells is None:
            yield 0, [*head, *_fields(self.plans[0].cells(record.answers)), *meta]
            for index, cells, parent_key, key in self.instance_cells(record.answers, record.key):
                yield index, [*_fields(cells), *fixed_cells((parent_key, key))]
            return
        if record.repeat_cells is None:
            raise ValueError("the record was read without its repeats' stored cells")
        mappers = self._cell_mappers[record.form_version]
        yield 0, [*head, *mappers[0](record.cells), *meta]
        entry_key = record.key
        for path, key_suffix, fragment in record.repeat_cells:
            index = self._paths[path]
            keys = fixed_cells((entry_key + parent_suffix(key_suffix), entry_key + key_suffix))
            yield index, [*mappers[index](fragment), *keys]


def _fields(cells: Sequence[Any]) -> list[str]:
    """Question cells as CSV field texts (the stored cells' form, as a list)."""
    if not cells:
        return []
    parts = join_fixed(cells, CELL_SEP).split(CELL_SEP)
    return parts if len(parts) == len(cells) else fixed_cells(cells)
