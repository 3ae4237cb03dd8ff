"""The pure three-way merge and head planning (sync_server.merge), with hypothesis."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms.revisions import revision_id
from sync_server.merge import (
    Calculations,
    RevisionNode,
    common_ancestor,
    leaf_revisions,
    merge3,
    plan_head,
)

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
SCALARS = st.one_of(
    st.integers(-5, 5),
    st.text("xyz", min_size=1, max_size=3),
    st.lists(st.sampled_from(["p", "q", "r"]), unique=True, min_size=1, max_size=3),
)
INSTANCE = st.dictionaries(st.sampled_from(["t", "u"]), SCALARS, min_size=1, max_size=2)
VALUES = st.one_of(SCALARS, st.lists(INSTANCE, min_size=1, max_size=3))
ANSWERS = st.dictionaries(NAMES, VALUES, max_size=5)


@st.composite
def edits(draw: st.DrawFn, base: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Change, add or remove some of ``names`` in a copy of ``base``."""
    out = dict(base)
    for name in names:
        action = draw(st.sampled_from(["set", "drop", "keep"]))
        if action == "set":
            out[name] = draw(VALUES)
        elif action == "drop":
            out.pop(name, None)
    return out


@given(ANSWERS, st.data())
def test_one_sided_changes_merge_cleanly(base: dict[str, Any], data: st.DataObject) -> None:
    changed = data.draw(edits(base, ["a", "b", "c", "d", "e"]))
    left = merge3(base, changed, base)
    right = merge3(base, base, changed)
    assert left.conflicts == [] and right.conflicts == []
    assert left.answers == changed
    assert right.answers == changed


@given(ANSWERS, st.data())
def test_changes_to_different_fields_merge_cleanly(
    base: dict[str, Any], data: st.DataObject
) -> None:
    ours = data.draw(edits(base, ["a", "b"]))
    theirs = data.draw(edits(base, ["c", "d", "e"]))
    result = merge3(base, ours, theirs)
    assert result.conflicts == []
    for name in ("a", "b"):
        assert result.answers.get(name) == ours.get(name)
    for name in ("c", "d", "e"):
        assert result.answers.get(name) == theirs.get(name)


@given(ANSWERS, ANSWERS)
def test_identical_sides_merge_to_that_side(base: dict[str, Any], side: dict[str, Any]) -> None:
    result = merge3(base, side, side)
    assert result.answers == side
    assert result.conflicts == []


def test_both_sides_changing_a_field_differently_is_a_conflict() -> None:
    base = {"ind": "sebagian", "note": "x"}
    result = merge3(base, {"ind": "terpenuhi", "note": "x"}, {"ind": "tidak", "note": "y"})
    assert result.conflicts == [
        {"path": "ind", "base": "sebagian", "ours": "terpenuhi", "theirs": "tidak"}
    ]
    assert result.answers == {"ind": "terpenuhi", "note": "y"}


def test_added_on_one_side_removed_on_other_absent_values_are_none() -> None:
    result = merge3({"a": 1}, {}, {"a": 2})
    assert result.conflicts == [{"path": "a", "base": 1, "ours": None, "theirs": 2}]


def test_repeat_instances_merge_by_identity_and_keyed_appends_are_kept() -> None:
    base = {"temuan": [{"t": "satu", "p": "tinggi"}]}
    ours = {"temuan": [{"t": "satu", "p": "sedang"}, {"@key": "k-dua", "t": "dua"}]}
    theirs = {"temuan": [{"t": "SATU", "p": "tinggi"}, {"@key": "k-tiga", "t": "tiga"}]}
    result = merge3(base, ours, theirs)
    assert result.conflicts == []
    assert result.answers["temuan"][0] == {"t": "SATU", "p": "sedang"}
    assert sorted(i["t"] for i in result.answers["temuan"][1:]) == ["dua", "tiga"]
    swapped = merge3(base, theirs, ours)
    assert swapped.answers == result.answers


def test_unkeyed_appends_share_the_implied_key_and_conflict_field_by_field() -> None:
    """Without "@key" an instance's identity is "#<index>": two tablets appending at the same
    position add the same instance, so different content there is a conflict (not lost)."""
    base = {"temuan": [{"t": "satu"}]}
    result = merge3(
        base, {"temuan": [{"t": "satu"}, {"t": "dua"}]}, {"temuan": [{"t": "satu"}, {"t": "tiga"}]}
    )
    assert result.conflicts == [
        {"path": "temuan[1]/t", "base": None, "ours": "dua", "theirs": "tiga"}
    ]


def test_repeat_conflict_paths_name_the_instance() -> None:
    base = {"temuan": [{"t": "a"}, {"t": "b"}]}
    ours = {"temuan": [{"t": "a"}, {"t": "x"}]}
    theirs = {"temuan": [{"t": "a"}, {"t": "y"}]}
    result = merge3(base, ours, theirs)
    assert result.conflicts == [{"path": "temuan[1]/t", "base": "b", "ours": "x", "theirs": "y"}]


def test_repeat_instance_removed_on_one_side_unchanged_on_other_is_removed() -> None:
    base = {"r": [{"t": "a"}, {"t": "b"}]}
    result = merge3(base, {"r": [{"t": "a"}]}, {"r": [{"t": "A"}, {"t": "b"}]})
    assert result.conflicts == []
    assert result.answers == {"r": [{"t": "A"}]}


def test_repeat_instance_removed_on_one_side_changed_on_other_is_a_conflict() -> None:
    base = {"r": [{"t": "a"}, {"t": "b"}]}
    result = merge3(base, {"r": [{"t": "a"}]}, {"r": [{"t": "a"}, {"t": "B"}]})
    assert [c["path"] for c in result.conflicts] == ["r[1]"]


def _node(parent: str | None, answers: dict[str, Any], kind: str = "device") -> RevisionNode:
    rev = revision_id(parent, "f", "1", "16.71", answers)
    return RevisionNode(rev, (parent,) if parent else (), kind, "f", "1", "16.71", answers)


def test_plan_head_single_chain_is_the_last_revision() -> None:
    a = _node(None, {"x": 1})
    b = _node(a.rev, {"x": 2})
    plan = plan_head({a.rev: a, b.rev: b})
    assert plan.head == b.rev and plan.merges == []


def test_plan_head_three_branches_fold_in_a_fixed_order() -> None:
    a = _node(None, {"x": 1, "y": 1, "z": 1})
    b = _node(a.rev, {"x": 2, "y": 1, "z": 1})
    c = _node(a.rev, {"x": 1, "y": 2, "z": 1})
    d = _node(a.rev, {"x": 1, "y": 1, "z": 2})
    nodes = {n.rev: n for n in (a, b, c, d)}
    plan = plan_head(nodes)
    assert len(plan.merges) == 2 and plan.conflicts == []
    head = plan.merges[-1][0]
    assert head.rev == plan.head
    assert dict(head.answers) == {"x": 2, "y": 2, "z": 2}
    # Same set given in another order: same head.
    assert plan_head(dict(reversed(list(nodes.items())))).head == plan.head
    assert leaf_revisions(nodes) == sorted([b.rev, c.rev, d.rev], key=lambda r: (2, r))


def test_edit_on_top_of_a_merge_is_the_single_leaf() -> None:
    a = _node(None, {"x": 1, "y": 1})
    b = _node(a.rev, {"x": 2, "y": 1})
    c = _node(a.rev, {"x": 1, "y": 2})
    nodes = {n.rev: n for n in (a, b, c)}
    merge_node = plan_head(nodes).merges[0][0]
    nodes[merge_node.rev] = merge_node
    e = _node(merge_node.rev, {"x": 3, "y": 2})
    nodes[e.rev] = e
    assert leaf_revisions(nodes) == [e.rev]
    assert plan_head(nodes).head == e.rev
    assert common_ancestor(e.rev, b.rev, nodes) == b.rev


@settings(max_examples=60)
@given(ANSWERS, st.data())
def test_plan_head_does_not_depend_on_dict_order(base: dict[str, Any], data: st.DataObject) -> None:
    root = _node(None, base)
    branches = [
        _node(root.rev, data.draw(edits(base, ["a", "b", "c", "d", "e"]))) for _ in range(3)
    ]
    nodes = [root, *branches]
    order = data.draw(st.permutations(nodes))
    first = plan_head({n.rev: n for n in nodes})
    second = plan_head({n.rev: n for n in order})
    assert first.head == second.head
    assert first.conflicts == second.conflicts


def test_open_conflicts_survive_device_edits_and_end_at_a_supervisor_revision() -> None:
    from sync_server.merge import unresolved_conflicts

    a = _node(None, {"x": 1})
    b = _node(a.rev, {"x": 2})
    c = _node(a.rev, {"x": 3})
    nodes = {n.rev: n for n in (a, b, c)}
    plan = plan_head(nodes)
    merge_node, step = plan.merges[0]
    assert [c_["path"] for c_ in step] == ["x"]
    nodes[merge_node.rev] = merge_node
    conflicts = {merge_node.rev: step}
    assert unresolved_conflicts(merge_node.rev, nodes, conflicts) == step
    device_edit = _node(merge_node.rev, {"x": 2, "y": 1})
    nodes[device_edit.rev] = device_edit
    assert unresolved_conflicts(device_edit.rev, nodes, conflicts) == step
    resolution = _node(device_edit.rev, {"x": 3, "y": 1}, kind="supervisor")
    nodes[resolution.rev] = resolution
    assert unresolved_conflicts(resolution.rev, nodes, conflicts) == []
    # An orphaned merge (not behind the head) does not count.
    assert unresolved_conflicts(b.rev, nodes, conflicts) == []


def _total(_version: str, answers: dict[str, Any]) -> dict[str, Any]:
    """A toy form's calculation: ``total = a + b``."""
    return {**answers, "total": str(answers.get("a", 0) + answers.get("b", 0))}


TOTAL = Calculations(names=lambda _version: frozenset({"total"}), recompute=_total)


def test_calculated_answers_never_conflict_and_follow_the_merge() -> None:
    base = _node(None, _total("1", {"a": 1, "b": 1}))
    ours = _node(base.rev, _total("1", {"a": 5, "b": 1}))  # total 6
    theirs = _node(base.rev, _total("1", {"a": 1, "b": 7}))  # total 8
    nodes = {n.rev: n for n in (base, ours, theirs)}
    without = plan_head(nodes)
    assert [c["path"] for c in without.conflicts] == ["total"]  # the old, spurious conflict
    plan = plan_head(nodes, TOTAL)
    assert plan.conflicts == []
    merged = plan.merges[-1][0]
    assert merged.answers == {"a": 5, "b": 7, "total": "12"}
    assert plan.head == merged.rev
    # the same head whatever order the revisions are listed in
    assert plan_head(dict(reversed(list(nodes.items()))), TOTAL).head == plan.head
    # real conflicts on inputs are still conflicts
    clash = _node(base.rev, _total("1", {"a": 9, "b": 1}))
    nodes[clash.rev] = clash
    assert [c["path"] for c in plan_head(nodes, TOTAL).conflicts] == ["a"]
