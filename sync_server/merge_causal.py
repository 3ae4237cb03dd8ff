"""Causal, per-field merging over an entry's revision graph (see :mod:`sync_server.merge`).

Every revision gets a :class:`State`: its answers as a flat map (:mod:`.merge_paths`), for every
flat path the set of revisions that *last wrote* it as this revision sees it (a multi-value
register: an antichain of writers), and the paths whose conflict is still open at it.

* a revision without known parents wrote every path it holds;
* an edit (tablet or supervisor) writes the paths whose value differs from its parent's; a
  supervisor's revision also writes every path that is open or has several writers at its
  parent (a resolution is a write, even back to an older value) and closes all conflicts;
* a merge writes nothing: per path, a side whose writers descend from (or are) all the other
  side's writers wins; otherwise the writers are concurrent: equal values merge, different
  values are a conflict (the ``ours`` value is kept, both writers stay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey_forms.revisions import canonical_json, generation

from .merge_paths import REPEAT, FlatPath, Instance, Tree, display_path, flatten

__all__ = ["Graph", "State", "StepResult"]

Writers = frozenset[str]
_NONE: Writers = frozenset()


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class State:
    """One revision as the merge sees it."""

    tree: Tree
    writers: dict[FlatPath, Writers]
    open: dict[FlatPath, dict[str, Any]] = field(default_factory=dict)


@dataclass
class StepResult:
    """A merge of two states: the merged tree, writers, open conflicts and new conflicts."""

    tree: Tree
    writers: dict[FlatPath, Writers]
    open: dict[FlatPath, dict[str, Any]]
    conflicts: list[dict[str, Any]]


class Graph:
    """The revisions of one entry with their ancestor sets and merge states (memoized)."""

    def __init__(
        self,
        parents: Mapping[str, tuple[str, ...]],
        kinds: Mapping[str, str],
        answers: Mapping[str, Mapping[str, Any]],
        derived: Callable[[str], frozenset[str]],
    ) -> None:
        self.parents = dict(parents)
        self.kinds = dict(kinds)
        self.answers = dict(answers)
        self.derived = derived  # rev -> calculated names
        self._anc: dict[str, frozenset[str]] = {}
        self._states: dict[str, State] = {}
        self._keys: dict[str, tuple[int, str]] = {}

    def order_key(self, rev: str) -> tuple[int, str]:
        """``(generation, rev)``: the fixed order of revisions (memoized)."""
        key = self._keys.get(rev)
        if key is None:
            key = self._keys[rev] = (generation(rev), rev)
        return key

    def add(
        self, rev: str, parents: tuple[str, ...], kind: str, answers: Mapping[str, Any]
    ) -> None:
        """Add a revision (a merge the planner just made)."""
        self.parents[rev] = parents
        self.kinds[rev] = kind
        self.answers[rev] = answers

    def ancestors(self, rev: str) -> frozenset[str]:
        """``rev`` and every known revision it descends from."""
        if rev in self._anc:
            return self._anc[rev]
        # iterative, oldest first, so long histories do not recurse deeply
        pending = [rev]
        todo: list[str] = []
        while pending:
            current = pending.pop()
            if current in self._anc or current not in self.parents or current in todo:
                continue
            todo.append(current)
            pending.extend(self.parents[current])
        for current in sorted(todo, key=self.order_key):
            acc = {current}
            for parent in self.parents[current]:
                if parent in self.parents:
                    acc |= self._ancestors_known(parent)
            self._anc[current] = frozenset(acc)
        return self._anc.get(rev, frozenset({rev}))

    def _ancestors_known(self, rev: str) -> frozenset[str]:
        if rev not in self._anc:
            return self.ancestors(rev)
        return self._anc[rev]

    def common_ancestor(self, a: str, b: str) -> str | None:
        """The newest common ancestor (highest generation, then id); only for display/order."""
        shared = self.ancestors(a) & self.ancestors(b)
        return max(shared, key=self.order_key) if shared else None

    def state(self, rev: str) -> State:
        """The merge state of ``rev`` (computed once, parents first)."""
        if rev in self._states:
            return self._states[rev]
        todo = [r for r in self.ancestors(rev) if r not in self._states]
        for current in sorted(todo, key=self.order_key):
            self._states[current] = self._compute(current)
        return self._states[rev]

    def set_state(self, rev: str, state: State) -> None:
        self._states[rev] = state

    def _compute(self, rev: str) -> State:
        flat, orders = flatten(self.answers[rev])
        tree = Tree(flat, orders)
        parents = [p for p in self.parents[rev] if p in self.parents]
        kind = self.kinds[rev]
        if not parents:
            return State(tree, {path: frozenset({rev}) for path in flat})
        if kind == "merge" and len(parents) == 2:
            step = self.merge(parents[0], parents[1], self.derived(rev))
            return State(tree, step.writers, step.open)
        parent = self.state(parents[0])
        writers = dict(parent.writers)
        supervisor = kind == "supervisor"
        for path in set(flat) | set(parent.tree.flat):
            before = parent.tree.flat.get(path, MISSING)
            after = flat.get(path, MISSING)
            if not _same(before, after) or (
                supervisor and (len(writers.get(path, _NONE)) > 1 or path in parent.open)
            ):
                writers[path] = frozenset({rev})
        return State(tree, writers, {} if supervisor else dict(parent.open))

    def covers(self, xs: Writers, ws: Writers) -> bool:
        """Every writer in ``ws`` is one of ``xs`` or an ancestor of one of them."""
        return all(any(w in self.ancestors(x) for x in xs) for w in ws)

    def maximal(self, ws: Writers) -> Writers:
        """``ws`` without the writers another one of them descends from."""
        if len(ws) < 2:
            return ws
        return frozenset(w for w in ws if not any(o != w and w in self.ancestors(o) for o in ws))

    def merge(self, a: str, b: str, derived: frozenset[str]) -> StepResult:
        """Merge revision ``a`` (ours) with ``b`` (theirs), per path by causal history."""
        sa, sb = self.state(a), self.state(b)
        base_rev = self.common_ancestor(a, b)
        base = self.state(base_rev).tree if base_rev else Tree({}, {})
        fa, fb = sa.tree.flat, sb.tree.flat
        merged: dict[FlatPath, Any] = {}
        writers: dict[FlatPath, Writers] = {}
        open_: dict[FlatPath, dict[str, Any]] = {}
        clashes: list[FlatPath] = []
        for path in sorted(set(fa) | set(fb) | set(sa.writers) | set(sb.writers)):
            va, vb = fa.get(path, MISSING), fb.get(path, MISSING)
            if len(path) % 2 and path[-1] in derived:
                value = va if va is not MISSING else vb
                if value is not MISSING:
                    merged[path] = value
                continue
            wa, wb = sa.writers.get(path, _NONE), sb.writers.get(path, _NONE)
            if wa == wb or self.covers(wa, wb):
                value, side, w = va, sa, wa
            elif self.covers(wb, wa):
                value, side, w = vb, sb, wb
            else:
                w = self.maximal(wa | wb)
                value, side = va, None
                if not _same(va, vb):
                    clashes.append(path)
            if value is not MISSING:
                merged[path] = value
            writers[path] = w
            if side is not None and path in side.open:
                open_[path] = side.open[path]
            elif side is None:
                for s in (sa, sb):
                    if path in s.open:
                        open_[path] = s.open[path]
        clashes = _restore_orphans(merged, writers, clashes, sa, sb, self.maximal)
        orders = _merged_orders(merged, base, sa.tree, sb.tree)
        tree = Tree(dict(sorted(merged.items())), orders)
        conflicts = []
        for path in clashes:
            conflict = {
                "path": display_path(path, tree),
                "base": _plain(base.value(path) if path in base.flat else None),
                "ours": _plain(sa.tree.value(path)),
                "theirs": _plain(sb.tree.value(path)),
            }
            conflicts.append(conflict)
            open_[path] = conflict
        for path, conflict in list(open_.items()):
            if present(tree, path):
                open_[path] = {**conflict, "path": display_path(path, tree)}
            else:  # its instance was removed after the conflict was seen
                del open_[path]
        conflicts.sort(key=lambda c: c["path"])
        return StepResult(tree, writers, open_, conflicts)


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _plain(value: Any) -> Any:
    return value


def present(tree: Tree, path: FlatPath) -> bool:
    """Every instance on the way to ``path`` exists in ``tree``."""
    return all(path[:end] in tree.flat for end in range(2, len(path) + 1, 2))


def _restore_orphans(
    merged: dict[FlatPath, Any],
    writers: dict[FlatPath, Writers],
    clashes: list[FlatPath],
    sa: State,
    sb: State,
    maximal: Callable[[Writers], Writers],
) -> list[FlatPath]:
    """Keep an instance removed on one side but written on the other (one conflict on the
    instance instead of its fields), and a repeat whose kept instances outlived it."""
    clash_set = set(clashes)
    orphans: set[FlatPath] = set()
    for path in [*merged, *clashes]:
        for end in range(2, len(path) + 1, 2):
            if path[:end] not in merged:
                orphans.add(path[:end])
                break
    restored: list[FlatPath] = []
    for inst in sorted(orphans, key=len):
        if any(inst[: len(r)] == r for r in restored):
            continue
        side = sa if inst in sa.tree.flat else sb if inst in sb.tree.flat else None
        other = sb if side is sa else sa
        if side is None:
            for path in [p for p in merged if p[: len(inst)] == inst]:
                del merged[path]
            continue
        restored.append(inst)
        under = {p for p in (*side.tree.flat, *other.tree.flat) if p[: len(inst)] == inst}
        for path in under:
            value = side.tree.flat.get(path, MISSING)
            if value is MISSING:
                merged.pop(path, None)
            else:
                merged[path] = value
            writers[path] = maximal(sa.writers.get(path, _NONE) | sb.writers.get(path, _NONE))
        clash_set = {p for p in clash_set if p[: len(inst)] != inst}
        clash_set.add(inst)
    # a repeat removed on one side while instances were added/kept on the other
    for path in list(merged):
        for end in range(1, len(path), 2):
            container = path[:end]
            if container not in merged:
                merged[container] = REPEAT
                writers[container] = maximal(
                    sa.writers.get(container, _NONE) | sb.writers.get(container, _NONE)
                )
    return sorted(clash_set)


def _merged_orders(
    merged: Mapping[FlatPath, Any], base: Tree, ours: Tree, theirs: Tree
) -> dict[FlatPath, list[str]]:
    """Instance order: the base's, then each side's additions in blocks ordered by content
    (never by which side is "ours")."""
    orders: dict[FlatPath, list[str]] = {}
    containers = [p for p, v in merged.items() if v is REPEAT]
    for container in containers:
        present = {p[-1] for p in merged if len(p) == len(container) + 1 and p[:-1] == container}
        present = {i for i in present if isinstance(merged.get((*container, i)), Instance)}
        base_order = base.orders.get(container, [])
        order = [i for i in base_order if i in present]
        seen = set(order)
        blocks = []
        for tree in (ours, theirs):
            block = [i for i in tree.orders.get(container, []) if i in present and i not in seen]
            if block:
                content = [canonical_json(tree.value((*container, i))) for i in block]
                blocks.append((canonical_json([block, content]), block))
        for _, block in sorted(blocks):
            for ident in block:
                if ident not in seen:
                    order.append(ident)
                    seen.add(ident)
        order.extend(sorted(present - seen))
        orders[container] = order
    return orders
