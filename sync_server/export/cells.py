"""An entry's export cells, laid out once per head revision (pure functions).

The CSV export spends most of its time decoding each entry's answers and laying out its ~165
cells. Those cells change only when the entry's head revision changes, so the server's
background worker (:mod:`.cell_worker`) lays them out once, with :class:`CellRenderer`, and
stores them in ``export_cells`` (:mod:`.cell_store`). An export then reads the stored text and
joins it (:meth:`~sync_server.export.rows.ExportLayout.root_line`), three to four times faster.

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
Stored cells are used only while their ``rev`` is the entry's head and their ``layout`` is the
one :func:`~.rows.stored_layout` gives for that form version today (the cell format
:data:`~.rows.CELLS_FORMAT`, a digest of the source of :mod:`.rows` and this module and of the
msgspec version, and a digest of the version's own columns), so a stale row, or one laid out
by other code, is never exported: the export lays the entry out from its answers instead, and
the worker lays it out again.

Nothing is stored for an entry when a cell would hold the separator or a NUL (PostgreSQL text
cannot), or when an answer is not a question of the entry's own version (a later version could
make it a column, which only the answers can then fill).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from survey_forms.instance_keys import KEY

from .columns import build_tables
from .rows import (
    CELL_SEP,
    CELLS_FORMAT,
    ExportLayout,
    ExportOptions,
    device_of,
    join_fixed,
    stored_layout,
)

__all__ = ["CELLS_FORMAT", "CellRenderer", "StoredCells", "decode_repeats"]


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
    """The cells as CSV fields joined with ``CELL_SEP``; ``None`` if a cell holds ``CELL_SEP``
    or NUL."""
    if not cells:
        return ""
    fragment = join_fixed(cells, CELL_SEP)
    if fragment.count(CELL_SEP) != len(cells) - 1 or "\x00" in fragment:
        return None
    return fragment


class CellRenderer:
    """Lays out the stored cells of entries filled with one form version."""

    def __init__(self, form: Any) -> None:
        self.form_id: str = form.form_id
        self.version: str = form.version
        tables = build_tables([form])
        self.layout = ExportLayout(tables, form.choices, ExportOptions(), form.default_language)
        #: the ``layout`` key of the cells this renderer lays out
        self.layout_key = stored_layout(tables)
        #: table path -> the answer names that table lays out (its questions, its repeats;
        #: in a repeat instance also its "@key", an identity that is never a column)
        self._known: dict[tuple[str, ...], frozenset[str]] = {}
        #: table path -> the repeats directly inside it
        self._repeats: dict[tuple[str, ...], list[str]] = {}
        for spec in tables:
            inner = [t.name for t in tables if t.name and t.repeat_path[:-1] == spec.repeat_path]
            self._repeats[spec.repeat_path] = inner  # type: ignore[assignment]
            own = [f.name for f in spec.fields] + inner + ([KEY] if spec.repeat_path else [])
            self._known[spec.repeat_path] = frozenset(own)

    def _only_known(self, values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
        """No answer outside this version's questions (at any depth of repeats).

        An answer the version does not have (after a merge across versions, say) could become
        a column of a later version; only the export of the answers themselves writes it then.
        """
        if not values.keys() <= self._known[path]:
            return False
        for name in self._repeats[path]:
            instances = values.get(name)
            if isinstance(instances, list):
                inner = (*path, name)
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
        device_id = device_of(meta, answers)
        if "\x00" in device_id:
            return None
        return StoredCells(
            device_id,
            root,
            _encode(repeats).decode("utf-8") if repeats else None,
        )
