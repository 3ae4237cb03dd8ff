"""The split columns of select_multiple questions, as Central makes them (pure functions).

Central's ``splitSelectMultiples`` lists, after each select_multiple column, one ``0``/``1``
column per value that was chosen in the exported submissions (those the filter keeps), sorted
by value, not per choice of the form: a choice nobody chose has no column, and a value that is
no (longer a) choice has one. :func:`collect_select_values` gathers those values from the
entries' answers (one pass before the export) for
:class:`~sync_server.export.rows.ExportLayout`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .columns import TableSpec

__all__ = ["collect_select_values"]


def _children(tables: Sequence[TableSpec]) -> dict[tuple[str, ...], list[TableSpec]]:
    out: dict[tuple[str, ...], list[TableSpec]] = {}
    for spec in tables[1:]:
        out.setdefault(spec.repeat_path[:-1], []).append(spec)
    return out


def _gather(
    values: Mapping[str, Any],
    spec: TableSpec,
    multi: Mapping[tuple[str, ...], list[str]],
    children: Mapping[tuple[str, ...], list[TableSpec]],
    found: dict[tuple[str, ...], dict[str, set[str]]],
) -> None:
    seen = found.setdefault(spec.repeat_path, {})
    for name in multi.get(spec.repeat_path, ()):
        chosen = values.get(name)
        if isinstance(chosen, list):
            seen.setdefault(name, set()).update(v for v in chosen if isinstance(v, str))
    for inner in children.get(spec.repeat_path, ()):
        instances = values.get(inner.repeat_path[-1])
        if isinstance(instances, list):
            for instance in instances:
                if isinstance(instance, Mapping):
                    _gather(instance, inner, multi, children, found)


def collect_select_values(
    tables: Sequence[TableSpec], answers: Iterable[Mapping[str, Any]]
) -> dict[tuple[str, ...], dict[str, list[str]]]:
    """Table path -> select_multiple question -> the values chosen in ``answers``, sorted.

    Every select_multiple question of the tables is listed (an empty list when nothing was
    chosen: no split column, as in Central).
    """
    multi = {
        spec.repeat_path: [f.name for f in spec.fields if f.type == "select_multiple"]
        for spec in tables
    }
    children = _children(tables)
    found: dict[tuple[str, ...], dict[str, set[str]]] = {}
    if any(multi.values()):
        for values in answers:
            _gather(values, tables[0], multi, children, found)
    return {
        path: {name: sorted(found.get(path, {}).get(name, ())) for name in names}
        for path, names in multi.items()
    }
