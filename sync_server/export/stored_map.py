"""Stored export cells mapped onto an export's columns, and their ``layout`` key (pure).

See :mod:`.cells` for what is stored. :func:`stored_layout` gives the key that tells stored
cells laid out by other code or for other columns apart; :func:`fragment_mapper` maps one
version's stored cells onto the merged columns of an export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import msgspec

from .columns import TableSpec
from .records import ExportOptions
from .table_plan import TablePlan

__all__ = [
    "CELLS_FORMAT",
    "CELL_SEP",
    "fragment_cells_mapper",
    "fragment_mapper",
    "stored_layout",
]

#: Between the stored cells of :mod:`.cells` (a unit separator: never in a cell that is stored)
CELL_SEP = "\x1f"
#: The version of the cell rules of stored cells. The layout key also holds a digest of this
#: module's and ``cells.py``'s source, so a change there needs no bump; bump it when a rule
#: elsewhere (``columns.py``, ``survey_forms``) changes what a cell holds.
CELLS_FORMAT = 2
#: The modules whose source shapes stored cells: a change to any of them makes every stored row
#: stale (see :func:`_code_digest`).
_CELL_MODULES = (
    "rows.py",
    "cells.py",
    "csv_cells.py",
    "records.py",
    "table_plan.py",
    "stored_map.py",
    "columns.py",
)


def stored_layout(tables: Sequence[TableSpec]) -> str:
    """The ``layout`` key of cells stored with one form version's own tables.

    The cell format and a digest of every table's path, groups, questions, types and cell
    keys: cells laid out under other rules, or by another column model, never match and are
    never read.
    """
    model = [
        (
            spec.repeat_path,
            spec.groups,
            [(f.name, f.type, f.groups) for f in spec.fields],
            _own_keys(spec),
        )
        for spec in tables
    ]
    digest = hashlib.sha256(repr(model).encode("utf-8")).hexdigest()[:24]
    return f"{CELLS_FORMAT}.{_CODE_DIGEST}-{digest}"


def _code_digest() -> str:
    """A digest of the code that shapes stored cells (``_CELL_MODULES``) and of the
    msgspec version that decodes answers: any change to them makes every stored row stale, so
    a forgotten :data:`CELLS_FORMAT` bump cannot let old cells reach an export."""
    digest = hashlib.sha256(msgspec.__version__.encode("utf-8"))
    here = Path(__file__)
    for name in _CELL_MODULES:
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
    return TablePlan(spec, {}, ExportOptions(), "").keys


def fragment_mapper(
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


def fragment_cells_mapper(own: TableSpec, merged_keys: Sequence[Any]) -> Callable[[str], list[str]]:
    """Like :func:`fragment_mapper` (for a version it accepts), but the merged table's cells
    as a list of CSV field texts (quoted and neutralised as stored), for the XLSX writer."""
    own_keys = _own_keys(own)
    if not merged_keys:
        return lambda fragment: []
    if list(own_keys) == list(merged_keys):
        return lambda fragment: fragment.split(CELL_SEP)
    at = {key: i for i, key in enumerate(own_keys)}
    missing = len(own_keys)
    positions = [at.get(key, missing) for key in merged_keys]
    if len(positions) == 1:
        return lambda fragment: [[*fragment.split(CELL_SEP), ""][positions[0]]]
    pick = itemgetter(*positions)
    return lambda fragment: list(pick([*fragment.split(CELL_SEP), ""]))
