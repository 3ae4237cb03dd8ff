"""An entry's export cells, laid out once when its head revision is written (pure functions).

The CSV export spends most of its time decoding each entry's answers and laying out its ~165
cells. Those cells change only when the entry's head revision changes, so the write paths
(push, supervisor edit, conflict resolution, merge) lay them out once, with :class:`CellRenderer`,
and store them in ``export_cells`` (:mod:`.cell_store`). An export then reads the stored text and
joins it (:meth:`~sync_server.export.rows.ExportLayout.root_line`), about five times faster.

What is stored, for the form version the entry was filled with and the default options (choice
names, no split columns; the group prefix changes only the headers):

* ``root``: the root table's question cells in that version's own column order, quoted and
  neutralised exactly as the CSV writes them, joined with :data:`~.rows.CELL_SEP` (the ASCII unit
  separator), so the export can map them onto the columns of every published version;
* ``repeats``: ``[[repeat path, KEY suffix, cells], ...]`` for every repeat instance, the KEY
  suffix relative to the entry's KEY (``/temuan[2]``);
* ``device_id``: the metadata cell the export would otherwise read from the answers.

Metadata that changes without a new revision (review state, comment, edits, attachments,
officer name, region name) is never stored; the export reads it from the database each time.
Stored cells are used only while their ``rev`` is the entry's head and their ``fmt`` is
:data:`CELLS_FORMAT`, so a stale or older row is never exported: the export lays the entry out
from its answers instead. Bump :data:`CELLS_FORMAT` whenever the cell rules of :mod:`.rows`
change; ``survey-server init-db`` then lays the rows out again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from .columns import build_tables
from .rows import CELL_SEP, ExportLayout, ExportOptions, cell_text, device_of, join_fixed

__all__ = ["CELLS_FORMAT", "CellRenderer", "StoredCells", "decode_repeats"]

#: The version of the cell rules the stored rows were made with.
CELLS_FORMAT = 1

_encode = msgspec.json.encode
_decode_repeats = msgspec.json.Decoder(list[list[str]]).decode


@dataclass(frozen=True)
class StoredCells:
    """What ``export_cells`` holds for one head revision (``repeats`` is JSON or ``None``)."""

    device_id: str
    root: str
    repeats: str | None


def decode_repeats(text: str | None) -> list[list[str]] | None:
    """The stored ``repeats`` column as ``[[path, KEY suffix, cells], ...]``."""
    return _decode_repeats(text) if text else None


def _fragment(cells: Sequence[Any]) -> str | None:
    """The cells as CSV fields joined with ``CELL_SEP``; ``None`` if a cell holds ``CELL_SEP``."""
    if not cells:
        return ""
    # answers as pushed hold floats (geopoints, decimals): text first keeps the fast join
    fragment = join_fixed([c if c.__class__ is str else cell_text(c) for c in cells], CELL_SEP)
    if fragment.count(CELL_SEP) != len(cells) - 1:
        return None
    return fragment


class CellRenderer:
    """Lays out the stored cells of entries filled with one form version."""

    def __init__(self, form: Any) -> None:
        self.version: str = form.version
        self.layout = ExportLayout(
            build_tables([form]), form.choices, ExportOptions(), form.default_language
        )
        tables = self.layout.tables
        #: table path -> the answer names that table lays out (its questions, its repeats)
        self._known: dict[tuple[str, ...], frozenset[str]] = {
            spec.repeat_path: frozenset(
                [f.name for f in spec.fields]
                + [t.name for t in tables if t.name and t.repeat_path[:-1] == spec.repeat_path]
            )
            for spec in tables
        }

    def _only_known(self, values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
        """No answer outside this version's questions (at any depth of repeats).

        An answer the version does not have (after a merge across versions, say) could become
        a column of a later version; only the export of the answers themselves writes it then.
        """
        known = self._known[path]
        if not values.keys() <= known:
            return False
        for name in values.keys() & known:
            inner = (*path, name)
            instances = values[name]
            if inner in self._known and isinstance(instances, list):
                for instance in instances:
                    if isinstance(instance, dict) and not self._only_known(instance, inner):
                        return False
        return True

    def render(self, answers: Mapping[str, Any], meta: Mapping[str, Any]) -> StoredCells | None:
        """The stored cells of one head revision; ``None`` when a cell cannot be stored (it
        holds the separator, or an answer is not one of this version's questions), so the
        export lays that entry out from its answers."""
        if not self._only_known(answers, ()):
            return None
        root = _fragment(self.layout.plans[0].cells(answers))
        if root is None:
            return None
        repeats: list[list[str]] = []
        for index, cells, _parent, key in self.layout.instance_cells(answers, ""):
            fragment = _fragment(cells)
            if fragment is None:
                return None
            repeats.append(["/".join(self.layout.plans[index].spec.repeat_path), key, fragment])
        return StoredCells(
            device_of(meta, answers),
            root,
            _encode(repeats).decode("utf-8") if repeats else None,
        )
