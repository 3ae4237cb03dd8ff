"""Answers as flat maps of identity paths, and back (the merge's view of an entry).

A *flat path* is a tuple alternating names and repeat instance identities:
``("jenis_unit",)`` an answer, ``("temuan",)`` a repeat, ``("temuan", "k1")`` one instance of
it (its existence), ``("temuan", "k1", "prioritas")`` an answer inside that instance, and so on
for nested repeats. Components at odd positions are instance identities.

An instance's identity is its ``"@key"`` (a string) when it has one, else ``"#<index>"`` (its
0-based position in its list): ``survey_forms.instance_keys.instance_key``, the one place that
rule lives (tablet, validation and merge agree on it).

Values of the flat map: the answer itself; :data:`REPEAT` for a repeat (a list of objects,
including an empty one); an :class:`Instance` for an instance's existence. ``"@key"`` is never a
field: it lives in the :class:`Instance` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey_forms.instance_keys import instance_key

__all__ = [
    "REPEAT",
    "Instance",
    "Tree",
    "display_path",
    "flatten",
    "instance_key",
]

FlatPath = tuple[str, ...]


class _Repeat:
    def __repr__(self) -> str:
        return "REPEAT"


REPEAT: Any = _Repeat()


@dataclass(frozen=True)
class Instance:
    """The existence of a repeat instance; ``key`` is its explicit ``"@key"`` (or ``None``)."""

    key: str | None


def is_repeat(value: Any) -> bool:
    """A repeat is a list of objects (an empty list counts as a repeat without instances)."""
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def flatten(answers: Mapping[str, Any]) -> tuple[dict[FlatPath, Any], dict[FlatPath, list[str]]]:
    """``answers`` as a flat map, with the order of the instances of every repeat."""
    flat: dict[FlatPath, Any] = {}
    orders: dict[FlatPath, list[str]] = {}
    _flatten_into(flat, orders, (), answers)
    return flat, orders


def _flatten_into(
    flat: dict[FlatPath, Any],
    orders: dict[FlatPath, list[str]],
    prefix: FlatPath,
    obj: Mapping[str, Any],
) -> None:
    for name, value in obj.items():
        if name == "@key" and prefix:
            continue
        path = (*prefix, name)
        if not is_repeat(value):
            flat[path] = value
            continue
        flat[path] = REPEAT
        order: list[str] = []
        for index, item in enumerate(value):
            ident = instance_key(item, index)
            if (*path, ident) in flat:  # a duplicated key: keep both instances apart
                ident = f"{ident}#dup{index}"
            explicit = item.get("@key")
            flat[(*path, ident)] = Instance(explicit if isinstance(explicit, str) else None)
            order.append(ident)
            _flatten_into(flat, orders, (*path, ident), item)
        orders[path] = order


class Tree:
    """A flat map with its instance orders, able to rebuild answers (or any part of them)."""

    def __init__(self, flat: dict[FlatPath, Any], orders: Mapping[FlatPath, list[str]]) -> None:
        self.flat = flat
        self.orders = orders
        self._children: dict[FlatPath, list[str]] | None = None

    def children(self) -> dict[FlatPath, list[str]]:
        """Child components of every path (names of objects, identities of repeats)."""
        if self._children is None:
            children: dict[FlatPath, list[str]] = {}
            for path in self.flat:
                children.setdefault(path[:-1], []).append(path[-1])
            self._children = children
        return self._children

    def value(self, path: FlatPath) -> Any:
        """The answer at ``path`` as plain JSON (``None`` when absent)."""
        value = self.flat.get(path)
        if value is REPEAT:
            return [self._object((*path, ident)) for ident in self._order(path)]
        if isinstance(value, Instance):
            return self._object(path)
        return value

    def answers(self) -> dict[str, Any]:
        """The whole answers object."""
        return self._object(())

    def _order(self, path: FlatPath) -> list[str]:
        present = [i for i in self.children().get(path, []) if (*path, i) in self.flat]
        known = self.orders.get(path, [])
        wanted = set(present)
        ordered = [i for i in known if i in wanted]
        rest = sorted(wanted - set(ordered))
        return ordered + rest

    def _object(self, prefix: FlatPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        existence = self.flat.get(prefix)
        if isinstance(existence, Instance) and existence.key is not None:
            out["@key"] = existence.key
        for name in self.children().get(prefix, []):
            path = (*prefix, name)
            value = self.flat[path]
            if value is REPEAT:
                out[name] = [self._object((*path, ident)) for ident in self._order(path)]
            elif not isinstance(value, Instance):
                out[name] = value
        return out

    def index_of(self, container: FlatPath, ident: str) -> int | None:
        """The position of an instance in its repeat (``None`` when it is not there)."""
        order = self._order(container)
        return order.index(ident) if ident in order else None


def display_path(path: FlatPath, tree: Tree) -> str:
    """The user-facing path (``"temuan[1]/prioritas"``) of ``path``, indexed in ``tree``."""
    out = path[0]
    for pos in range(1, len(path)):
        if pos % 2:
            index = tree.index_of(path[:pos], path[pos])
            out += f"[{index if index is not None else path[pos]}]"
        else:
            out += f"/{path[pos]}"
    return out
