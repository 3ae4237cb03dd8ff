"""Property tests: printing and re-parsing, the compiled closures against a plain tree walker,
exact integer arithmetic, number round trips, and robustness on arbitrary text."""

from __future__ import annotations

import contextlib
import math
import operator
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from survey_forms.expressions import ExpressionError, NodeSet, parse, to_number, to_string
from survey_forms.expressions.functions import FUNCTIONS
from survey_forms.expressions.parser import parse_tree
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
from survey_forms.expressions.testing import DictContext
from survey_forms.expressions.values import (
    add,
    divide,
    equal,
    modulo,
    multiply,
    not_equal,
    relate,
    subtract,
    to_boolean,
)

NAMES = ("a", "b", "c", "rep")
ANSWERS = {"a": "3", "b": "", "c": "2024-08-13", "rep": ["1", "", "5"]}

# --- random trees ---------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(0, 1000).map(float),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
).map(Number)
strings = st.text(st.sampled_from("ab 1.-'"), max_size=5).map(String)
references = st.sampled_from(NAMES).map(Reference)
leaves = st.one_of(numbers, strings, references)
OPERATORS = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]


# Library functions called with evaluated arguments: (name, argument counts to try).
LIBRARY = [
    ("selected", [2]),
    ("count-selected", [1]),
    ("selected-at", [2]),
    ("substr", [2, 3]),
    ("contains", [2]),
    ("starts-with", [2]),
    ("translate", [3]),
    ("round", [1, 2]),
    ("int", [1]),
    ("floor", [1]),
    ("abs", [1]),
    ("min", [1, 2, 3]),
    ("max", [1, 2, 3]),
    ("number", [1]),
    ("string", [1]),
    ("boolean", [1]),
    ("join", [1, 2, 4]),
    ("date", [1]),
    ("true", [0]),
]


def _library_call(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def build(draw: st.DrawFn) -> Node:
        name, counts = draw(st.sampled_from(LIBRARY))
        count = draw(st.sampled_from(counts))
        return Call(name, tuple(draw(children) for _ in range(count)))

    return st.composite(lambda draw: build(draw))()


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        _library_call(children),
        st.builds(Binary, st.sampled_from(OPERATORS), children, children),
        st.builds(Negate, children),
        st.builds(lambda c, t, f: Call("if", (c, t, f)), children, children, children),
        st.builds(lambda x: Call("not", (x,)), children),
        st.builds(lambda x, y: Call("concat", (x, y)), children, children),
        st.builds(lambda x, y: Call("coalesce", (x, y)), children, children),
        st.builds(lambda x: Call("count", (x,)), references),
        st.builds(lambda x: Call("sum", (x,)), references),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)

# --- a plain tree-walking interpreter, independent of the compiler -------------------------

_BINARY = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "div": divide,
    "mod": modulo,
    "=": equal,
    "!=": not_equal,
    "<": lambda x, y: relate(operator.lt, x, y),
    "<=": lambda x, y: relate(operator.le, x, y),
    ">": lambda x, y: relate(operator.gt, x, y),
    ">=": lambda x, y: relate(operator.ge, x, y),
}


def walk(node: Node, ctx: DictContext) -> object:
    if isinstance(node, Number | String):
        return node.value
    if isinstance(node, Reference):
        return ctx.resolve(node.name)
    if isinstance(node, Negate):
        return -to_number(walk(node.operand, ctx))
    if isinstance(node, Binary):
        if node.op == "or":
            return to_boolean(walk(node.left, ctx)) or to_boolean(walk(node.right, ctx))
        if node.op == "and":
            return to_boolean(walk(node.left, ctx)) and to_boolean(walk(node.right, ctx))
        return _BINARY[node.op](walk(node.left, ctx), walk(node.right, ctx))
    assert isinstance(node, Call)
    args = node.args
    if node.name == "if":
        return walk(args[1] if to_boolean(walk(args[0], ctx)) else args[2], ctx)
    if node.name == "not":
        return not to_boolean(walk(args[0], ctx))
    if node.name == "concat":
        parts = [walk(arg, ctx) for arg in args]
        return "".join("".join(p) if isinstance(p, NodeSet) else to_string(p) for p in parts)
    if node.name == "coalesce":
        first = walk(args[0], ctx)
        empty = to_string(first) == "" or (isinstance(first, float) and math.isnan(first))
        return walk(args[1], ctx) if empty else first
    if node.name in LIBRARY_NAMES:
        impl = FUNCTIONS[node.name].impl
        assert impl is not None
        return impl(*(walk(arg, ctx) for arg in args))
    value = walk(args[0], ctx)
    items = list(value) if isinstance(value, NodeSet) else [value]
    if node.name == "count":
        return float(len(items))
    assert node.name == "sum"
    numbers = [to_number(item) for item in items]
    return float(math.fsum(n for n in numbers if not math.isnan(n)))


LIBRARY_NAMES = frozenset(name for name, _ in LIBRARY)


def same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return type(left) is type(right) and left == right


@settings(max_examples=400, deadline=None)
@given(trees)
def test_print_then_parse_gives_the_same_tree_and_value(tree: Node) -> None:
    source = to_source(tree)
    reparsed = parse_tree(source)
    assert reparsed == tree, source
    expr = parse(source)
    ctx = DictContext(ANSWERS)
    assert same(expr.evaluate(ctx), walk(tree, DictContext(ANSWERS))), source
    assert to_source(expr.tree) == source


# --- exact integer arithmetic ----------------------------------------------------------------

int_leaves = st.one_of(
    st.integers(0, 10**6).map(lambda n: Number(float(n))),
    st.sampled_from(["x", "y"]).map(Reference),
)
int_trees = st.recursive(
    int_leaves,
    lambda children: st.one_of(
        st.builds(Binary, st.sampled_from(["+", "-", "*"]), children, children),
        st.builds(Negate, children),
    ),
    max_leaves=8,
)


def exact(node: Node, env: dict[str, int]) -> int:
    if isinstance(node, Number):
        return int(node.value)
    if isinstance(node, Reference):
        return env[node.name]
    if isinstance(node, Negate):
        return -exact(node.operand, env)
    assert isinstance(node, Binary)
    left, right = exact(node.left, env), exact(node.right, env)
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]


@settings(max_examples=300, deadline=None)
@given(int_trees, st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_integer_arithmetic_matches_exact_integers(tree: Node, x: int, y: int) -> None:
    expected = exact(tree, {"x": x, "y": y})
    assume(abs(expected) < 2**53)
    source = to_source(tree)
    result = parse(source).evaluate_number(DictContext({"x": str(x), "y": str(y)}))
    assert result == float(expected), source
    assert to_string(result) == str(expected)


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6).filter(bool))
def test_div_and_mod_match_exact_rationals(x: int, y: int) -> None:
    ctx = DictContext({"x": str(x), "y": str(y)})
    assert parse("${x} div ${y}").evaluate(ctx) == float(Fraction(x, y))
    remainder = abs(x) % abs(y) * (1 if x >= 0 else -1)  # truncating division's remainder
    assert parse("${x} mod ${y}").evaluate(ctx) == float(remainder)


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite, finite, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
def test_comparing_answers_compares_their_numbers(x: float, y: float, op: str) -> None:
    python = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge}[op]  # fmt: skip
    ctx = DictContext({"x": to_string(x), "y": to_string(y)})
    x, y = to_number(to_string(x)), to_number(to_string(y))  # as the answers are written
    # "=" between two answers compares text; relations compare numbers; against a number
    # literal, "=" compares numbers too.
    if op in ("=", "!="):
        assert parse(f"${{x}} {op} ${{y}}").evaluate(ctx) is python(
            ctx.values["x"], ctx.values["y"]
        )
        close = x == y or abs(x - y) < 1e-12  # JavaRosa's numeric equality
        assert parse(f"${{x}} {op} number(${{y}})").evaluate(ctx) is (
            close if op == "=" else not close
        )
    else:
        assert parse(f"${{x}} {op} ${{y}}").evaluate(ctx) is python(x, y)


# --- numbers written and read back ----------------------------------------------------------


@given(finite)
def test_number_to_string_round_trip(x: float) -> None:
    assume(x.is_integer() or abs(x - math.trunc(x)) >= 1e-12)  # else written as the integer
    text = to_string(x)
    assert "e" not in text and "E" not in text
    assert to_number(text) == x
    assert to_string(to_number(text)) == text


@given(st.integers(-(2**53), 2**53))
def test_integer_strings_round_trip(n: int) -> None:
    assert to_string(to_number(str(n))) == str(n)


@given(st.integers(0, 10**6), st.integers(1, 6))
def test_decimal_strings_round_trip(whole: int, places: int) -> None:
    text = f"{whole}.{'0' * (places - 1)}1"
    assert to_string(to_number(text)) == text


@given(st.text(max_size=12))
def test_non_numeric_text_is_nan_or_a_date(text: str) -> None:
    number = to_number(text)
    if not math.isnan(number):
        stripped = text.strip().replace(",", ".")
        looks_numeric = stripped.lstrip("-").replace(".", "", 1).isdigit()
        looks_temporal = "-" in stripped[1:] or ":" in stripped
        assert looks_numeric or looks_temporal, text


# --- functions against Python ---------------------------------------------------------------


@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_round_is_floor_of_x_plus_a_half(x: float) -> None:
    assume(x.is_integer() or abs(x - math.trunc(x)) >= 1e-12)  # the answer is written exactly
    rounded = parse("round(${x})").evaluate(DictContext({"x": to_string(x)}))
    assert rounded == math.floor(Fraction(x) + Fraction(1, 2))  # exact arithmetic


@given(st.integers(-(10**5), 10**5))
def test_round_half_goes_toward_positive_infinity(n: int) -> None:
    half = f"{n}.5" if n >= 0 else f"-{abs(n)}.5"  # n + 0.5 for n >= 0, n - 0.5 below
    expected = n + 1 if n >= 0 else n
    assert parse(f"round({half})").evaluate(None) == float(expected)


@given(st.text(max_size=15), st.data())
def test_substr_in_range_is_a_python_slice(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    ctx = DictContext({"s": text, "i": str(start), "j": str(end)})
    assert parse("substr(${s}, ${i}, ${j})").evaluate(ctx) == text[start:end]
    assert parse("substr(${s}, ${i})").evaluate(ctx) == text[start:]
    utf16_units = len(text.encode("utf-16-le", "surrogatepass")) // 2  # as Java's String.length()
    assert parse("string-length(${s})").evaluate(ctx) == float(utf16_units)


@given(st.integers(-(10**5), 10**5))
def test_dates_and_day_numbers_round_trip(days: int) -> None:
    ctx = DictContext({"n": str(days)})
    as_date = parse("date(${n})").evaluate(ctx)
    assert isinstance(as_date, str)
    assert parse("${d} + 0").evaluate(DictContext({"d": as_date})) == float(days)
    assert parse("format-date(${n}, '%Y-%m-%d')").evaluate(ctx) == as_date


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True), st.sampled_from("abcdef"))
def test_selected_family_matches_lists(names: list[str], probe: str) -> None:
    ctx = DictContext({"x": " ".join(names), "p": probe})
    assert parse("selected(${x}, ${p})").evaluate(ctx) is (probe in names)
    assert parse("count-selected(${x})").evaluate(ctx) == float(len(names))
    for index, name in enumerate(names):
        assert parse(f"selected-at(${{x}}, {index})").evaluate(ctx) == name


# --- robustness -----------------------------------------------------------------------------

ALPHABET = st.sampled_from([*"${}()[]/.,'\"=!<>+-*|@: abxy0123456789", "div ", "and ", "if("])


@settings(max_examples=500, deadline=None)
@given(st.lists(ALPHABET, max_size=20).map("".join))
def test_arbitrary_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        expr = parse(text)
    except ExpressionError as error:
        assert error.position is not None
        assert 0 <= error.position <= len(text)
        assert str(error)
        return
    assert parse_tree(to_source(expr.tree)) == expr.tree  # whatever parsed prints back
    with contextlib.suppress(ExpressionError):
        expr.evaluate(DictContext({"a": "1", "x": ["2", "3"]}, row={"abxy": "q"}))


NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_éèñüÀÿ"
ncnames = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(NAME_START),
    st.text(st.sampled_from(NAME_START + "0123456789.-"), max_size=12),
)


@given(ncnames)
def test_any_ncname_is_a_reference_and_a_bare_name(name: str) -> None:
    assume(name not in {"and", "or", "div", "mod"})
    expr = parse(f"${{{name}}} = {name}")
    assert expr.references == {name}
    assert expr.bare_names == {name}
    ctx = DictContext({name: "v"}, row={name: "v"})
    assert expr.evaluate(ctx) is True
