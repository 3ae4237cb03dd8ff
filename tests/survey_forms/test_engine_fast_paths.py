"""The engine's shortcuts give what the plain rules give.

The server evaluates every pushed entry, so the engine takes shortcuts: a chain of ``if()``
testing one reference against text literals is one look-up (``switch``), a constant
expression's answer text is made once, and a session holds no reference cycle (it is freed as
soon as it is dropped, not by the cyclic garbage collector). Each test below holds a shortcut
against a plain evaluation: a tree-walking interpreter independent of the compiler, the
earlier ``select_multiple`` rule; ``round()`` is held against the ``Decimal`` rule it states.
"""

from __future__ import annotations

import gc
import json
import math
import weakref
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms import load_pilot_form
from survey_forms.expressions import parse, to_string
from survey_forms.expressions.functions import _round
from survey_forms.expressions.syntax import (
    Binary,
    Call,
    Negate,
    Node,
    Number,
    Reference,
    String,
    to_source,
)
from survey_forms.expressions.testing import DictContext, walk
from survey_forms.expressions.values import (
    to_answer,
)
from survey_forms.session import FormSession
from survey_forms.values import ValueTypeError, normalize

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: the binary operators evaluated by value (not the short-circuit ``or``/``and``)
ARITHMETIC_AND_COMPARISON = ["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">="]


def same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return type(left) is type(right) and left == right


# --- if() chains over one reference -------------------------------------------------------

LITERALS = ["", "a", "b", "terpenuhi", "sebagian", "2024-08-13", "2024-08-13T10:00:00", " a"]
VALUES = [*LITERALS, "c", "2024-08-13T23:59:00+07:00", "A", "1", "1.0"]
branches = st.one_of(
    st.sampled_from(LITERALS).map(String),
    st.integers(0, 3).map(lambda n: Number(float(n))),
    st.sampled_from(["x", "y", "rep"]).map(Reference),
)


@st.composite
def switch_chains(draw: st.DrawFn) -> Node:
    """``if(X = 'l1', b1, if(X = 'l2', b2, ... d))``, sometimes with the literal first, with a
    condition on something else in the middle, or with ``!=``."""
    subject = draw(st.sampled_from([Reference("x"), Reference("rep")]))
    cases = draw(st.lists(st.tuples(st.sampled_from(LITERALS), branches), min_size=1, max_size=5))
    tree: Node = draw(branches)
    for literal, branch in reversed(cases):
        shape = draw(st.sampled_from(["subject first", "literal first", "other", "not equal"]))
        if shape == "subject first":
            condition: Node = Binary("=", subject, String(literal))
        elif shape == "literal first":
            condition = Binary("=", String(literal), subject)
        elif shape == "other":
            condition = Binary("=", Reference("y"), String(literal))
        else:
            condition = Binary("!=", subject, String(literal))
        tree = Call("if", (condition, branch, tree))
    return tree


subject_values = st.one_of(
    st.sampled_from(VALUES),
    st.text(max_size=4),
    st.lists(st.sampled_from(VALUES), max_size=3),  # a node-set (a repeat's answers)
)


@settings(max_examples=200, deadline=None)
@given(switch_chains(), subject_values, subject_values, st.sampled_from(VALUES))
def test_if_chains_over_one_reference_agree_with_the_plain_rules(
    tree: Node, x: Any, rep: Any, y: str
) -> None:
    values = {"x": x, "rep": rep, "y": y}
    expr = parse(to_source(tree))
    assert same(expr.evaluate(DictContext(values)), walk(tree, DictContext(values)))


def test_a_scoring_chain_is_one_look_up() -> None:
    expr = parse(
        "if(${h} = 'terpenuhi', 1, if(${h} = 'sebagian', 0.5, if(${h} = 'tidak', 0, '')))"
    )
    assert expr._closure.__name__ == "switch"
    context = DictContext({"h": "sebagian"})
    assert expr.evaluate(context) == 0.5
    assert context.resolved == ["h"]  # read once, not once per condition
    for value, answer in [("terpenuhi", "1"), ("tidak", "0"), ("", ""), ("lain", "")]:
        assert expr.evaluate_answer(DictContext({"h": value})) == answer
    # a literal that may be a date compares as a date: left to the general path
    dated = parse("if(${d} = '2024-08-13', 1, if(${d} = 'x', 2, 3))")
    assert dated._closure.__name__ != "switch"
    assert dated.evaluate(DictContext({"d": "2024-08-13T08:00:00+07:00"})) == 1.0
    # a node-set: the conditions in order, as the nested if() calls
    assert expr.evaluate(DictContext({"h": ["x", "sebagian"]})) == 0.5
    current = parse("if(. = 'a', 'A', if(. = 'b', 'B', '-'))")
    assert current._closure.__name__ == "switch"
    assert current.evaluate(DictContext(current_value="b")) == "B"


# --- constant answers ----------------------------------------------------------------------

constant_leaves = st.one_of(
    st.floats(-1e20, 1e20, allow_nan=False).map(abs).map(Number),
    st.sampled_from(["", "0", "1.50", "abc", "2024-08-13"]).map(String),
)
constant_trees = st.recursive(
    constant_leaves,
    lambda children: st.one_of(
        st.builds(Binary, st.sampled_from(ARITHMETIC_AND_COMPARISON), children, children),
        st.builds(Negate, children),
        st.builds(lambda c, t, f: Call("if", (c, t, f)), children, children, children),
        st.builds(lambda x, y: Call("round", (x, y)), children, children),
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(constant_trees)
def test_a_constant_expressions_answer_is_its_value_as_text(tree: Node) -> None:
    expr = parse(to_source(tree))
    assert expr._answer is not None  # folded: made once
    assert expr.evaluate_answer(DictContext()) == to_answer(walk(tree, DictContext()))


def test_expressions_reading_anything_are_not_constant() -> None:
    for source in ["${a}", ".", "today()", "random()", "position(..)", "1 + ${a}"]:
        assert parse(source)._answer is None, source
    assert parse("1 div 0").evaluate_answer(DictContext()) == ""  # infinite: no answer
    assert parse("10 div 4").evaluate_answer(DictContext()) == "2.5"


# --- round() -------------------------------------------------------------------------------


def decimal_round(number: float, places: int) -> float:
    """``round(x, places)`` by the Decimal rule alone (what ``_round`` did for every number)."""
    context = Context(prec=100, rounding=ROUND_HALF_UP if number >= 0 else ROUND_HALF_DOWN)
    try:
        return float(Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), context=context))
    except InvalidOperation:
        return number


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(-(10**20), 10**20).map(float),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, -0.0, 1e300, -1e300, 2.5, -2.5, 2.675, 1e16]),
    ),
    st.integers(-32, 32),
)
def test_round_gives_the_decimal_rule(number: float, places: int) -> None:
    got = _round(number, float(places))
    if abs(places) > 30:
        assert math.isnan(got)
    else:
        expected = decimal_round(number, places)
        assert same(got, expected) and math.copysign(1, got) == math.copysign(1, expected)


# --- select_multiple ----------------------------------------------------------------------


def earlier_select_multiple(value: Any) -> list[str]:
    """The ``select_multiple`` rule as it was written before the one-loop version."""
    if isinstance(value, str):
        return value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueTypeError("select_multiple")
    if any(" " in v for v in value) or len(set(value)) != len(value):
        raise ValueTypeError("select_multiple")
    return list(value)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(st.sampled_from(["a", "b", "", "a b", " "]), st.integers())),
        st.text(max_size=6),
        st.integers(),
        st.none(),
    )
)
def test_select_multiple_keeps_its_rule(value: Any) -> None:
    try:
        expected: Any = earlier_select_multiple(value)
    except ValueTypeError:
        with pytest.raises(ValueTypeError):
            normalize("select_multiple", value)
    else:
        assert normalize("select_multiple", value) == expected


# --- the pilot forms: every expression, compiled, against the plain rules ----------------------

PILOTS = {"observasi": "observasi_complete.json", "survei_masyarakat": "survei_complete.json"}
FORMS = {key: load_pilot_form(key) for key in PILOTS}


def _choice_names(key: str, node_name: str) -> list[str]:
    form = FORMS[key]
    question = form.graph.nodes[node_name].question
    return [choice.name for choice in form.choices.get(question.list_name or "", [])]


@st.composite
def pilot_answers(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A pilot form's complete fixture with some select answers changed at random."""
    key = draw(st.sampled_from(sorted(PILOTS)))
    answers = json.loads((FIXTURES / PILOTS[key]).read_text("utf-8"))
    form = FORMS[key]
    selects = [
        node.name
        for node in form.graph.nodes.values()
        if node.type in ("select_one", "select_multiple") and not node.depth
    ]
    for name in draw(st.lists(st.sampled_from(selects), max_size=12, unique=True)):
        names = _choice_names(key, name)
        if form.graph.nodes[name].type == "select_one":
            answers[name] = draw(st.sampled_from(names))
        else:
            answers[name] = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return key, answers


@settings(max_examples=60, deadline=None)
@given(pilot_answers())
def test_every_pilot_expression_agrees_with_the_plain_rules(case: tuple[str, dict]) -> None:
    key, answers = case
    form = FORMS[key]
    session = FormSession(form, answers)
    kinds = ("relevant", "calculation", "required", "constraint", "read_only")
    top_level = sum(
        getattr(node, kind) is not None
        for node in form.graph.order_nodes
        if not node.depth
        for kind in kinds
    )
    checked = 0
    for node in form.graph.order_nodes:
        for kind in kinds:
            expr = getattr(node, kind)
            if expr is None:
                continue
            for path, inst in session._paths(node.repeat_path, ()):
                context = session._context(node, inst, path)
                expected = walk(expr.tree, context)
                assert same(expr.evaluate(context), expected), (node.name, kind)
                if kind == "calculation":
                    assert expr.evaluate_answer(context) == to_answer(expected), node.name
                    if inst.relevant.get(node.name):
                        assert inst.xval[node.name] == to_answer(expected), node.name
                checked += 1
    assert checked >= top_level > 10


# --- no reference cycles ----------------------------------------------------------------------


def test_a_dropped_session_is_freed_without_the_cycle_collector() -> None:
    form = FORMS["observasi"]
    answers = json.loads((FIXTURES / PILOTS["observasi"]).read_text("utf-8"))
    assert any(isinstance(value, list) and value and isinstance(value[0], dict)
               for value in answers.values()), "the fixture has repeat instances"
    enabled = gc.isenabled()
    gc.disable()
    try:
        session = FormSession(form, answers)
        repeat = form.graph.top_level_repeats[0]
        session.add_repeat(repeat)
        session.move_repeat(repeat, 0, 1)
        session.remove_repeat(repeat, 1)
        first = session.root.repeats[repeat][0]
        assert first.outer is session.root
        assert session.errors() == session.errors()  # reads every instance
        assert to_string(session.text("skor_total")) != ""
        dropped = [weakref.ref(session), weakref.ref(first), weakref.ref(session.root)]
        del session, first
        assert [ref() for ref in dropped] == [None, None, None]
    finally:
        if enabled:
            gc.enable()


def test_an_instance_outlives_its_dropped_tree_without_a_crash() -> None:
    form = FORMS["observasi"]
    answers = json.loads((FIXTURES / PILOTS["observasi"]).read_text("utf-8"))
    session = FormSession(form, answers)
    repeat = form.graph.top_level_repeats[0]
    first = session.root.repeats[repeat][0]
    del session
    gc.collect()
    assert first.outer is None
