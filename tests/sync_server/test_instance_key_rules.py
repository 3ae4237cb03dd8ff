"""A revision may not drop its parent's instance keys (sync_server.instance_key_rules), pure.

Hunts the class with random nested repeats: dropping any one key anywhere (top level or inside
an instance of an instance, after reorders, removals and additions) is found at its path; a
revision that keeps every key, or a legacy entry that never had keys, passes.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync_server.instance_key_rules import dropped_key_path, has_keyless_instance

_keys = iter(range(10**9))


def _room(n: int) -> dict[str, Any]:
    return {"@key": f"r{next(_keys)}", "r_name": f"room {n}", "r_people": n}


def _building(rooms: int) -> dict[str, Any]:
    return {"@key": f"b{next(_keys)}", "b_name": "x", "room": [_room(i) for i in range(rooms)]}


ANSWERS = st.lists(st.integers(1, 3), min_size=1, max_size=4).map(
    lambda sizes: {
        "kabkota": "16.71",
        "pilihan": ["a", "b"],  # a multiple choice: a list, not a repeat
        "building": [_building(n) for n in sizes],
    }
)


def _instances(answers: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i, building in enumerate(answers["building"]):
        out.append((f"building[{i}]", building))
        for j, room in enumerate(building["room"]):
            out.append((f"building[{i}]/room[{j}]", room))
    return out


@given(ANSWERS, st.data())
def test_dropping_any_key_anywhere_is_found(parent: dict[str, Any], data: st.DataObject) -> None:
    edited = copy.deepcopy(parent)
    if data.draw(st.booleans()):
        edited["building"].reverse()  # a reorder keeps every key: still fine
    if data.draw(st.booleans()):
        edited["building"].append(_building(1))  # an added instance with its own key
    assert dropped_key_path(parent, edited) is None
    assert not has_keyless_instance(edited)
    path, victim = data.draw(st.sampled_from(_instances(edited)))
    del victim["@key"]
    assert has_keyless_instance(edited)
    # the rooms of an added building have no list in the parent whose keys they could drop
    added = len(edited["building"]) > len(parent["building"])
    in_added = added and path.startswith(f"building[{len(edited['building']) - 1}]/")
    assert dropped_key_path(parent, edited) == (None if in_added else path)


def test_a_keyless_legacy_entry_stays_editable_without_keys() -> None:
    parent = {"building": [{"b_name": "x", "room": [{"r_name": "a"}, {"r_name": "b"}]}]}
    edited = copy.deepcopy(parent)
    edited["building"][0]["room"].pop(0)
    edited["building"].append({"b_name": "y"})
    assert dropped_key_path(parent, edited) is None


def test_keys_of_a_nested_list_are_kept_through_a_keyless_legacy_outer_instance() -> None:
    parent = {"building": [{"b_name": "x", "room": [{"@key": "r1", "r_name": "a"}]}]}
    edited = copy.deepcopy(parent)
    del edited["building"][0]["room"][0]["@key"]
    assert dropped_key_path(parent, edited) == "building[0]/room[0]"


def test_a_new_keyless_instance_beside_keyed_ones_is_refused() -> None:
    parent = {"temuan": [{"@key": "k0", "t": "a"}]}
    edited = {"temuan": [{"@key": "k0", "t": "a"}, {"t": "new"}]}
    assert dropped_key_path(parent, edited) == "temuan[1]"


def test_a_keyless_instance_the_parent_held_in_the_same_place_is_kept() -> None:
    """A list mixing keyed and keyless instances (keys given to some only): an edit that keeps
    the keyless one where it was is fine; one that shifts it (its implied key then names
    another instance) is refused."""
    parent = {"temuan": [{"@key": "k0", "t": "a"}, {"@key": "#1", "t": "b"}, {"t": "c"}]}
    edited = copy.deepcopy(parent)
    edited["temuan"][2]["t"] = "c edited"
    assert dropped_key_path(parent, edited) is None
    shifted = {"temuan": [parent["temuan"][1], parent["temuan"][2]]}  # k0 removed
    assert dropped_key_path(parent, shifted) == "temuan[1]"
