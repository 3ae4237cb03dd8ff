"""Repeat instance keys in a FormSession, and the cap on the instances of one entry."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms.instance_keys import KEY, is_valid_key
from survey_forms.session import MAX_INSTANCES, TooManyInstancesError
from survey_forms.session_tree import MAX_REPEAT_COUNT
from survey_forms.validation import MAX_ISSUES
from tests.survey_forms.formtools import fixed_meta, md_form

NESTED = md_form("""
| survey |
| | type | name | label |
| | begin_repeat | r | R |
| | text | t | T |
| | begin_repeat | n | N |
| | text | u | U |
| | end_repeat | | |
| | end_repeat | | |
""")

COUNTED = md_form("""
| survey |
| | type | name | label | repeat_count |
| | integer | a | A | |
| | integer | b | B | |
| | begin_repeat | outer | Outer | ${a} |
| | text | t | T | |
| | begin_repeat | inner | Inner | ${b} |
| | text | u | U | |
| | end_repeat | | | |
| | end_repeat | | | |
""")


def keys(items: list[dict[str, Any]]) -> list[str]:
    return [item[KEY] for item in items]


# -- a random walk of edits against a model -------------------------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["add", "add_inner", "remove", "remove_inner", "move", "move_inner", "set"]
        ),
        st.integers(0, 5),
        st.integers(0, 5),
        st.integers(0, 5),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_keys_stay_unique_and_attached_to_their_instance(ops) -> None:
    session = NESTED.new_session(meta=fixed_meta())
    # the model: [key, t, [[key, u], ...]] per outer instance, in order
    model: list[list[Any]] = []
    serial = 0
    for op, i, j, k in ops:
        serial += 1
        if op == "add":
            index = session.add_repeat("r")
            session.set_answer("t", f"t{serial}", (index,))
            model.append([session.answers()["r"][index][KEY], f"t{serial}", []])
        elif not model:
            continue
        elif op == "add_inner":
            i %= len(model)
            index = session.add_repeat("n", (i,))
            session.set_answer("u", f"u{serial}", (i, index))
            model[i][2].append([session.answers()["r"][i]["n"][index][KEY], f"u{serial}"])
        elif op == "remove":
            i %= len(model)
            session.remove_repeat("r", i)
            del model[i]
        elif op == "move":
            i, j = i % len(model), j % len(model)
            session.move_repeat("r", i, j)
            model.insert(j, model.pop(i))
        elif op == "set":
            i %= len(model)
            session.set_answer("t", f"s{serial}", (i,))
            model[i][1] = f"s{serial}"
        elif not model[i % len(model)][2]:
            continue
        elif op == "remove_inner":
            inner = model[i % len(model)][2]
            session.remove_repeat("n", j % len(inner), (i % len(model),))
            del inner[j % len(inner)]
        elif op == "move_inner":
            inner = model[i % len(model)][2]
            session.move_repeat("n", j % len(inner), k % len(inner), (i % len(model),))
            inner.insert(k % len(inner), inner.pop(j % len(inner)))
        answers = session.answers()
        got = [
            [item[KEY], item["t"], [[sub[KEY], sub["u"]] for sub in item.get("n", [])]]
            for item in answers.get("r", [])
        ]
        assert got == model
        every = keys(answers.get("r", []))
        assert len(set(every)) == len(every)
        for item in answers.get("r", []):
            inner_keys = keys(item.get("n", []))
            assert len(set(inner_keys)) == len(inner_keys)
            assert all(is_valid_key(key) and not key.startswith("#") for key in inner_keys)
    # keys survive a reload (the tablet reopening the entry) and validation accepts them
    answers = session.answers()
    assert NESTED.new_session(answers, fixed_meta()).answers() == answers
    assert NESTED.validate(answers) == []


def test_legacy_instances_get_implied_keys_and_given_keys_are_kept() -> None:
    legacy = {
        "r": [
            {"t": "a", "n": [{"u": "1"}, {KEY: "given", "u": "2"}]},
            {KEY: "k1", "t": "b"},
            {"t": "c"},
        ]
    }
    session = NESTED.new_session(legacy, fixed_meta())
    answers = session.answers()
    assert keys(answers["r"]) == ["#0", "k1", "#2"]
    assert keys(answers["r"][0]["n"]) == ["#0", "given"]
    # removing the first keeps the others' keys (the implied one of "c" stays "#2")
    session.remove_repeat("r", 0)
    assert keys(session.answers()["r"]) == ["k1", "#2"]
    index = session.add_repeat("r")
    new_key = session.answers()["r"][index][KEY]
    assert len(new_key) == 32 and new_key not in ("k1", "#2")
    session.set_answer("t", "changed", (1,))
    assert session.answers()["r"][1] == {KEY: "#2", "t": "changed"}


def test_repeat_count_instances_get_deterministic_keys() -> None:
    one = COUNTED.new_session(meta=fixed_meta())
    two = COUNTED.new_session(meta=fixed_meta())
    for session in (one, two):
        session.set_answer("a", 3)
        session.set_answer("b", 2)
    assert one.answers() == two.answers()
    assert keys(one.answers()["outer"]) == ["#0", "#1", "#2"]
    assert keys(one.answers()["outer"][1]["inner"]) == ["#0", "#1"]
    one.set_answer("t", "x", (1,))
    one.set_answer("a", 2)  # the last one goes, the others keep their keys and answers
    assert one.answers()["outer"][1][KEY] == "#1" and one.answers()["outer"][1]["t"] == "x"
    assert keys(one.answers()["outer"]) == ["#0", "#1"]


def test_a_grown_count_never_reuses_a_key_held_elsewhere() -> None:
    answers = {"a": 3, "outer": [{KEY: "#2"}, {KEY: "#0"}]}  # as reordered elsewhere, count grown
    session = COUNTED.new_session(answers, fixed_meta())
    got = keys(session.answers()["outer"])
    assert got[:2] == ["#2", "#0"] and len(set(got)) == 3
    assert got == keys(COUNTED.new_session(answers, fixed_meta()).answers()["outer"])
    assert COUNTED.validate({**session.answers()}) == []


# -- the total cap ----------------------------------------------------------------------------------


def test_nested_huge_counts_are_capped_fast_with_a_clear_issue() -> None:
    answers = {"a": 10**9, "b": 10**9}
    # CPU time of this process: the test machine's other work does not count (about 0.25 s)
    started = time.process_time()
    issues = COUNTED.validate(answers)
    elapsed = time.process_time() - started
    assert elapsed < 1.0, elapsed
    assert len(issues) <= MAX_ISSUES + 1
    capped = [i for i in issues if i.code == "too_many_instances"]
    assert capped and capped[0].path == "outer[1]/inner"
    assert str(MAX_INSTANCES) in capped[0].message["en"]
    assert str(MAX_INSTANCES) in capped[0].message["id"]
    assert issues[-1].code == "too_many_issues" and issues[-1].path == ""
    assert issues[-1].message["id"] and issues[-1].message["en"]


def test_the_session_never_holds_more_than_the_cap() -> None:
    session = COUNTED.new_session(meta=fixed_meta())
    session.set_answer("a", MAX_REPEAT_COUNT)
    session.set_answer("b", 3)
    total = session.repeat_count("outer") + sum(
        session.repeat_count("inner", (i,)) for i in range(session.repeat_count("outer"))
    )
    assert total == MAX_INSTANCES
    assert [e.code for e in session.errors()][:1] == ["too_many_instances"]
    assert session.errors()[0].path.startswith("outer[")
    # fewer outer instances make room: the capped inner repeats fill up, the issue goes
    session.set_answer("a", 3400)
    assert [session.repeat_count("inner", (i,)) for i in range(3400)] == [3] * 3400
    assert session.errors() == []
    session.recompute_all()
    assert [session.repeat_count("inner", (i,)) for i in range(3400)] == [3] * 3400


def test_a_huge_pushed_list_costs_no_more_than_the_cap() -> None:
    """2.6 MB of empty instances (more than a push may carry): bounded work, one issue."""
    answers = {"r": [{} for _ in range(650_000)]}
    started = time.process_time()
    issues = NESTED.validate(answers)
    elapsed = time.process_time() - started
    assert elapsed < 1.0, elapsed
    assert [(i.path, i.code) for i in issues] == [("r", "too_many_instances")]
    assert "650000" in issues[0].message["en"]


def test_loaded_lists_are_capped_too() -> None:
    answers = {"r": [{"t": str(i)} for i in range(MAX_INSTANCES + 5)]}
    session = NESTED.new_session(answers, fixed_meta())
    assert session.repeat_count("r") == MAX_INSTANCES
    [issue] = session.errors()
    assert (issue.path, issue.code) == ("r", "too_many_instances")
    with pytest.raises(TooManyInstancesError):
        session.add_repeat("n", (0,))
    session.remove_repeat("r", 0)
    session.add_repeat("n", (0,))  # room again


def test_issue_lists_are_bounded() -> None:
    form = md_form("""
| survey |
| | type | name | label | required |
| | begin_repeat | r | R | |
| | text | t | T | yes |
| | end_repeat | | | |
""")
    answers = {"r": [{} for _ in range(MAX_ISSUES + 50)]}
    issues = form.validate(answers)
    assert len(issues) == MAX_ISSUES + 1
    assert issues[-1].code == "too_many_issues"
    assert "50" in issues[-1].message["en"] and "50" in issues[-1].message["id"]
    session = form.new_session(answers, fixed_meta())
    assert len(session.errors()) == MAX_ISSUES + 1
    assert len(session.errors(limit=None)) == MAX_ISSUES + 50


def test_room_freed_elsewhere_fills_a_capped_repeat_as_a_full_recompute_does() -> None:
    form = md_form("""
| survey |
| | type | name | label | repeat_count |
| | integer | n | N | |
| | begin_repeat | manual | Manual | |
| | text | t | T | |
| | end_repeat | | | |
| | begin_repeat | counted | Counted | ${n} |
| | text | u | U | |
| | end_repeat | | | |
""")
    answers = {"n": 100, "manual": [{"t": str(i)} for i in range(MAX_INSTANCES - 10)]}
    session = form.new_session(answers, fixed_meta())
    assert session.repeat_count("counted") == 10
    assert [e.code for e in session.errors()] == ["too_many_instances"]
    for _ in range(50):
        session.remove_repeat("manual", 0)
    assert session.repeat_count("counted") == 60
    session.remove_repeat("manual", 0)
    session.set_answer("n", 40)
    assert session.repeat_count("counted") == 40 and session.errors() == []
    before = session.answers()
    session.recompute_all()
    assert session.answers() == before
