"""Property: the incremental recompute always agrees with a full recompute."""

from __future__ import annotations

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.survey_forms.formtools import fixed_meta, md_form

FORM = """
| survey |
| | type | name | label | relevant | calculation | required | constraint | choice_filter |
| | integer | a | A | | | | . < 50 | |
| | integer | b | B | ${a} > 10 | | ${a} > 20 | | |
| | calculate | ab | | | ${a} + ${b} | | | |
| | select_one grp | pilih | Pilih | | | | | |
| | select_one item | item | Item | ${ab} != 5 | | | | grp=${pilih} |
| | begin_group | g | G | ${pilih} = 'x' or ${b} > 3 | | | | |
| | text | t | T | | | ${a} = 1 | | |
| | calculate | tlen | | | string-length(${t}) | | | |
| | end_group | | | | | | | |
| | begin_repeat | r | R | ${a} != 7 | | | | |
| | integer | v | V | | | | . != ${a} | |
| | calculate | w | | | ${v} * 2 + ${b} | | | |
| | integer | z | Z | ${w} > 10 | | | | |
| | select_one item | ri | RI | | | | | grp=${pilih} |
| | calculate | pos | | | position(..) * 10 | | | |
| | begin_repeat | rr | RR | ${v} != 3 | | | | |
| | integer | u | U | | | ${pos} > 25 | . != ${v} | |
| | calculate | uu | | | ${u} + ${v} + ${a} | | | |
| | end_repeat | | | | | | | |
| | calculate | cnt_rr | | | count(${rr}) | | | |
| | end_repeat | | | | | | | |
| | calculate | sum_u | | | sum(${uu}) | | | |
| | calculate | total | | | sum(${w}) | | | |
| | calculate | n | | | count(${r}) | | | |
| | integer | after | After | ${total} > 20 and ${n} > 1 | | | | |
| choices |
| | list_name | name | label | grp |
| | grp | x | X | |
| | grp | y | Y | |
| | item | i1 | I1 | x |
| | item | i2 | I2 | y |
| | item | i3 | I3 | x |
"""

_form = md_form(FORM)

top_values = {
    "a": st.one_of(st.none(), st.integers(-5, 60)),
    "b": st.one_of(st.none(), st.integers(-5, 30)),
    "pilih": st.sampled_from([None, "x", "y", "nope"]),
    "item": st.sampled_from([None, "i1", "i2", "i3"]),
    "t": st.one_of(st.none(), st.text(max_size=4)),
    "after": st.one_of(st.none(), st.integers(0, 5)),
}
nested_values = {"u": st.one_of(st.none(), st.integers(-2, 6))}
repeat_values = {
    "v": st.one_of(st.none(), st.integers(-3, 12)),
    "z": st.one_of(st.none(), st.integers(0, 9)),
    "ri": st.sampled_from([None, "i1", "i2"]),
}

operation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(sorted(top_values)), st.data()),
    st.tuples(st.just("set_r"), st.sampled_from(sorted(repeat_values)), st.data()),
    st.tuples(st.just("add"), st.just("r"), st.data()),
    st.tuples(st.just("remove"), st.just("r"), st.data()),
    st.tuples(st.just("move"), st.just("r"), st.data()),
    st.tuples(st.just("add_rr"), st.just("rr"), st.data()),
    st.tuples(st.just("remove_rr"), st.just("rr"), st.data()),
    st.tuples(st.just("set_rr"), st.just("u"), st.data()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=25))
def test_incremental_agrees_with_full_recompute(ops) -> None:
    session = _form.new_session(meta=fixed_meta())
    for kind, name, data in ops:
        count = session.repeat_count("r")
        if kind == "set":
            value = data.draw(top_values[name])
            note(f"set {name} = {value!r}")
            session.set_answer(name, value)
        elif kind == "set_r":
            if count == 0:
                continue
            index = data.draw(st.integers(0, count - 1))
            value = data.draw(repeat_values[name])
            note(f"set {name}[{index}] = {value!r}")
            session.set_answer(name, value, (index,))
        elif kind == "add":
            note("add r")
            session.add_repeat("r")
        elif kind == "move":
            if count < 2:
                continue
            index = data.draw(st.integers(0, count - 1))
            target = data.draw(st.integers(0, count - 1))
            note(f"move r[{index}] -> {target}")
            session.move_repeat("r", index, target)
        elif kind in ("add_rr", "remove_rr", "set_rr"):
            if count == 0:
                continue
            outer = data.draw(st.integers(0, count - 1))
            inner = session.repeat_count("rr", (outer,))
            if kind == "add_rr":
                note(f"add rr in r[{outer}]")
                session.add_repeat("rr", (outer,))
            elif inner == 0:
                continue
            elif kind == "remove_rr":
                index = data.draw(st.integers(0, inner - 1))
                note(f"remove r[{outer}]/rr[{index}]")
                session.remove_repeat("rr", index, (outer,))
            else:
                index = data.draw(st.integers(0, inner - 1))
                value = data.draw(nested_values["u"])
                note(f"set r[{outer}]/rr[{index}]/u = {value!r}")
                session.set_answer("u", value, (outer, index))
        elif count:
            index = data.draw(st.integers(0, count - 1))
            note(f"remove r[{index}]")
            session.remove_repeat("r", index)
        incremental = session.state()
        errors = [(e.path, e.code) for e in session.errors()]
        session.recompute_all()
        assert session.state() == incremental
        assert [(e.path, e.code) for e in session.errors()] == errors
    # and a session resumed from the answers computes the same visible state
    resumed = _form.new_session(session.answers(), meta=fixed_meta())
    assert resumed.answers() == session.answers()
