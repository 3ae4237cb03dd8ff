"""The instance tree of a form session: the answers of the entry and of each repeat instance.

An :class:`Instance` holds one level of answers (the entry itself, or one instance of a repeat)
and everything the session computed for it. :class:`InstanceTree` addresses instances by their
path (a tuple of 0-based repeat indexes, outermost first) and walks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey_forms.graph import Node
    from survey_forms.model import Choice, Form
    from survey_forms.validation import ValidationIssue

__all__ = ["Instance", "InstanceTree", "Path"]

Path = tuple[int, ...]


class Instance:
    """One level of answers: the entry itself, or one instance of a repeat."""

    __slots__ = (
        "choices",
        "errors",
        "outer",
        "read_only",
        "relevant",
        "repeats",
        "required",
        "type_errors",
        "values",
        "xval",
    )

    def __init__(self, outer: Instance | None) -> None:
        self.outer = outer
        self.values: dict[str, Any] = {}
        self.type_errors: dict[str, str] = {}
        self.xval: dict[str, str] = {}
        self.relevant: dict[str, bool] = {}
        self.required: dict[str, bool] = {}
        self.read_only: dict[str, bool] = {}
        self.choices: dict[str, list[Choice]] = {}
        self.errors: dict[str, ValidationIssue] = {}
        self.repeats: dict[str, list[Instance]] = {}


class InstanceTree:
    """Addressing and walking the instances of a session (a base of ``FormSession``)."""

    form: Form
    nodes: dict[str, Node]
    root: Instance

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


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _raise_index() -> Instance:
    raise IndexError("negative repeat index")
