"""Parsing: precedence, associativity, operator names, what an Expr records, and every error."""

from __future__ import annotations

import pickle
import string

import pytest

from survey_forms.expressions import (
    KNOWN_FUNCTIONS,
    ExpressionError,
    parse,
    to_source,
)
from survey_forms.expressions.parser import parse_tree
from survey_forms.expressions.syntax import (
    BareName,
    Binary,
    Call,
    Current,
    Negate,
    Number,
    Parent,
    Reference,
    String,
)
from survey_forms.expressions.testing import DictContext
from survey_forms.expressions.texts import CATALOG


def value(source: str, **answers: object) -> object:
    return parse(source).evaluate(DictContext(answers))


# --- trees --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("1 + 2 * 3", Binary("+", Number(1), Binary("*", Number(2), Number(3)))),
        ("(1 + 2) * 3", Binary("*", Binary("+", Number(1), Number(2)), Number(3))),
        ("10 - 3 - 2", Binary("-", Binary("-", Number(10), Number(3)), Number(2))),
        ("8 div 2 div 2", Binary("div", Binary("div", Number(8), Number(2)), Number(2))),
        ("7 mod 4 * 2", Binary("*", Binary("mod", Number(7), Number(4)), Number(2))),
        ("-2 * 3", Binary("*", Negate(Number(2)), Number(3))),
        ("--3", Negate(Negate(Number(3)))),
        ("- ${a} - 1", Binary("-", Negate(Reference("a")), Number(1))),
        (
            "${a} or ${b} and ${c}",
            Binary("or", Reference("a"), Binary("and", Reference("b"), Reference("c"))),
        ),
        (
            "${a} = 1 or ${b} != 2",
            Binary(
                "or",
                Binary("=", Reference("a"), Number(1)),
                Binary("!=", Reference("b"), Number(2)),
            ),
        ),
        (
            "1 < 2 = 3 > 4",
            Binary("=", Binary("<", Number(1), Number(2)), Binary(">", Number(3), Number(4))),
        ),
        ("1 + 2 < 4", Binary("<", Binary("+", Number(1), Number(2)), Number(4))),
        (".5 + 3.", Binary("+", Number(0.5), Number(3.0))),
        (".", Current()),
        ("'it''s'", None),  # two adjacent strings: a syntax error, checked below
        ("\"say 'hi'\"", String("say 'hi'")),
        ("kabkota = ${kab}", Binary("=", BareName("kabkota"), Reference("kab"))),
        ("position(..)", Call("position", (Parent(),))),
        (
            "jr:choice-name(${x}, '${x}')",
            Call("jr:choice-name", (Reference("x"), String("${x}"))),
        ),
        ("${a.b-c_d}", Reference("a.b-c_d")),
        ("${kab_kota}-1", Binary("-", Reference("kab_kota"), Number(1))),
    ],
)
def test_tree_shape(source: str, tree: object) -> None:
    if tree is None:
        with pytest.raises(ExpressionError):
            parse_tree(source)
    else:
        assert parse_tree(source) == tree


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("10 - 3 - 2", 5.0),
        ("8 div 2 div 2", 2.0),
        ("2 * 3 + 4 * 5", 26.0),
        ("2 + 3 * 4 - 5", 9.0),
        ("-2 * -3", 6.0),
        ("17 mod 5 mod 3", 2.0),
        ("100 div 10 * 2", 20.0),
        ("1 + 1 = 2 and 3 > 2", True),
        ("1 = 1 = 1", True),  # (1 = 1) = 1 -> true = true
        ("3 > 2 > 1", False),  # (3 > 2) > 1 -> 1 > 1
        ("0 or 1 and 0", False),
        ("1 or 1 and 0", True),
    ],
)
def test_precedence_and_associativity_by_value(source: str, expected: object) -> None:
    assert value(source) == expected


# --- operator names versus names ----------------------------------------------------------------


def test_word_operators_in_operator_position() -> None:
    assert value("6 div 3") == 2.0
    assert value("7 mod 3") == 1.0
    assert value("1 and 0") is False
    assert value("0 or 1") is True


def test_word_operators_are_names_in_operand_position() -> None:
    tree = parse_tree("div div div")
    assert tree == Binary("div", BareName("div"), BareName("div"))
    row = DictContext(row={"div": "8", "mod": "3", "and": "x", "or": "y"})
    assert parse("div div 2").evaluate(row) == 4.0
    assert parse("div mod mod").evaluate(row) == 2.0  # 8 mod 3
    assert parse("and = 'x' and or = 'y'").evaluate(row) is True
    assert parse("or").bare_names == {"or"}


def test_word_operator_followed_by_parenthesis_is_still_an_operator() -> None:
    assert value("9 div (1 + 2)") == 3.0
    assert value("1 and (0)") is False


def test_names_may_contain_minus_and_dots_but_refs_end_at_brace() -> None:
    assert parse_tree("kab-1") == BareName("kab-1")
    assert parse_tree("kab - 1") == Binary("-", BareName("kab"), Number(1))
    assert parse("${a}-${b}").evaluate(DictContext({"a": "5", "b": "2"})) == 3.0


def test_function_name_with_word_operator_name() -> None:
    with pytest.raises(ExpressionError, match='unknown function "div"'):
        parse("div(4, 2)")


# --- what an expression records -----------------------------------------------------------------


def test_expression_metadata() -> None:
    expr = parse("${age} >= 17 and selected(${x}, 'a') and jr:choice-name(${kab}, ' ${kab2} ')")
    assert (
        expr.source
        == "${age} >= 17 and selected(${x}, 'a') and jr:choice-name(${kab}, ' ${kab2} ')"
    )
    assert expr.references == frozenset({"age", "x", "kab", "kab2"})
    assert expr.functions == frozenset({"selected", "jr:choice-name"})
    assert expr.bare_names == frozenset()
    assert expr.volatile is False
    assert expr.uses_position is False


def test_bare_names_volatile_and_position_flags() -> None:
    assert parse("kabkota = ${kab} and tipe != 'x'").bare_names == {"kabkota", "tipe"}
    assert parse("${d} <= today()").volatile is True
    assert parse("format-date(now(), '%Y')").volatile is True
    assert parse("position(..) = 1").uses_position is True
    assert parse("position(..) = 1").volatile is False
    assert parse(". > 0").references == frozenset()


def test_strings_holding_refs_are_not_references_except_in_choice_name() -> None:
    assert parse("concat('${a}', ${b})").references == {"b"}


def test_parse_is_cached_and_expressions_pickle() -> None:
    first = parse("${a} + 1")
    assert parse("${a} + 1") is first
    copy = pickle.loads(pickle.dumps(first))
    assert copy == first
    assert copy.evaluate(DictContext({"a": "2"})) == 3.0


def test_known_functions_cover_the_brief() -> None:
    required = {
        "selected", "count-selected", "selected-at", "jr:choice-name", "string-length", "substr",
        "concat", "contains", "starts-with", "ends-with", "regex", "if", "coalesce", "not",
        "true", "false", "boolean", "string", "number", "int", "round", "floor", "ceiling", "abs",
        "pow", "min", "max", "today", "now", "date", "format-date", "decimal-date-time", "count",
        "sum", "position", "normalize-space", "join", "once",
    }  # fmt: skip
    assert required <= KNOWN_FUNCTIONS
    for name in KNOWN_FUNCTIONS:  # each name parses with some arity and evaluates
        assert name in {"position", "jr:choice-name", "indexed-repeat"} or _callable_somehow(name)


def _callable_somehow(name: str) -> bool:
    for count in range(4):
        source = f"{name}({', '.join(['1'] * count)})"
        try:
            parse(source).evaluate(DictContext())
        except ExpressionError as error:
            if error.code != "arity":
                raise
            continue
        return True
    return False


# --- printing back ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("1+2*3", "1 + 2 * 3"),
        ("(1+2)*3", "(1 + 2) * 3"),
        ("10-(3-2)", "10 - (3 - 2)"),
        ("(10-3)-2", "10 - 3 - 2"),
        ("-(1+2)", "-(1 + 2)"),
        ("- - 3", "--3"),
        ("if(${a}>=1,'x',\"it's\")", "if(${a} >= 1, 'x', \"it's\")"),
        ("position( .. )", "position(..)"),
        ("0.000001 + 1.50", "0.000001 + 1.5"),
    ],
)
def test_to_source(source: str, printed: str) -> None:
    assert to_source(parse_tree(source)) == printed
    assert parse_tree(printed) == parse_tree(source)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code", "position", "message"),
    [
        ("if(${a} > 1, 'x'", "syntax", 16, 'expected "," or ")" at position 16'),
        ("(1 + 2", "syntax", 6, 'expected ")" at position 6'),
        ("1 +", "syntax", 3, "expected a value"),
        ("1 + * 2", "unsupported", 4, 'unsupported XPath construct "*" at position 4'),
        ("${a} ${b}", "syntax", 5, "expected an operator or the end of the expression"),
        ("${a} an ${b}", "syntax", 5, 'found "an"'),
        ("1 + 2)", "syntax", 5, 'unbalanced ")" at position 5'),
        ("", "syntax", 0, "empty expression"),
        ("   ", "syntax", 0, "empty expression"),
        ("'abc", "syntax", 0, "unterminated string starting at position 0"),
        ("concat(\"a', 'b')", "syntax", 7, "unterminated string"),
        ("${a} = ‘x’", "syntax", 7, "use straight quotes"),
        ("${a} # 2", "syntax", 5, 'unexpected character "#" at position 5'),
        ("/data/age > 3", "unsupported", 0, 'unsupported XPath construct "/" at position 0'),
        ("${a} + ../b", "unsupported", 9, 'unsupported XPath construct "/" at position 9'),
        ("//age", "unsupported", 0, 'construct "//" at position 0'),
        ("${rep}[1]", "unsupported", 6, 'construct "[" at position 6: predicates'),
        ("${a} | ${b}", "unsupported", 5, "unions are not supported"),
        ("@id", "unsupported", 0, "attributes are not supported"),
        ("$x + 1", "unsupported", 0, "XPath variables are not supported"),
        ("${ a} + 1", "syntax", 0, "invalid reference"),
        ("${1a}", "syntax", 0, "invalid reference"),
        ("${a", "syntax", 0, "invalid reference"),
        ("child::a", "unsupported", 5, "axes are not supported"),
        ("current()", "unsupported", 0, 'unsupported XPath construct "current()" at position 0'),
        ("pulldata('f', 'c', 'k', ${a})", "unsupported", 0, "external data"),
        ("1 + foo(2)", "unknown_function", 4, 'unknown function "foo" at position 4'),
        ("jr:foo(1)", "unknown_function", 0, 'unknown function "jr:foo"'),
        ("substring('abc', 1, 2)", "unknown_function", 0, 'unknown function "substring"'),
        ("jr:x + 1", "unsupported", 0, 'construct "jr:x"'),
        ("..", "unsupported", 0, "only allowed in position(..)"),
        ("position(.)", "argument", 9, 'position() needs ".."'),
        ("position()", "argument", 9, 'position() needs ".."'),
        ("position(.., 1)", "syntax", 11, 'expected ")"'),
        ("if(${a}, 1)", "arity", 0, "if() takes 3 arguments, not 2, at position 0"),
        ("if(1, 2, 3, 4)", "arity", 0, "if() takes 3 arguments, not 4"),
        ("selected(${a})", "arity", 0, "selected() takes 2 arguments, not 1"),
        ("substr('abc')", "arity", 0, "substr() takes 2 or 3 arguments, not 1"),
        ("round()", "arity", 0, "round() takes 1 or 2 arguments, not 0"),
        ("today(1)", "arity", 0, "today() takes 0 arguments, not 1"),
        ("min()", "arity", 0, "min() takes at least 1 argument, not 0"),
        ("not(1, 2)", "arity", 0, "not() takes 1 argument, not 2"),
        ("jr:choice-name(${a}, ${a})", "argument", 21, "needs the question as a quoted"),
        ("jr:choice-name(${a}, 'a')", "argument", 21, "needs the question as a quoted"),
        ("regex(${a}, '[0-9')", "argument", 12, "invalid regular expression '[0-9'"),
        ("if(${a} > 1 'x', 'y')", "syntax", 12, 'expected "," or ")" at position 12'),
        ("format-date(${d}, '%d %Q')", "argument", 18, "unknown code %Q"),
        ("format-date-time(${d}, '%Y %')", "argument", 23, "the pattern ends with %"),
    ],
)
def test_errors_name_what_and_where(source: str, code: str, position: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    error = caught.value
    assert message in str(error)
    assert error.code == code
    assert error.position == position
    assert error.source == source
    texts = error.messages()
    assert texts["en"] == str(error)
    assert texts["id"] and texts["id"] != texts["en"]
    if f"position {position}" in texts["en"]:
        assert f"posisi {position}" in texts["id"]


def test_syntax_error_quotes_the_expression() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("if(${a} > 1, 'x'")
    assert str(caught.value) == 'expected "," or ")" at position 16 in "if(${a} > 1, \'x\'"'


def test_non_string_source_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_tree(3)  # type: ignore[arg-type]


# --- long and deep expressions ------------------------------------------------------------------


def test_long_chains_do_not_recurse() -> None:
    count = 3000
    answers = {f"q{i}": str(i) for i in range(count)}
    total = parse(" + ".join(f"${{q{i}}}" for i in range(count)))
    assert total.evaluate(DictContext(answers)) == float(sum(range(count)))
    assert len(total.references) == count
    every = parse(" and ".join(f"${{q{i}}} != ''" for i in range(count)))
    assert every.evaluate(DictContext(answers)) is True
    answers["q2999"] = ""
    assert every.evaluate(DictContext(answers)) is False
    source = " - ".join(str(i) for i in range(count))
    assert to_source(parse_tree(source)) == source


def test_chains_keep_order_and_short_circuit() -> None:
    assert value("10 - 3 + 2 - 1") == 8.0
    assert value("2 * 6 div 4 mod 2") == 1.0
    assert value("1 - 2 * 3 + 4") == -1.0
    ctx = DictContext({"a": "", "b": "x", "c": "y"})
    parse("${a} or ${b} or ${c}").evaluate(ctx)
    assert ctx.resolved == ["a", "b"]
    ctx = DictContext({"a": "x", "b": "", "c": "y"})
    assert parse("${a} and ${b} and ${c}").evaluate(ctx) is False
    assert ctx.resolved == ["a", "b"]


def test_nesting_is_limited_with_a_clear_error() -> None:
    assert value("(" * 99 + "1" + ")" * 99) == 1.0
    assert value("if(${a}, 1, " * 98 + "0" + ")" * 98) == 0.0
    for deep in ["(" * 100 + "1" + ")" * 100, "-" * 100 + "1", "not(" * 100 + "1" + ")" * 100]:
        with pytest.raises(ExpressionError, match=r"nested too deeply \(more than 100 levels\)"):
            parse(deep)


# --- bilingual messages -------------------------------------------------------------------------


def test_catalog_entries_have_both_languages_with_the_same_placeholders() -> None:
    formatter = string.Formatter()
    for key, entry in CATALOG.items():
        assert set(entry) == {"id", "en"}, key
        fields = {
            language: {name for _, name, _, _ in formatter.parse(template) if name}
            for language, template in entry.items()
        }
        assert fields["id"] == fields["en"], key


def test_error_messages_in_indonesian() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("if(${a}, 1)")
    assert caught.value.messages() == {
        "id": 'if() memerlukan 3 argumen, bukan 2, pada posisi 0 dalam "if(${a}, 1)"',
        "en": 'if() takes 3 arguments, not 2, at position 0 in "if(${a}, 1)"',
    }
    with pytest.raises(ExpressionError) as caught:
        parse("/data/umur > 17")
    assert caught.value.messages()["id"] == (
        'konstruksi XPath "/" tidak didukung pada posisi 0: gunakan rujukan ${nama}'
    )
    with pytest.raises(ExpressionError) as caught:
        parse("${a} = 'x' 'y'")
    assert caught.value.messages()["id"] == (
        "diharapkan operator atau akhir ekspresi pada posisi 11 dalam "
        "\"${a} = 'x' 'y'\", tetapi ditemukan teks 'y'"
    )
    with pytest.raises(ExpressionError) as caught:
        parse("regex(${a}, '[z-a]')")
    assert caught.value.messages()["id"].startswith("ekspresi reguler '[z-a]' tidak valid: ")
