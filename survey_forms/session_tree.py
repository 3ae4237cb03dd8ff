"""The instance tree of a form session: the answers of the entry and of each repeat instance.

An :class:`Instance` holds one level of answers (the entry itself, or one instance of a repeat)
and everything the session computed for it; a repeat instance also holds its stable key
(``"@key"``, see :mod:`survey_forms.instance_keys`). :class:`InstanceTree` addresses instances by
their path (a tuple of 0-based repeat indexes, outermost first), walks them, and counts them
against :data:`MAX_INSTANCES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from weakref import ref

if TYPE_CHECKING:
    from survey_forms.graph import Node
    from survey_forms.model import Choice, Form
    from survey_forms.validation import ValidationIssue

__all__ = ["MAX_INSTANCES", "MAX_REPEAT_COUNT", "Instance", "InstanceTree", "Path"]

Path = tuple[int, ...]

#: The most instances one repeat's ``repeat_count`` may ask for.
MAX_REPEAT_COUNT = 10_000

#: The most repeat instances one entry may have, every repeat and nesting level together.
#: ``repeat_count`` comes from the answers, and nested repeats multiply (10,000 x 10,000 would
#: be 10^8 instances, which would stall a server validating a pushed entry). A session builds
#: no instance beyond this total; each repeat that wanted more reports ``too_many_instances``
#: (see :meth:`InstanceTree._capped_issues`). The pilot forms use tens of instances.
MAX_INSTANCES = 20_000


class Instance:
    """One level of answers: the entry itself, or one instance of a repeat.

    An instance refers to the instance it is inside (:attr:`outer`) weakly: the outer one
    holds it in ``repeats``, and a strong reference back would make every session with a
    repeat a reference cycle, left to the cyclic garbage collector (whose full passes over the
    server's heap cost more than the sessions themselves). The tree is held from its root.
    """

    __slots__ = (
        "__weakref__",
        "_outer",
        "choices",
        "errors",
        "key",
        "read_only",
        "relevant",
        "repeats",
        "required",
        "type_errors",
        "values",
        "xval",
    )

    def __init__(self, outer: Instance | None, key: str | None = None) -> None:
        self._outer = None if outer is None else ref(outer)
        #: the instance's ``"@key"`` (``None`` for the entry itself)
        self.key = key
        self.values: dict[str, Any] = {}
        self.type_errors: dict[str, str] = {}
        self.xval: dict[str, str] = {}
        self.relevant: dict[str, bool] = {}
        self.required: dict[str, bool] = {}
        self.read_only: dict[str, bool] = {}
        self.choices: dict[str, list[Choice]] = {}
        self.errors: dict[str, ValidationIssue] = {}
        self.repeats: dict[str, list[Instance]] = {}

    @property
    def outer(self) -> Instance | None:
        """The instance this one is inside (``None`` for the entry itself, or once the tree
        it was in is gone)."""
        outer = self._outer
        return None if outer is None else outer()


class InstanceTree:
    """Addressing and walking the instances of a session (a base of ``FormSession``)."""

    form: Form
    nodes: dict[str, Node]
    root: Instance
    #: how many repeat instances the tree holds (all levels; the root is not one)
    _total: int = 0
    #: repeats that wanted more instances than :data:`MAX_INSTANCES` left room for:
    #: ``(id(outer), repeat name) -> (outer instance, repeat node, instances wanted)``
    _capped: dict[tuple[int, str], tuple[Instance, Node, int]]

    # -- counting instances --------------------------------------------------------------------

    def _room(self) -> int:
        """How many more repeat instances the entry may have."""
        return MAX_INSTANCES - self._total

    def _new_child(self, outer: Instance, instances: list[Instance], key: str) -> Instance:
        """Append a new instance with ``key`` to ``instances`` (a repeat list of ``outer``)."""
        child = Instance(outer, key)
        instances.append(child)
        self._total += 1
        return child

    def _forget(self, inst: Instance) -> None:
        """Count out ``inst`` and every instance inside it (it was removed from the tree)."""
        self._total -= _size(inst)

    def _note_cap(self, outer: Instance, node: Node, wanted: int | None) -> None:
        """Record (``wanted``) or clear (``None``) that repeat ``node`` in ``outer`` was capped."""
        slot = (id(outer), node.name)
        if wanted is None:
            if self._capped:
                self._capped.pop(slot, None)
        else:
            self._capped[slot] = (outer, node, wanted)

    def _capped_issues(self) -> list[tuple[Node, Path, int]]:
        """The capped repeats still in the tree: ``(repeat node, outer path, wanted)``."""
        out = []
        positions: dict[int, dict[int, int]] = {}  # per sibling list: id(instance) -> index
        for slot, (outer, node, wanted) in list(self._capped.items()):
            path = self._path_of(outer, node.repeat_path, positions)
            if path is None:
                del self._capped[slot]  # its instance was removed since
            else:
                out.append((node, path, wanted))
        return out

    def _path_of(
        self, inst: Instance, repeat_path: tuple[str, ...], positions: dict[int, dict[int, int]]
    ) -> Path | None:
        """The path of ``inst``, an instance of ``repeat_path``; ``None`` if it was removed.

        ``positions`` caches the index of every instance of each list looked at.
        """
        indexes: list[int] = []
        for repeat in reversed(repeat_path):
            outer = inst.outer
            if outer is None:
                return None
            siblings = outer.repeats.get(repeat, [])
            where = positions.get(id(siblings))
            if where is None:
                where = positions[id(siblings)] = {id(item): i for i, item in enumerate(siblings)}
            index = where.get(id(inst))
            if index is None:
                return None
            indexes.append(index)
            inst = outer
        if inst is not self.root:
            return None
        return tuple(reversed(indexes))

    # -- addressing ----------------------------------------------------------------------------

    def _instance(self, repeat_path: tuple[str, ...], path: Path) -> Instance:
        inst = self.root
        for repeat, index in zip(repeat_path, path, strict=True):
            inst = inst.repeats.get(repeat, [])[index] if index >= 0 else _raise_index()
        return inst

    def _node(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            raise KeyError(f"no question {name!r} in form {self.form.form_id}") from None

    def _locate(self, name: str, instance: Path) -> tuple[Node, Instance]:
        node = self._node(name)
        if len(instance) != node.depth:
            raise IndexError(
                f"{name!r} is inside {node.depth} repeat(s): give {node.depth} instance "
                f"index(es), not {len(instance)}"
            )
        try:
            return node, self._instance(node.repeat_path, tuple(instance))
        except IndexError:
            raise IndexError(f"no repeat instance {instance} for {name!r}") from None

    def _paths(
        self, repeat_path: tuple[str, ...], prefix: Path, relevant: bool = False
    ) -> Iterator[tuple[Path, Instance]]:
        """Every instance path of ``repeat_path`` starting with ``prefix``, with its instance.

        With ``relevant``, instances of repeats that are not relevant are left out (what
        expressions see: a repeat that does not apply has no instances).
        """
        try:
            start = self._instance(repeat_path[: len(prefix)], prefix)
        except IndexError:
            return
        yield from self._expand(start, repeat_path, len(prefix), prefix, relevant)

    def _expand(
        self,
        inst: Instance,
        repeat_path: tuple[str, ...],
        level: int,
        path: Path,
        relevant: bool = False,
    ) -> Iterator[tuple[Path, Instance]]:
        if level == len(repeat_path):
            yield path, inst
            return
        repeat = repeat_path[level]
        if relevant and not inst.relevant.get(repeat, False):
            return
        for index, child in enumerate(inst.repeats.get(repeat, [])):
            yield from self._expand(child, repeat_path, level + 1, (*path, index), relevant)

    def _collect(self, name: str, prefix: Path) -> list[str]:
        """The values of ``name`` in every relevant repeat instance below ``prefix``."""
        node = self.nodes[name]
        if node.type == "repeat":
            return ["" for _ in self._paths((*node.repeat_path, name), prefix, relevant=True)]
        return [
            inst.xval.get(name, "")
            for _, inst in self._paths(node.repeat_path, prefix, relevant=True)
        ]


def _size(inst: Instance) -> int:
    """``inst`` and every instance inside it."""
    return 1 + sum(_size(child) for items in inst.repeats.values() for child in items)


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _raise_index() -> Instance:
    raise IndexError("negative repeat index")
