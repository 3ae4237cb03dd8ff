"""The merge rules (sync_server.merge), pure: repeat identity, causal per-field history, and
invalid merged heads. Each test is a defect the old index/value-based merge had."""

from __future__ import annotations

from typing import Any

from survey_forms.revisions import revision_id
from sync_server.merge import Calculations, RevisionNode, instance_key, merge3, plan_head


def _t(key: str, teks: str, prioritas: str = "sedang") -> dict[str, Any]:
    return {"@key": key, "temuan_teks": teks, "prioritas": prioritas}


T0, T1, T2 = _t("k0", "nol"), _t("k1", "satu"), _t("k2", "dua")


def test_instance_key_rule() -> None:
    assert instance_key({"@key": "abc"}, 3) == "abc"
    assert instance_key({"x": 1}, 3) == "#3"
    assert instance_key({"@key": 5}, 0) == "#0"


# --- 1. repeats by identity -------------------------------------------------------------


def test_removed_instance_and_edit_of_another_stay_on_their_instances() -> None:
    base = {"temuan": [T0, T1, T2]}
    a = {"temuan": [T1, T2]}  # removes T0
    b = {"temuan": [T0, {**T1, "prioritas": "tinggi"}, T2]}
    result = merge3(base, a, b)
    assert result.conflicts == []
    assert result.answers == {"temuan": [{**T1, "prioritas": "tinggi"}, T2]}
    assert merge3(base, b, a).answers == result.answers


def test_removals_on_both_sides_are_both_kept() -> None:
    base = {"temuan": [T0, T1, T2]}
    result = merge3(base, {"temuan": [T1, T2]}, {"temuan": [T0, T1]})
    assert result.conflicts == []
    assert result.answers == {"temuan": [T1]}


def test_removed_on_one_side_edited_on_the_other_is_a_conflict_on_the_instance() -> None:
    base = {"temuan": [T0, T1]}
    edited = {**T0, "prioritas": "tinggi"}
    result = merge3(base, {"temuan": [T1]}, {"temuan": [edited, T1]})
    assert [c["path"] for c in result.conflicts] == ["temuan[0]"]
    conflict = result.conflicts[0]
    assert conflict["ours"] is None and conflict["theirs"] == edited and conflict["base"] == T0
    # the edited instance is kept (never lost) until a supervisor decides
    assert result.answers == {"temuan": [edited, T1]}
    assert merge3(base, {"temuan": [edited, T1]}, {"temuan": [T1]}).answers == result.answers


def test_same_key_added_on_both_sides_is_kept_once_with_field_conflicts() -> None:
    base = {"temuan": [T0]}
    a = {"temuan": [T0, _t("new", "baru", "tinggi")]}
    b = {"temuan": [T0, _t("new", "baru", "rendah")]}
    result = merge3(base, a, b)
    assert result.answers["temuan"][1]["@key"] == "new"
    assert len(result.answers["temuan"]) == 2
    assert result.conflicts == [
        {"path": "temuan[1]/prioritas", "base": None, "ours": "tinggi", "theirs": "rendah"}
    ]


def test_additions_follow_the_base_in_an_order_independent_of_the_sides() -> None:
    base = {"temuan": [T0, T1]}
    a = {"temuan": [T0, T1, _t("a1", "x"), _t("a2", "y")]}
    b = {"temuan": [T1, _t("b1", "z")]}
    one, two = merge3(base, a, b), merge3(base, b, a)
    assert one.conflicts == two.conflicts == []
    assert one.answers == two.answers
    keys = [i["@key"] for i in one.answers["temuan"]]
    assert keys[0] == "k1" and set(keys[1:]) == {"a1", "a2", "b1"}
    assert keys.index("a1") < keys.index("a2")  # a side's additions keep their order


def test_nested_repeats_recurse_by_identity() -> None:
    def unit(key: str, kids: list[dict[str, Any]]) -> dict[str, Any]:
        return {"@key": key, "kids": kids}

    c0, c1 = {"@key": "c0", "v": 1}, {"@key": "c1", "v": 2}
    base = {"r": [unit("u", [c0, c1])]}
    a = {"r": [unit("u", [c1])]}
    b = {"r": [unit("u", [c0, {**c1, "v": 3}])]}
    result = merge3(base, a, b)
    assert result.conflicts == []
    assert result.answers == {"r": [unit("u", [{**c1, "v": 3}])]}


def test_key_is_never_a_conflict_field() -> None:
    base = {"temuan": [T0]}
    result = merge3(base, {"temuan": [{**T0, "prioritas": "tinggi"}]}, {"temuan": [T0]})
    assert result.conflicts == [] and result.answers["temuan"][0]["@key"] == "k0"


# --- 2. causal history ------------------------------------------------------------------


def _node(
    parent: str | None, answers: dict[str, Any], kind: str = "device", tag: str = ""
) -> RevisionNode:
    rev = revision_id(parent, "f", "1", "16.71", {**answers, "_tag": tag})
    return RevisionNode(rev, (parent,) if parent else (), kind, "f", "1", "16.71", answers)


def _nodes(*items: RevisionNode) -> dict[str, RevisionNode]:
    return {n.rev: n for n in items}


def test_resolution_back_to_the_base_value_stands_against_a_late_concurrent_write() -> None:
    base = _node(None, {"jenis_unit": "mpp", "nama": "x"})
    a = _node(base.rev, {"jenis_unit": "rsud", "nama": "x"})
    b = _node(base.rev, {"jenis_unit": "opd", "nama": "x"})
    nodes = _nodes(base, a, b)
    first = plan_head(nodes)
    assert [c["path"] for c in first.open_conflicts] == ["jenis_unit"]
    merge_node = first.merges[-1][0]
    nodes[merge_node.rev] = merge_node
    resolution = _node(merge_node.rev, {"jenis_unit": "mpp", "nama": "x"}, "supervisor")
    nodes[resolution.rev] = resolution
    resolved = plan_head(nodes)
    assert resolved.head == resolution.rev and resolved.open_conflicts == []
    # a late tablet revision based on the base, written without seeing the resolution
    late = _node(base.rev, {"jenis_unit": "unit_layanan", "nama": "x"})
    nodes[late.rev] = late
    plan = plan_head(nodes)
    assert [c["path"] for c in plan.open_conflicts] == ["jenis_unit"]
    # a late revision that does not touch the field leaves the resolution alone
    nodes.pop(late.rev)
    other = _node(base.rev, {"jenis_unit": "mpp", "nama": "y"})
    nodes[other.rev] = other
    plan = plan_head(nodes)
    assert plan.open_conflicts == []
    head = plan.merges[-1][0]
    assert head.answers == {"jenis_unit": "mpp", "nama": "y"}


def test_resolution_keeping_the_ours_value_is_still_a_write() -> None:
    base = _node(None, {"x": 0})
    a, b = _node(base.rev, {"x": 1}), _node(base.rev, {"x": 2})
    nodes = _nodes(base, a, b)
    merge_node = plan_head(nodes).merges[-1][0]
    nodes[merge_node.rev] = merge_node
    keep = _node(merge_node.rev, dict(merge_node.answers), "supervisor", "keep")
    nodes[keep.rev] = keep
    late = _node(b.rev, {"x": 2, "y": 1})  # b's tablet goes on from its own revision
    nodes[late.rev] = late
    plan = plan_head(nodes)
    assert plan.open_conflicts == []
    assert plan.merges[-1][0].answers == {**merge_node.answers, "y": 1}


def test_device_edit_on_a_conflicted_head_keeps_the_conflict_open() -> None:
    base = _node(None, {"x": 0, "y": 0})
    a, b = _node(base.rev, {"x": 1, "y": 0}), _node(base.rev, {"x": 2, "y": 0})
    nodes = _nodes(base, a, b)
    merge_node = plan_head(nodes).merges[-1][0]
    nodes[merge_node.rev] = merge_node
    on_top = _node(merge_node.rev, {**merge_node.answers, "y": 5})
    nodes[on_top.rev] = on_top
    assert [c["path"] for c in plan_head(nodes).open_conflicts] == ["x"]


def test_criss_cross_keeps_both_updates() -> None:
    """Two tablets each go on from a different merge of the same two revisions. Their newest
    common ancestor is one of those two revisions, which already holds one side's change: a
    three-way merge against it sees a change the other tablet never made (a false conflict or,
    with other values, a lost update). Per-field writers see each tablet's own change."""
    base = _node(None, {"x": 0, "y": 0})
    a = _node(base.rev, {"x": 1, "y": 0})
    b = _node(base.rev, {"x": 0, "y": 1})
    nodes = _nodes(base, a, b)
    m1 = plan_head(nodes).merges[-1][0]
    # a second merge of the same two sides (e.g. made by an older server, other order)
    m2 = RevisionNode("3-othermerge", (b.rev, a.rev), "merge", "f", "1", "16.71", m1.answers)
    nodes.update({m1.rev: m1, m2.rev: m2})
    c = _node(m1.rev, {"x": 2, "y": 1})
    d = _node(m2.rev, {"x": 1, "y": 2})
    nodes.update({c.rev: c, d.rev: d})
    plan = plan_head(nodes)
    assert plan.conflicts == [] and plan.open_conflicts == []
    assert plan.merges[-1][0].answers == {"x": 2, "y": 2}


def test_open_conflict_paths_follow_the_head_and_leave_with_their_instance() -> None:
    base = _node(None, {"temuan": [T0, T1, T2]})
    a = _node(base.rev, {"temuan": [T0, {**T1, "prioritas": "tinggi"}, T2]})
    b = _node(base.rev, {"temuan": [T0, {**T1, "prioritas": "rendah"}, T2]})
    nodes = _nodes(base, a, b)
    merge_node = plan_head(nodes).merges[-1][0]
    nodes[merge_node.rev] = merge_node
    # the tablet removes T0 on top of the conflicted head: the conflict moves to temuan[0]
    t1 = merge_node.answers["temuan"][1]
    moved = _node(merge_node.rev, {"temuan": [t1, T2]})
    nodes[moved.rev] = moved
    assert [c["path"] for c in plan_head(nodes).open_conflicts] == ["temuan[0]/prioritas"]
    # then removes the conflicted instance itself: nothing left to resolve there
    gone = _node(moved.rev, {"temuan": [T2]})
    nodes[gone.rev] = gone
    assert plan_head(nodes).open_conflicts == []


# --- 3. invalid merged heads ------------------------------------------------------------


def _needs_note(_version: str, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """A toy form rule: the note is required unless the finding is fulfilled without 'lainnya'."""
    needs = answers.get("hasil") != "terpenuhi" or "lainnya" in answers.get("bukti", [])
    if needs and not answers.get("catatan"):
        return [
            {
                "path": "catatan",
                "code": "required",
                "message": {"id": "Wajib diisi.", "en": "Required."},
            }
        ]
    return []


CHECKED = Calculations(
    names=lambda _v: frozenset(), recompute=lambda _v, a: a, validate=_needs_note
)


def test_invalid_merged_head_is_an_open_conflict_naming_the_path() -> None:
    base = _node(None, {"hasil": "tidak_terpenuhi", "bukti": ["regulasi"], "catatan": "n"})
    a = _node(base.rev, {"hasil": "terpenuhi", "bukti": ["regulasi"]})
    b = _node(
        base.rev, {"hasil": "tidak_terpenuhi", "bukti": ["regulasi", "lainnya"], "catatan": "n"}
    )
    plan = plan_head(_nodes(base, a, b), CHECKED)
    head = plan.merges[-1][0]
    assert head.answers == {"hasil": "terpenuhi", "bukti": ["regulasi", "lainnya"]}
    assert plan.conflicts == []
    assert plan.open_conflicts == [
        {
            "path": "catatan",
            "base": None,
            "ours": None,
            "theirs": None,
            "kind": "invalid",
            "code": "required",
            "message": {"id": "Wajib diisi.", "en": "Required."},
        }
    ]


# --- cost ---------------------------------------------------------------------------------


def test_long_histories_plan_quickly() -> None:
    """100 rounds of two concurrent tablet edits merged by the server (301 revisions, with
    keyed repeats): planning the head stays well under a second on a quiet machine."""
    import time

    answers: dict[str, Any] = {"n": 0, "nama": "x", "temuan": [T0, T1, T2]}
    root = _node(None, answers)
    nodes = _nodes(root)
    head = root
    for i in range(100):
        x = _node(head.rev, {**head.answers, "n": i})
        y = _node(head.rev, {**head.answers, "nama": f"unit {i}"})
        nodes.update(_nodes(x, y))
        plan = plan_head(nodes)
        nodes.update({m.rev: m for m, _ in plan.merges})
        head = nodes[plan.head]
    started = time.perf_counter()
    plan = plan_head(nodes)
    assert time.perf_counter() - started < 2.0
    assert plan.head == head.rev and plan.open_conflicts == []
    assert head.answers == {"n": 99, "nama": "unit 99", "temuan": [T0, T1, T2]}
