"""Three-way merging of entry answers and the deterministic choice of an entry's head.

Pure functions over plain data; the storage layer (:mod:`sync_server.entries`) feeds them the
revisions of one entry and stores what they return.

**Field merge** (:func:`merge3`), against the common ancestor ``base``, for every answer:

* same value on both sides, or changed on one side only: taken without conflict;
* changed on both sides to different values: a conflict ``{"path", "base", "ours", "theirs"}``
  (``None`` stands for "absent"); the merged value is the ``ours`` value until a supervisor
  resolves the conflict.

Values are atomic (a select_multiple list, a geopoint object, an attachment reference), except
**repeats** (lists of objects), which merge instance by instance:

* instances that exist in the base are merged by index, recursively;
* an instance removed on one side (the list is shorter than the base) is removed when the other
  side left it unchanged, and is a conflict on ``"rep[i]"`` when the other side changed it;
* instances appended after the base on both sides are all kept: identical appended blocks once,
  different blocks one after the other in the order of their canonical JSON, so adding a
  repeat instance on two tablets never becomes a conflict and the order does not depend on
  which side is "ours".

**Head choice** (:func:`plan_head`): the *leaves* are the edit revisions (device or supervisor,
not server merges) that no other edit revision descends from. One leaf is the head. Several
leaves are folded in a fixed order (generation, then revision id): ``merge(merge(l1, l2), l3)
...``, each step against the two sides' common ancestor, each merge revision getting an id
derived from its content and both parents (:func:`merge_revision_id`). The head therefore
depends only on the set of revisions the server holds, never on the order they arrived in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey_forms.revisions import canonical_json, generation

__all__ = [
    "Calculations",
    "Conflict",
    "HeadPlan",
    "MergeResult",
    "RevisionNode",
    "ancestors",
    "common_ancestor",
    "leaf_revisions",
    "merge3",
    "merge_revision_id",
    "plan_head",
    "unresolved_conflicts",
]

Conflict = dict[str, Any]


class _Missing:
    """Marker for an absent answer."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class MergeResult:
    """Merged answers and the conflicts found (sorted by path)."""

    answers: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)


def _is_repeat(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _out(value: Any) -> Any:
    return None if value is MISSING else value


def _merge_value(
    path: str,
    base: Any,
    ours: Any,
    theirs: Any,
    conflicts: list[Conflict],
    derived: frozenset[str] = frozenset(),
) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    repeat_sides = [v for v in (base, ours, theirs) if v is not MISSING]
    if ours is not MISSING and theirs is not MISSING and all(_is_repeat(v) for v in repeat_sides):
        return _merge_repeat(
            path, [] if base is MISSING else base, ours, theirs, conflicts, derived
        )
    conflicts.append({"path": path, "base": _out(base), "ours": _out(ours), "theirs": _out(theirs)})
    return ours


def _merge_dict(
    prefix: str,
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    conflicts: list[Conflict],
    derived: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in sorted(set(base) | set(ours) | set(theirs)):
        if key in derived:
            # a calculated value: recomputed from the merged answers, never a conflict
            value = ours.get(key, MISSING)
            if value is MISSING:
                value = theirs.get(key, MISSING)
            if value is not MISSING:
                merged[key] = value
            continue
        value = _merge_value(
            f"{prefix}{key}",
            base.get(key, MISSING),
            ours.get(key, MISSING),
            theirs.get(key, MISSING),
            conflicts,
            derived,
        )
        if value is not MISSING:
            merged[key] = value
    return merged


def _merge_repeat(
    path: str,
    base: list[dict[str, Any]],
    ours: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    conflicts: list[Conflict],
    derived: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    merged: list[dict[str, Any]] = []
    for i, base_item in enumerate(base):
        here = f"{path}[{i}]"
        o = ours[i] if i < len(ours) else MISSING
        t = theirs[i] if i < len(theirs) else MISSING
        if o is MISSING or t is MISSING:
            value = _merge_value(here, base_item, o, t, conflicts, derived)
            if value is not MISSING:
                merged.append(value)
            continue
        merged.append(_merge_dict(f"{here}/", base_item, o, t, conflicts, derived))
    added_ours = ours[len(base) :]
    added_theirs = theirs[len(base) :]
    blocks = sorted({canonical_json(b): b for b in (added_ours, added_theirs) if b}.items())
    for _, block in blocks:
        merged.extend(block)
    return merged


def merge3(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    derived: frozenset[str] = frozenset(),
) -> MergeResult:
    """Merge two descendants of ``base`` field by field (see the module docstring).

    ``derived`` names calculated answers: they never conflict (the ``ours`` value, else
    ``theirs``, is kept) because the caller computes them again from the merged answers.
    """
    conflicts: list[Conflict] = []
    answers = _merge_dict("", base, ours, theirs, conflicts, derived)
    conflicts.sort(key=lambda c: c["path"])
    return MergeResult(answers, conflicts)


def _pick(base: str | None, ours: str, theirs: str) -> str:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return max(ours, theirs)


def merge_revision_id(
    ours_rev: str,
    theirs_rev: str,
    form_id: str,
    form_version: str,
    region: str,
    answers: Mapping[str, Any],
) -> str:
    """Id of a server merge revision: from both parents and the merged content."""
    payload = canonical_json(
        ["merge", ours_rev, theirs_rev, form_id, form_version, region, answers]
    )
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return f"{max(generation(ours_rev), generation(theirs_rev)) + 1}-{digest}"


@dataclass(frozen=True)
class RevisionNode:
    """One revision of an entry as the head planner sees it."""

    rev: str
    parents: tuple[str, ...]
    kind: str  # "device", "supervisor" or "merge"
    form_id: str
    form_version: str
    region: str
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Calculations:
    """How a form version's calculated answers are found and computed again after a merge.

    ``names(form_version)`` gives the calculated answer names that never conflict;
    ``recompute(form_version, answers)`` gives the merged answers with them computed again.
    Both must be deterministic, so the head stays a function of the revisions held.
    """

    names: Callable[[str], frozenset[str]]
    recompute: Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass
class HeadPlan:
    """The head of an entry, the merge revisions to create, and all conflicts met on the way."""

    head: str
    merges: list[tuple[RevisionNode, list[Conflict]]]
    conflicts: list[Conflict]


def ancestors(rev: str, nodes: Mapping[str, RevisionNode]) -> set[str]:
    """``rev`` and every revision it descends from (parents unknown to ``nodes`` are skipped)."""
    seen: set[str] = set()
    stack = [rev]
    while stack:
        current = stack.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        stack.extend(nodes[current].parents)
    return seen


def _order(rev: str) -> tuple[int, str]:
    return (generation(rev), rev)


def common_ancestor(a: str, b: str, nodes: Mapping[str, RevisionNode]) -> str | None:
    """The newest common ancestor of ``a`` and ``b`` (highest generation, then highest id)."""
    shared = ancestors(a, nodes) & ancestors(b, nodes)
    return max(shared, key=_order) if shared else None


def leaf_revisions(nodes: Mapping[str, RevisionNode]) -> list[str]:
    """Edit revisions (not merges) that no other edit revision descends from, in fold order."""
    edits = [rev for rev, node in nodes.items() if node.kind != "merge"]
    covered: set[str] = set()
    for rev in edits:
        covered |= ancestors(rev, nodes) - {rev}
    return sorted((rev for rev in edits if rev not in covered), key=_order)


def plan_head(
    nodes: Mapping[str, RevisionNode], calculations: Calculations | None = None
) -> HeadPlan:
    """Choose the head of an entry from all its revisions (see the module docstring).

    With ``calculations``, calculated answers do not conflict and each merge revision holds
    them computed again from its merged answers (scores follow the merged indicators).
    """
    leaves = leaf_revisions(nodes)
    if not leaves:
        raise ValueError("an entry without edit revisions has no head")
    work = dict(nodes)
    acc = work[leaves[0]]
    merges: list[tuple[RevisionNode, list[Conflict]]] = []
    all_conflicts: dict[str, Conflict] = {}
    for leaf in leaves[1:]:
        other = work[leaf]
        base_rev = common_ancestor(acc.rev, other.rev, work)
        base = work[base_rev] if base_rev else None
        form_version = _pick(
            base.form_version if base else None, acc.form_version, other.form_version
        )
        derived = calculations.names(form_version) if calculations else frozenset()
        result = merge3(base.answers if base else {}, acc.answers, other.answers, derived)
        if calculations is not None and derived:
            result.answers = calculations.recompute(form_version, result.answers)
        region = _pick(base.region if base else None, acc.region, other.region)
        rev = merge_revision_id(
            acc.rev, other.rev, acc.form_id, form_version, region, result.answers
        )
        node = RevisionNode(
            rev, (acc.rev, other.rev), "merge", acc.form_id, form_version, region, result.answers
        )
        work[rev] = node
        merges.append((node, result.conflicts))
        for conflict in result.conflicts:
            all_conflicts[conflict["path"]] = conflict
        acc = node
    return HeadPlan(acc.rev, merges, [all_conflicts[p] for p in sorted(all_conflicts)])


def unresolved_conflicts(
    head: str,
    nodes: Mapping[str, RevisionNode],
    conflicts_by_rev: Mapping[str, list[Conflict]],
) -> list[Conflict]:
    """The conflicts still open at ``head``: those recorded by the merge revisions it descends
    from, not counting anything behind a supervisor's revision (a supervisor resolves every
    conflict before it). Depends only on the revision graph, never on arrival order.
    """
    merges: list[str] = []
    seen: set[str] = set()
    stack = [head]
    while stack:
        rev = stack.pop()
        if rev in seen or rev not in nodes:
            continue
        seen.add(rev)
        node = nodes[rev]
        if node.kind == "supervisor":
            continue
        if node.kind == "merge":
            merges.append(rev)
        stack.extend(node.parents)
    found: dict[str, Conflict] = {}
    for rev in sorted(merges, key=_order):
        for conflict in conflicts_by_rev.get(rev, []):
            found[conflict["path"]] = conflict
    return [found[path] for path in sorted(found)]


def nodes_from(rows: Iterable[Mapping[str, Any]]) -> dict[str, RevisionNode]:
    """Build :class:`RevisionNode` objects from revision rows with decoded ``answers``."""
    out = {}
    for row in rows:
        parents = tuple(p for p in (row["parent_rev"], row.get("merge_parent_rev")) if p)
        out[row["rev"]] = RevisionNode(
            row["rev"],
            parents,
            row["author_kind"],
            row["form_id"],
            row["form_version"],
            row["region"],
            row["answers"],
        )
    return out
