"""The export's column model: which tables and columns a form's CSV export has.

Pure functions over :class:`survey_forms.Form` objects, no I/O.

A form's export has one **table** for the entries (the root CSV) and one per repeat group
(``<form_id>-<repeat>.csv``), nested repeats included. Each table lists its **fields**: the
questions whose answers are stored (inputs, calculates, start/end/today/deviceid/username), in
form order, without groups, notes and (in the parent's table) repeats.

Every published version of the form contributes: :func:`merge_orders` merges the field lists
of all versions, newest first. The newest version's order is kept as it is; a question that only
older versions have is placed right after the nearest question that precedes it in that older
version and is already placed (at the start when none does). A question's type, choice list
and group path come from the newest version that has it (a repeat's group path too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Field", "TableSpec", "build_tables", "merge_orders", "merged_choices"]


@dataclass(frozen=True)
class Field:
    """One stored question as the export sees it."""

    name: str
    type: str
    list_name: str | None
    #: Names of the non-repeat groups between the table's repeat (or the form) and the question.
    groups: tuple[str, ...] = ()


@dataclass
class TableSpec:
    """One CSV: the root (``repeat_path == ()``) or a repeat group's table."""

    repeat_path: tuple[str, ...]
    fields: list[Field] = field(default_factory=list)
    #: Names of the non-repeat groups between the enclosing repeat (or the form) and this
    #: repeat: they are part of its instances' KEYs (``.../group/repeat[1]``), as in Central.
    groups: tuple[str, ...] = ()

    @property
    def name(self) -> str | None:
        """The repeat's name, ``None`` for the root table."""
        return self.repeat_path[-1] if self.repeat_path else None

    def file_name(self, form_id: str) -> str:
        """``<form_id>.csv`` for the root, ``<form_id>-<repeat>.csv`` for a repeat."""
        return f"{form_id}.csv" if not self.repeat_path else f"{form_id}-{self.repeat_path[-1]}.csv"


def merge_orders(orders: Sequence[Sequence[str]]) -> list[str]:
    """Merge ordered name lists, the first (newest) winning; see the module docstring."""
    merged: list[str] = []
    placed: set[str] = set()
    for order in orders:
        anchor: str | None = None
        for name in order:
            if name in placed:
                anchor = name
                continue
            position = merged.index(anchor) + 1 if anchor is not None else 0
            merged.insert(position, name)
            placed.add(name)
            anchor = name
    return merged


def _walk(
    questions: Iterable[Any],
    repeat_path: tuple[str, ...],
    groups: tuple[str, ...],
    tables: dict[tuple[str, ...], list[Field]],
    repeat_groups: dict[tuple[str, ...], tuple[str, ...]],
) -> None:
    for question in questions:
        if question.type == "repeat":
            inner = (*repeat_path, question.name)
            tables.setdefault(inner, [])
            repeat_groups.setdefault(inner, groups)
            _walk(question.children, inner, (), tables, repeat_groups)
        elif question.type == "group":
            _walk(question.children, repeat_path, (*groups, question.name), tables, repeat_groups)
        elif question.stores_value:
            tables[repeat_path].append(
                Field(question.name, question.type, question.list_name, groups)
            )


def _tables_of(form: Any) -> tuple[dict[tuple[str, ...], list[Field]], dict[Any, Any]]:
    tables: dict[tuple[str, ...], list[Field]] = {(): []}
    repeat_groups: dict[tuple[str, ...], tuple[str, ...]] = {}
    _walk(form.questions, (), (), tables, repeat_groups)
    return tables, repeat_groups


def build_tables(forms: Sequence[Any]) -> list[TableSpec]:
    """The tables of an export over ``forms`` (every version of one form, newest first).

    The root table comes first, then the repeat tables in merged form order (a nested repeat
    after its parent).
    """
    walked = [_tables_of(form) for form in forms]
    per_version = [tables for tables, _ in walked]
    table_order = merge_orders([list(tables) for tables in per_version])
    table_order.remove(())
    table_order.insert(0, ())
    out: list[TableSpec] = []
    for path in table_order:
        newest: dict[str, Field] = {}
        orders: list[list[str]] = []
        for tables in per_version:
            fields = tables.get(path)
            if fields is None:
                continue
            orders.append([f.name for f in fields])
            for f in fields:
                newest.setdefault(f.name, f)
        groups = next((g[path] for _, g in walked if path in g), ())
        out.append(TableSpec(path, [newest[name] for name in merge_orders(orders)], groups))
    return out


def merged_choices(forms: Sequence[Any]) -> dict[str, list[Any]]:
    """Every choice list across versions: choices in merged order, the newest label winning."""
    names: list[str] = merge_orders([list(form.choices) for form in forms])
    out: dict[str, list[Any]] = {}
    for list_name in names:
        newest: dict[str, Any] = {}
        orders: list[list[str]] = []
        for form in forms:
            items = form.choices.get(list_name)
            if items is None:
                continue
            orders.append([c.name for c in items])
            for choice in items:
                newest.setdefault(choice.name, choice)
        out[list_name] = [newest[n] for n in merge_orders(orders)]
    return out
