"""Attack findings: the server's three-way merge must match repeat instances by "@key".

docs/architecture.md promises that merges match instances by key, not by position. These cases
were reproduced against a live server (two tablets of the same officer editing one entry).
"""

from __future__ import annotations

from sync_server.merge import merge3


def _base() -> dict:
    return {
        "temuan": [
            {"@key": "k1", "temuan_teks": "one", "prioritas": "tinggi"},
            {"@key": "k2", "temuan_teks": "two", "prioritas": "sedang"},
            {"@key": "k3", "temuan_teks": "three", "prioritas": "sedang"},
        ]
    }


def _by_key(answers: dict) -> dict:
    return {item.get("@key"): item for item in answers.get("temuan", [])}


def test_edit_of_a_removed_instance_is_not_moved_onto_another_instance() -> None:
    base = _base()
    ours = {"temuan": [base["temuan"][0], base["temuan"][2]]}  # k2 removed
    theirs = _base()
    theirs["temuan"][1]["temuan_teks"] = "two edited"  # k2 edited
    for left, right in ((ours, theirs), (theirs, ours)):  # the server's merge order is fixed
        result = merge3(base, left, right)
        merged = _by_key(result.answers)
        if "k3" in merged:
            assert merged["k3"]["temuan_teks"] == "three", result


def test_reorder_never_gives_an_instance_another_instance_s_value() -> None:
    base = _base()
    ours = {"temuan": [base["temuan"][1], base["temuan"][2]]}  # k1 removed
    theirs = _base()
    theirs["temuan"] = [theirs["temuan"][2], theirs["temuan"][0], theirs["temuan"][1]]
    result = merge3(base, ours, theirs)
    original = _by_key(base)
    for key, item in _by_key(result.answers).items():
        assert item["prioritas"] == original[key]["prioritas"], result


def test_two_instances_added_with_the_same_key_are_not_both_kept_silently() -> None:
    base = _base()
    ours = _base()
    ours["temuan"].append({"@key": "n", "temuan_teks": "A", "prioritas": "rendah"})
    theirs = _base()
    theirs["temuan"].append({"@key": "n", "temuan_teks": "B", "prioritas": "rendah"})
    result = merge3(base, ours, theirs)
    keys = [item["@key"] for item in result.answers["temuan"]]
    assert len(keys) == len(set(keys)) or result.conflicts, result
