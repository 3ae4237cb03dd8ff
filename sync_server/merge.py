"""Merging an entry's revisions field by field, and the deterministic choice of its head.

Pure functions over plain data; the storage layer (:mod:`sync_server.push`) feeds them the
revisions of one entry and stores what they return. The machinery lives in
:mod:`.merge_paths` (answers as flat identity paths) and :mod:`.merge_causal` (causal history).

**Identity.** Repeat instances are matched by identity, never by position: an instance's
``"@key"`` (a string) or, without one, ``"#<its 0-based index>"``. So removing ``temuan[0]`` on
one tablet and editing the priority of ``temuan[1]`` on another touches two different
instances. Per instance: removed on both sides = removed; removed on one side and written on the
other = one conflict on the instance (``"temuan[i]"``), the written instance kept until a
supervisor decides; added on both = kept once (the same key added with different content gives
conflicts on its fields); ``"@key"`` itself is never a field. The merged order is the common
ancestor's, then each side's additions in blocks ordered by their content (never by which side
is "ours"). Nested repeats follow the same rules. Conflict paths name the instance by its index
in the merged head: ``"temuan[2]/prioritas"``.

**Causal, per field.** Each answer (each flat path, including an instance's existence) is
decided from its history, not from the values: for every revision the planner knows, per path,
the set of revisions that last wrote it (a multi-value register over the revision graph). An edit
writes the paths it changes; a supervisor's revision also writes every path that was in conflict
or had several writers at its parent (a resolution is a write even when it goes back to an older
value); a merge writes nothing. Merging two sides, per path: if one side's writers descend from
(or are) all of the other's, that side wins; otherwise the writers are concurrent and different
values are a conflict (the ``ours`` value is kept, both writers stay, so the conflict survives
later merges until a write that has seen both - a supervisor's resolution - settles it). Why
not a three-way merge against "the" common ancestor: in criss-cross histories the newest common
ancestor may already hold one side's value (that side's change is then silently lost), and a
supervisor's resolution back to the ancestor's value looks like "no change" and is undone by a
late tablet revision based on that ancestor. Writer sets make both cases exact. A known, safe
over-approximation: two tablets writing the same value concurrently, then one of them changing
it again before seeing the other's write, is reported as a conflict.

Open conflicts travel with the value they belong to: a tablet's edit on top keeps them open (it
does not resolve them), a supervisor's revision closes all of them, a merge keeps those of the
side whose value it takes. An open conflict whose instance was removed later is dropped.

**Head choice** (:func:`plan_head`): the *leaves* are the edit revisions (device or supervisor,
not server merges) that no other edit revision descends from. One leaf is the head. Several
leaves are folded in a fixed order (generation, then revision id): ``merge(merge(l1, l2), l3)
...``, each merge revision getting an id derived from its content and both parents
(:func:`merge_revision_id`). The head therefore depends only on the set of revisions the
server holds, never on the order they arrived in.

**Valid heads.** With :attr:`Calculations.validate`, the head is validated against its form
version; every issue becomes an open conflict of kind ``"invalid"`` (path, ``code`` and the
``message`` in Indonesian and English), so an invalid merge is never stored as "received".

Cost: the states are computed once per revision and plan (ancestor sets memoized), linear in
revisions times answer paths; histories are usually a handful of revisions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey_forms.revisions import canonical_json, generation

from .merge_causal import Graph, State, present
from .merge_paths import Tree, display_path, flatten, instance_key

__all__ = [
    "Calculations",
    "Conflict",
    "HeadPlan",
    "MergeResult",
    "RevisionNode",
    "ancestors",
    "common_ancestor",
    "instance_key",
    "invalid_conflicts",
    "leaf_revisions",
    "merge3",
    "merge_revision_id",
    "plan_head",
    "unresolved_conflicts",
]

Conflict = dict[str, Any]


@dataclass
class MergeResult:
    """Merged answers and the conflicts found (sorted by path)."""

    answers: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)


def merge3(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    derived: frozenset[str] = frozenset(),
) -> MergeResult:
    """Merge two descendants of ``base`` (each one edit away from it), as the module
    docstring describes: a conflict is ``{"path", "base", "ours", "theirs"}`` (``None``
    stands for "absent") and the merged value is the ``ours`` value.

    ``derived`` names calculated answers: they never conflict (the ``ours`` value, else
    ``theirs``, is kept) because the caller computes them again from the merged answers.
    """
    graph = Graph(
        {"1-base": (), "2-ours": ("1-base",), "2-theirs": ("1-base",)},
        {"1-base": "device", "2-ours": "device", "2-theirs": "device"},
        {"1-base": base, "2-ours": ours, "2-theirs": theirs},
        lambda _rev: derived,
    )
    step = graph.merge("2-ours", "2-theirs", derived)
    return MergeResult(step.tree.answers(), step.conflicts)


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
    """What the form versions contribute to merges.

    ``names(form_version)`` gives the calculated answer names that never conflict;
    ``recompute(form_version, answers)`` gives the merged answers with them computed again;
    ``validate(form_version, answers)`` (optional) gives the validation issues of a head as
    ``{"path", "code", "message": {"id", "en"}}``. All must be deterministic, so the head
    stays a function of the revisions held.
    """

    names: Callable[[str], frozenset[str]]
    recompute: Callable[[str, dict[str, Any]], dict[str, Any]]
    validate: Callable[[str, dict[str, Any]], list[dict[str, Any]]] | None = None


@dataclass
class HeadPlan:
    """The head of an entry, the merge revisions to create, all conflicts met on the way, and
    the conflicts open at the head (field conflicts, then ``"invalid"`` ones)."""

    head: str
    merges: list[tuple[RevisionNode, list[Conflict]]]
    conflicts: list[Conflict]
    open_conflicts: list[Conflict] = field(default_factory=list)


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
    return _leaves(nodes, _graph(nodes, None))


def _leaves(nodes: Mapping[str, RevisionNode], graph: Graph) -> list[str]:
    edits = [rev for rev, node in nodes.items() if node.kind != "merge"]
    covered: set[str] = set()
    for rev in edits:
        if rev not in covered:
            covered |= graph.ancestors(rev) - {rev}
    return sorted((rev for rev in edits if rev not in covered), key=_order)


def _graph(nodes: Mapping[str, RevisionNode], calculations: Calculations | None) -> Graph:
    def derived(rev: str) -> frozenset[str]:
        if calculations is None or rev not in nodes:
            return frozenset()
        return calculations.names(nodes[rev].form_version)

    return Graph(
        {rev: node.parents for rev, node in nodes.items()},
        {rev: node.kind for rev, node in nodes.items()},
        {rev: node.answers for rev, node in nodes.items()},
        derived,
    )


def _open_at(state: State) -> list[Conflict]:
    """The open conflicts of a revision, their paths indexed in its answers; a conflict whose
    repeat instance is gone (a tablet removed it after the conflict) is left out."""
    out = []
    for path, conflict in state.open.items():
        if not present(state.tree, path):
            continue
        out.append({**conflict, "path": display_path(path, state.tree)})
    return sorted(out, key=lambda c: c["path"])


def invalid_conflicts(
    issues: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]
) -> list[Conflict]:
    """Validation issues of a head as open conflicts of kind ``"invalid"``: the path, the
    head's value there (``"ours"``), the issue ``code`` and its ``message`` (``id``/``en``)."""
    flat, orders = flatten(answers)
    tree = Tree(flat, orders)
    out = []
    for issue in issues:
        out.append(
            {
                "path": issue["path"],
                "base": None,
                "ours": _value_at(tree, issue["path"]),
                "theirs": None,
                "kind": "invalid",
                "code": issue["code"],
                "message": dict(issue["message"]),
            }
        )
    return sorted(out, key=lambda c: (c["path"], c["code"]))


def _value_at(tree: Tree, path: str) -> Any:
    """The head's value at a user-facing path (``None`` when absent)."""
    value: Any = tree.answers()
    for part in path.split("/"):
        name, _, rest = part.partition("[")
        value = value.get(name) if isinstance(value, dict) else None
        if rest:
            index = int(rest.rstrip("]")) if rest.rstrip("]").isdigit() else -1
            ok = isinstance(value, list) and 0 <= index < len(value)
            value = value[index] if ok else None
    return value


def plan_head(
    nodes: Mapping[str, RevisionNode], calculations: Calculations | None = None
) -> HeadPlan:
    """Choose the head of an entry from all its revisions (see the module docstring).

    With ``calculations``, calculated answers do not conflict and each merge revision holds
    them computed again from its merged answers (scores follow the merged indicators); with
    ``calculations.validate`` the head's validation issues are open conflicts too.
    """
    graph = _graph(nodes, calculations)
    leaves = _leaves(nodes, graph)
    if not leaves:
        raise ValueError("an entry without edit revisions has no head")
    work = dict(nodes)
    acc = work[leaves[0]]
    merges: list[tuple[RevisionNode, list[Conflict]]] = []
    all_conflicts: dict[str, Conflict] = {}
    for leaf in leaves[1:]:
        other = work[leaf]
        base_rev = graph.common_ancestor(acc.rev, other.rev)
        base = work[base_rev] if base_rev else None
        form_version = _pick(
            base.form_version if base else None, acc.form_version, other.form_version
        )
        derived = calculations.names(form_version) if calculations else frozenset()
        step = graph.merge(acc.rev, other.rev, derived)
        answers = step.tree.answers()
        if calculations is not None and derived:
            answers = calculations.recompute(form_version, answers)
        region = _pick(base.region if base else None, acc.region, other.region)
        rev = merge_revision_id(acc.rev, other.rev, acc.form_id, form_version, region, answers)
        node = RevisionNode(
            rev, (acc.rev, other.rev), "merge", acc.form_id, form_version, region, answers
        )
        work[rev] = node
        graph.add(rev, node.parents, "merge", answers)
        flat, orders = flatten(answers)
        graph.set_state(rev, State(Tree(flat, orders), step.writers, step.open))
        merges.append((node, step.conflicts))
        for conflict in step.conflicts:
            all_conflicts[conflict["path"]] = conflict
        acc = node
    open_conflicts = _open_at(graph.state(acc.rev))
    if calculations is not None and calculations.validate is not None:
        issues = calculations.validate(acc.form_version, dict(acc.answers))
        open_conflicts += invalid_conflicts(issues, acc.answers)
    return HeadPlan(
        acc.rev, merges, [all_conflicts[p] for p in sorted(all_conflicts)], open_conflicts
    )


def unresolved_conflicts(
    head: str,
    nodes: Mapping[str, RevisionNode],
    conflicts_by_rev: Mapping[str, list[Conflict]] | None = None,
) -> list[Conflict]:
    """The field conflicts still open at ``head`` (see "Open conflicts" in the module
    docstring), computed from the revision graph alone; ``conflicts_by_rev`` (what the merge
    revisions recorded when they were made) is no longer needed and is ignored."""
    del conflicts_by_rev
    if head not in nodes:
        return []
    return _open_at(_graph(nodes, None).state(head))


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
