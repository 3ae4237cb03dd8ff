"""Evaluation, table-driven from XPath 1.0 and ODK (JavaRosa) behaviour.

Where JavaRosa departs from XPath 1.0 (sum/min/max skip empty answers, regex() matches the
whole string, numbers equal within 1e-12, a decimal comma), the rows follow JavaRosa
(getodk/javarosa XPathFuncExpr.java, XPathEqExpr.java).

Each row is ``(expression, answers, expected)``. ``NAN`` rows expect NaN. Answers are given as
the form session hands them to expressions: strings, with lists for a repeat's answers seen from
outside the repeat.
"""

from __future__ import annotations

import datetime
import math

import pytest

from survey_forms.expressions import ExpressionError, NodeSet, parse
from survey_forms.expressions.testing import DictContext

NAN = object()  # marker: the result must be NaN
INF = math.inf


def check(source: str, answers: dict[str, object], expected: object, **context: object) -> None:
    ctx = DictContext(answers, **context)  # type: ignore[arg-type]
    result = parse(source).evaluate(ctx)
    if expected is NAN:
        assert isinstance(result, float)
        assert math.isnan(result), f"{source} -> {result!r}"
    else:
        assert result == expected, f"{source} -> {result!r}"
        assert type(result) is type(expected), f"{source} -> {result!r}"


def table(*rows: tuple[str, dict[str, object], object]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("source", "answers", "expected"), rows, ids=[r[0] for r in rows]
    )


# --- empty answers --------------------------------------------------------------------------


@table(
    ("${a} + 1", {}, NAN),
    ("'' + 1", {}, NAN),
    ("${a} * 0", {}, NAN),
    ("-${a}", {}, NAN),
    ("${a} = ''", {}, True),
    ("${a} != ''", {}, False),
    ("${a} = ''", {"a": "x"}, False),
    ("${a} > 3", {}, False),
    ("${a} <= 3", {}, False),
    ("${a} = 0", {}, False),
    ("${a} != 0", {}, True),  # NaN != 0
    ("not(${a} > 3)", {}, True),
    ("string-length(${a}) = 0", {}, True),
    ("boolean(${a})", {}, False),
    ("boolean(${a})", {"a": "0"}, True),  # a non-empty string is true, even "0"
    ("${a}", {}, ""),
    ("${a} and true()", {}, False),
    ("count-selected(${a})", {}, 0.0),
    ("selected(${a}, 'x')", {}, False),
    ("number(${a})", {}, NAN),
    ("sum(${a})", {}, 0.0),  # JavaRosa skips empty (NaN) values
)
def test_empty_answers(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


# --- coercion and comparison ----------------------------------------------------------------


@table(
    ("${a} + ${b}", {"a": "2", "b": "3.5"}, 5.5),
    ("${a} = 17", {"a": "17"}, True),
    ("${a} = 17", {"a": "17.0"}, True),  # number on one side: compared as numbers
    ("${a} = '17.0'", {"a": "17"}, False),  # strings on both sides: compared as text
    ("${a} > 9", {"a": "10"}, True),  # numerically, not "10" < "9" as text
    ("${a} > '9'", {"a": "10"}, True),  # relational operators always compare numbers
    ("'abc' < 'abd'", {}, False),  # both NaN
    ("${a} >= 17", {"a": " 17 "}, True),  # XPath numbers allow surrounding spaces
    ("${a} + 0", {"a": "1e3"}, NAN),  # no exponent syntax in XPath
    ("${a} + 0", {"a": "+3"}, NAN),
    ("${a} + 0", {"a": "Infinity"}, NAN),
    ("${a} + 0", {"a": "1,5"}, 1.5),  # JavaRosa reads a decimal comma
    ("${a} + 0", {"a": "1.000,5"}, NAN),
    ("${a} + 0", {"a": "-.5"}, -0.5),
    ("true() = 'false'", {}, True),  # boolean side: the string converts to boolean
    ("false() = ''", {}, True),
    ("true() = 2", {}, True),
    ("false() = 0", {}, True),
    ("true() > false()", {}, True),
    ("true() + true()", {}, 2.0),
    ("1 = '1'", {}, True),
    ("1 = 'x'", {}, False),
    ("0 = ''", {}, False),
    ("'a' = 'a'", {}, True),
    ("'a' != 'A'", {}, True),
    ("number('12.50')", {}, 12.5),
    ("number(true())", {}, 1.0),
    ("string(1 div 3 > 0)", {}, "true"),
    ("string(1.0)", {}, "1"),
    ("string(-0.0)", {}, "0"),
    ("string(2.50)", {}, "2.5"),
    ("string(0.1 + 0.2)", {}, "0.30000000000000004"),
    ("string(1 div 0)", {}, "Infinity"),
    ("string(-1 div 0)", {}, "-Infinity"),
    ("string(0 div 0)", {}, "NaN"),
    ("string(100000000000000000000)", {}, "100000000000000000000"),
    ("string(0.0000001)", {}, "0.0000001"),
    ("concat('n=', 3 * 2)", {}, "n=6"),
    ("concat('x', true())", {}, "xtrue"),
    ("0.1 + 0.2 = 0.3", {}, True),  # JavaRosa: numbers equal within 1e-12
    ("0.1 + 0.2 != 0.3", {}, False),
    ("${a} = 0.3", {"a": "0.3000000001"}, False),
    ("${a} = 0.3", {"a": "0.30000000000001"}, True),
    ("string(1.1 + 2.2 - 3.3)", {}, "0"),
    ("boolean(1.1 + 2.2 - 3.3)", {}, False),
    ("string(3.0000000000001)", {}, "3"),
    ("string(2.9999999999999)", {}, "2.9999999999999"),  # JavaRosa truncates before snapping
    ("string(-3.0000000000001)", {}, "-3"),
)
def test_coercion_and_comparison(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


# --- arithmetic -----------------------------------------------------------------------------


@table(
    ("1 div 0", {}, INF),
    ("-1 div 0", {}, -INF),
    ("1 div -0", {}, -INF),
    ("0 div 0", {}, NAN),
    ("7 mod 3", {}, 1.0),
    ("-7 mod 3", {}, -1.0),  # the sign of the dividend
    ("7 mod -3", {}, 1.0),
    ("5.5 mod 2", {}, 1.5),
    ("1 mod 0", {}, NAN),
    ("${a} div 4", {"a": "10"}, 2.5),
    ("10 - 3 - 2", {}, 5.0),
    ("2 * -3", {}, -6.0),
    ("(1 div 0) - (1 div 0)", {}, NAN),
)
def test_arithmetic(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


# --- dates ----------------------------------------------------------------------------------


@table(
    ("${d} <= today()", {"d": "2024-08-13"}, True),  # today() is 2024-08-13 in DictContext
    ("${d} <= today()", {"d": "2024-08-14"}, False),
    ("${d} < today()", {"d": "2024-08-13"}, False),
    ("${d} = today()", {"d": "2024-08-13"}, True),
    ("${d} > '2024-01-31'", {"d": "2024-02-01"}, True),
    ("${d} > '2024-01-31'", {"d": "2023-12-31"}, False),
    ("${d} > '2024-01-31'", {}, False),
    ("today() - ${d}", {"d": "2024-08-03"}, 10.0),
    ("${d} + 0", {"d": "1970-01-02"}, 1.0),
    ("${d} + 0", {"d": "1969-12-31"}, -1.0),
    ("${d} + 0", {"d": "2024-02-30"}, NAN),
    # As JavaRosa (DateUtils.daysSinceEpoch): a dateTime is the whole day of its wall-clock date,
    # a time is day 0 (all times are on the same day; compare them with decimal-time()).
    ("${d} + 0", {"d": "1970-01-01T12:00:00Z"}, 0.0),
    ("${d} + 0", {"d": "1970-01-02T06:00:00+07:00"}, 1.0),  # the wall-clock date written
    ("${d} + 0", {"d": "1970-01-01T23:00:00-05:00"}, 0.0),
    ("${t} + 0", {"t": "06:00"}, 0.0),
    ("${t} > '08:00'", {"t": "09:15"}, False),
    ("decimal-time(${t}) > decimal-time('08:00')", {"t": "09:15"}, True),
    ("decimal-time(${t}) > decimal-time('08:00')", {"t": "07:59:59"}, False),
    (
        "${end} > ${start}",
        {"start": "2024-08-13T09:00:00.000+07:00", "end": "2024-08-13T09:30:00.000+07:00"},
        False,
    ),
    (
        "${end} > ${start}",
        {"start": "2024-08-13T09:00:00.000+07:00", "end": "2024-08-14T08:30:00.000+07:00"},
        True,
    ),
    (
        "${end} - ${start}",
        {"start": "2024-08-13T09:00:00.000+07:00", "end": "2024-08-13T23:30:00.000+07:00"},
        0.0,
    ),
    (
        "${end} = ${start}",
        {"start": "2024-08-13T09:00:00.000+07:00", "end": "2024-08-13T23:30:00.000+07:00"},
        True,
    ),
    ("${dt} <= today()", {"dt": "2024-08-13T09:00:00.000+07:00"}, True),
    ("${dt} = today()", {"dt": "2024-08-13T09:00:00.000+07:00"}, True),
    ("${dt} = '2024-08-13'", {"dt": "2024-08-13T09:00:00.000+07:00"}, True),
    ("${dt} != '2024-08-13'", {"dt": "2024-08-13T09:00:00.000+07:00"}, False),
    ("${dt} = '2024-08-14'", {"dt": "2024-08-13T09:00:00.000+07:00"}, False),
    ("date(concat(${y}, '-', ${m}, '-', ${d}))", {"y": "2024", "m": "8", "d": "3"}, "2024-08-03"),
    ("log(0)", {}, -math.inf),
    ("exp(1000)", {}, math.inf),
    ("string-length('a\U0001f600')", {}, 3.0),
    ("${dt} >= today()", {"dt": "2024-08-13T05:00:00.000+07:00"}, True),  # a WIB morning is today
    ("${dt} < today() + 1", {"dt": "2024-08-13T23:59:00.000+07:00"}, True),
    ("date(${dt}) <= today()", {"dt": "2024-08-13T23:00:00.000+07:00"}, True),
    ("decimal-date-time('1970-01-11T07:00:00+07:00')", {}, 10.0),  # UTC, as JavaRosa
    (
        "decimal-date-time(${e}) - decimal-date-time(${s})",
        {"s": "2024-08-13T23:30:00+07:00", "e": "2024-08-14T00:15:00+07:00"},
        0.03125,
    ),
    ("today()", {}, "2024-08-13"),
    ("now()", {}, "2024-08-13T09:30:00.000+07:00"),
    ("date(0)", {}, "1970-01-01"),
    ("date(19948)", {}, "2024-08-13"),
    ("date(1.75)", {}, "1970-01-02"),
    ("date(-1)", {}, "1969-12-31"),
    ("date('2024-08-13')", {}, "2024-08-13"),
    ("date('2024-08-13T23:59:00+07:00')", {}, "2024-08-13"),
    ("date('')", {}, ""),
    ("date('kemarin')", {}, ""),
    ("date(today() + 1)", {}, "2024-08-14"),
    ("date(${d} + 30)", {"d": "2024-02-01"}, "2024-03-02"),  # leap year
    ("decimal-date-time('1970-01-11T06:00:00Z')", {}, 10.25),
    ("decimal-date-time('1970-01-11')", {}, 10.0),
    ("decimal-date-time('')", {}, ""),
    ("decimal-time('06:00')", {}, 0.25),
    ("decimal-time('2024-08-13T18:00:00+07:00')", {}, 0.75),  # the wall-clock time written
    ("decimal-time('')", {}, ""),
    ("date(-1.5)", {}, "1969-12-31"),  # days are truncated toward zero
    ("decimal-date-time(today())", {}, 19948.0),
    ("format-date('2024-08-03', '%Y-%m-%d')", {}, "2024-08-03"),
    ("format-date('2024-08-03', '%e/%n/%y')", {}, "3/8/24"),
    ("format-date('2024-08-03', '%a %d %b %Y')", {}, "Sat 03 Aug 2024"),
    (
        "format-date('2024-08-13T07:05:09.042+07:00', '%H:%M:%S.%3 %h')",
        {},
        "07:05:09.042 7",
    ),
    ("format-date(now(), '%d-%m-%Y %H:%M')", {}, "13-08-2024 09:30"),
    ("format-date(19948, '%Y-%m-%d')", {}, "2024-08-13"),
    ("format-date(${d}, '%Y')", {}, ""),
    ("format-date('bukan tanggal', '%Y')", {}, ""),
    ("format-date('2024-08-03', '100%% %d')", {}, "100% 03"),
    ("format-date('2024-08-03', ${p})", {"p": "%d %Q"}, "03 %Q"),  # a pattern from an answer
    ("format-date-time('2024-12-31T23:59:00', '%b %e')", {}, "Dec 31"),
)
def test_dates(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


def test_today_is_the_date_in_the_contexts_own_zone() -> None:
    late = datetime.datetime(
        2024, 8, 13, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    )
    check("today()", {}, "2024-08-13", moment=late)
    check("now()", {}, "2024-08-13T23:30:00.000+07:00", moment=late)
    utc = datetime.datetime(2024, 8, 13, 16, 30, tzinfo=datetime.UTC)
    check("now()", {}, "2024-08-13T16:30:00.000Z", moment=utc)


# --- node-sets (repeats seen from outside) --------------------------------------------------


REP = {"umur": ["30", "", "45"], "kosong": [], "satu": ["7"], "nama": ["Ani", "Budi"]}


@table(
    ("count(${umur})", REP, 3.0),
    ("count(${kosong})", REP, 0.0),
    ("count(${satu})", REP, 1.0),
    ("count(${x})", {"x": "single"}, 1.0),  # a single node is a node-set of one
    ("count-non-empty(${umur})", REP, 2.0),
    ("sum(${umur})", REP, 75.0),  # JavaRosa skips the empty answer (XPath would give NaN)
    ("sum(${umur})", {"umur": ["30", "15", "45"]}, 90.0),
    ("sum(${kosong})", REP, 0.0),
    ("sum(${x})", {"x": "4"}, 4.0),
    ("${umur} = 45", REP, True),  # existential: some instance equals 45
    ("${umur} = 46", REP, False),
    ("${umur} != 30", REP, True),  # some instance differs (not the negation of =)
    ("${satu} != 7", REP, False),
    ("${umur} > 40", REP, True),
    ("${umur} < 10", REP, False),
    ("40 < ${umur}", REP, True),
    ("${umur} = ''", REP, True),
    ("${nama} = 'Budi'", REP, True),
    ("'Budi' = ${nama}", REP, True),
    ("${nama} = ${satu}", REP, False),
    ("${umur} = ${satu}", {"umur": ["1", "7"], "satu": ["7"]}, True),
    ("${umur} > ${satu}", {"umur": ["1", "7"], "satu": ["5", "9"]}, True),
    ("${umur} > ${satu}", {"umur": ["1", "4"], "satu": ["5", "9"]}, False),
    ("${kosong} = ''", REP, False),  # an empty node-set equals nothing
    ("${kosong} != ''", REP, False),
    ("${kosong} = false()", REP, True),  # with a boolean: the node-set as a boolean
    ("${umur} = true()", REP, True),
    ("boolean(${kosong})", REP, False),
    ("boolean(${umur})", {"umur": [""]}, True),  # non-empty node-set, even of ""
    ("${umur} + 1", REP, 31.0),  # number() of a node-set: its first node
    ("string(${nama})", REP, "Ani"),
    ("string(${kosong})", REP, ""),
    ("${kosong} + 1", REP, NAN),
    ("min(${umur})", {"umur": ["30", "15", "45"]}, 15.0),
    ("max(${umur})", {"umur": ["30", "15", "45"]}, 45.0),
    ("max(${umur})", REP, 45.0),  # the empty answer is skipped
    ("min(${umur})", {"umur": ["", ""]}, NAN),
    ("min(${kosong})", REP, NAN),
    ("max(${umur}, 100)", {"umur": ["30", "15"]}, 100.0),
    ("join(', ', ${nama})", REP, "Ani, Budi"),
    ("join('-', ${nama}, 'Cici')", REP, "Ani-Budi-Cici"),
    ("concat(${nama})", REP, "AniBudi"),
)
def test_nodesets(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


def test_nodeset_values_pass_through_as_nodesets() -> None:
    result = parse("${umur}").evaluate(DictContext(REP))
    assert result == NodeSet(["30", "", "45"])
    assert isinstance(result, NodeSet)


# --- selects --------------------------------------------------------------------------------


@table(
    ("selected(${x}, 'b')", {"x": "a b c"}, True),
    ("selected(${x}, 'd')", {"x": "a b c"}, False),
    ("selected(${x}, ' b ')", {"x": "a b c"}, True),
    ("selected(${x}, 'a b')", {"x": "a b c"}, False),
    ("selected(${x}, 'b')", {"x": "ab"}, False),  # whole names, not substrings
    ("selected(${x}, 2)", {"x": "1 2 3"}, True),
    ("selected(${x}, 'b')", {"x": "  a\tb\n"}, True),
    ("count-selected(${x})", {"x": "a b c"}, 3.0),
    ("count-selected(${x})", {"x": " a  b "}, 2.0),
    ("count-selected(${x}) >= 2", {"x": "a"}, False),
    ("selected-at(${x}, 0)", {"x": "a b c"}, "a"),
    ("selected-at(${x}, 2)", {"x": "a b c"}, "c"),
    ("selected-at(${x}, 3)", {"x": "a b c"}, ""),
    ("selected-at(${x}, -1)", {"x": "a b c"}, ""),
    ("selected-at(${x}, 1.9)", {"x": "a b c"}, "b"),
    ("${x} = 'ya'", {"x": "ya"}, True),
)
def test_selects(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


def test_choice_name_asks_the_context_for_the_label() -> None:
    labels = {("kab", "16.71"): "Kota Palembang", ("kab", "16.05"): "Kabupaten Musi Rawas"}
    expr = parse("jr:choice-name(${kab}, '${kab}')")
    assert expr.evaluate(DictContext({"kab": "16.71"}, labels=labels)) == "Kota Palembang"
    assert expr.evaluate(DictContext({"kab": "16.05"}, labels=labels)) == "Kabupaten Musi Rawas"
    assert expr.evaluate(DictContext({"kab": "99"}, labels=labels)) == ""
    other = parse("jr:choice-name(selected-at(${x}, 1), '${kab}')")
    assert other.evaluate(DictContext({"x": "16.71 16.05"}, labels=labels)) == (
        "Kabupaten Musi Rawas"
    )


def test_bare_names_read_the_choice_row() -> None:
    expr = parse("kabkota = ${kab}")
    assert expr.evaluate(DictContext({"kab": "16.71"}, row={"kabkota": "16.71"})) is True
    assert expr.evaluate(DictContext({"kab": "16.71"}, row={"kabkota": "16.05"})) is False


def test_current_value_and_position() -> None:
    check(". >= 0 and . <= 100", {}, True, current_value="75")
    check(". >= 0 and . <= 100", {}, False, current_value="175")
    check(". = ''", {}, True)
    check("position(..)", {}, 3.0, index=3)
    check("concat('Temuan #', position(..))", {}, "Temuan #2", index=2)
    check("string-length()", {}, 4.0, current_value="abcd")
    check("normalize-space()", {}, "a b", current_value=" a  b ")
    check("once(${a})", {"a": "baru"}, "lama", current_value="lama")  # keeps its first value


# --- if, coalesce, logic --------------------------------------------------------------------


@table(
    ("if(${a} > 1, 'besar', 'kecil')", {"a": "5"}, "besar"),
    ("if(${a} > 1, 'besar', 'kecil')", {"a": "1"}, "kecil"),
    ("if(${a} > 1, 'besar', 'kecil')", {}, "kecil"),
    ("if(${a}, 1, 2)", {"a": "0"}, 1.0),  # a non-empty string is true
    ("if(${a} = 'ya', ${b} * 2, 0)", {"a": "ya", "b": "4"}, 8.0),
    ("if(true(), 1 div 0, 'x')", {}, INF),
    ("coalesce(${a}, ${b})", {"b": "cadangan"}, "cadangan"),
    ("coalesce(${a}, ${b})", {"a": "utama", "b": "cadangan"}, "utama"),
    ("coalesce(${a}, ${b})", {}, ""),
    ("coalesce(${a}, 0) + 1", {}, 1.0),
    ("not(${a} = 'ya')", {"a": "tidak"}, True),
    ("true() and false()", {}, False),
    ("${a} or ${b}", {"b": "x"}, True),
    ("boolean-from-string('true')", {}, True),
    ("boolean-from-string('1')", {}, True),
    ("boolean-from-string('yes')", {}, False),
    ("boolean-from-string('TRUE')", {}, True),
    ("boolean-from-string(' true')", {}, False),
    ("coalesce(0 div 0, 'x')", {}, "x"),  # NaN counts as empty
    ("coalesce(${a} * 1, 5)", {}, 5.0),
    ("coalesce(0, 5)", {}, 0.0),
    ("once(${a})", {"a": "x"}, "x"),  # no current value yet
)
def test_logic(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


def test_if_and_logic_evaluate_only_what_they_need() -> None:
    for source, resolved in [
        ("if(${c}, ${t}, ${f})", ["c", "t"]),
        ("if(not(${c}), ${t}, ${f})", ["c", "f"]),
        ("${c} or ${other}", ["c"]),
        ("not(${c}) and ${other}", ["c"]),
        ("coalesce(${c}, ${other})", ["c"]),
    ]:
        ctx = DictContext({"c": "yes"})
        parse(source).evaluate(ctx)
        assert ctx.resolved == resolved, source


# --- numbers --------------------------------------------------------------------------------


@table(
    ("round(2.5)", {}, 3.0),
    ("round(-2.5)", {}, -2.0),  # halves go toward +infinity (XPath 1.0, JavaRosa)
    ("round(-3.5)", {}, -3.0),
    ("round(-0.5)", {}, 0.0),
    ("round(-2.6)", {}, -3.0),
    ("round(2.4)", {}, 2.0),
    ("round(-2.4)", {}, -2.0),
    ("round(0.5)", {}, 1.0),
    ("round(1.005, 2)", {}, 1.01),  # the decimal written, not its binary approximation
    ("round(2.675, 2)", {}, 2.68),
    ("round(-2.675, 2)", {}, -2.67),
    ("round(-2.676, 2)", {}, -2.68),
    ("round(1234.5678, 1)", {}, 1234.6),
    ("round(1250, -2)", {}, 1300.0),
    ("round(-1250, -2)", {}, -1200.0),
    ("round(-1270, -2)", {}, -1300.0),
    ("round(1.5, 31)", {}, NAN),  # JavaRosa: more than 30 digits is NaN
    ("round(1.5, 30)", {}, 1.5),
    ("round(${a})", {}, NAN),
    ("round(1 div 0)", {}, INF),
    ("round(2.5, ${a})", {}, 3.0),  # empty digits count as 0, as JavaRosa's intValue()
    ("int(3.9)", {}, 3.0),
    ("int(-3.9)", {}, -3.0),  # toward zero
    ("int('7.2')", {}, 7.0),
    ("int(${a})", {}, NAN),
    ("floor(-3.5)", {}, -4.0),
    ("ceiling(-3.5)", {}, -3.0),
    ("ceiling(3.0001)", {}, 4.0),
    ("abs(-4)", {}, 4.0),
    ("pow(2, 10)", {}, 1024.0),
    ("pow(9, 0.5)", {}, 3.0),
    ("pow(-8, 0.5)", {}, NAN),
    ("pow(0, -1)", {}, INF),
    ("pow(10, 400)", {}, INF),
    ("min(3, 1, 2)", {}, 1.0),
    ("max(3, '10', 2)", {}, 10.0),
    ("min(3, ${a})", {}, 3.0),  # empty answers are skipped
    ("max(3, 'x')", {}, 3.0),
    ("max(${a}, ${b})", {}, NAN),  # nothing left
    ("min(${a}, 3)", {}, 3.0),  # NaN first: must be skipped, not compared
    ("max('', 5, 2)", {}, 5.0),
    ("min(${umur})", {"umur": ["", "30", "7"]}, 7.0),
    ("exp10(2)", {}, 100.0),
    ("round(sin(pi() div 2), 6)", {}, 1.0),
    ("round(atan2(1, 1) * 4, 6)", {}, 3.141593),
    ("sqrt(16)", {}, 4.0),
    ("sqrt(-1)", {}, NAN),
    ("log10(1000)", {}, 3.0),
    ("round(pi(), 4)", {}, 3.1416),
    ("(${a} + ${b} + ${c}) div 3 * 25", {"a": "4", "b": "3", "c": "2"}, 75.0),  # IKM shape
)
def test_numbers(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


# --- strings --------------------------------------------------------------------------------


@table(
    ("string-length('Palembang')", {}, 9.0),
    ("string-length(${a})", {"a": "Muara Beliti"}, 12.0),
    ("substr('Palembang', 0, 4)", {}, "Pale"),
    ("substr('Palembang', 4)", {}, "mbang"),
    ("substr('Palembang', 4, 100)", {}, "mbang"),
    ("substr('Palembang', 9)", {}, ""),
    ("substr('Palembang', 20)", {}, ""),
    ("substr('Palembang', 5, 2)", {}, ""),
    ("substr('Palembang', 0, 0)", {}, ""),
    ("substr('Palembang', -4)", {}, "bang"),  # negative: counted from the end
    ("substr('Palembang', 0, -5)", {}, "Pale"),
    ("substr('Palembang', -100, 3)", {}, "Pal"),
    ("substr('Palembang', 1.7, 3.2)", {}, "al"),
    ("substr(${a}, 0, 2)", {"a": "16.71"}, "16"),
    ("substr(12345, 1, 3)", {}, "23"),
    ("concat(${a}, ' - ', ${b})", {"a": "16.71", "b": "Palembang"}, "16.71 - Palembang"),
    ("concat()", {}, ""),
    ("concat(${a}, 'x')", {}, "x"),
    ("contains('Palembang', 'lem')", {}, True),
    ("contains('Palembang', 'LEM')", {}, False),
    ("contains('abc', '')", {}, True),
    ("starts-with(${k}, '16.71')", {"k": "16.71.05"}, True),
    ("ends-with(${k}, '.05')", {"k": "16.71.05"}, True),
    ("starts-with(${k}, '16.05')", {"k": "16.71.05"}, False),
    ("normalize-space('  Seberang   Ulu\tI ')", {}, "Seberang Ulu I"),
    ("substring-before('16.71.05', '.')", {}, "16"),
    ("substring-after('16.71.05', '.')", {}, "71.05"),
    ("substring-after('abc', 'x')", {}, ""),
    ("translate('Ilir Barat', 'aI', 'A')", {}, "lir BArAt"),
    ("string(12)", {}, "12"),
)
def test_strings(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


@table(
    ("regex(${hp}, '^08[0-9]{8,11}$')", {"hp": "081234567890"}, True),
    ("regex(${hp}, '^08[0-9]{8,11}$')", {"hp": "0812345"}, False),
    ("regex(${hp}, '^08[0-9]{8,11}$')", {"hp": "62812345678"}, False),
    ("regex(${a}, '[0-9]')", {"a": "abc1def"}, False),  # the whole string must match
    ("regex(${a}, '.*[0-9].*')", {"a": "abc1def"}, True),
    ("regex(${a}, '[0-9]+')", {"a": "2024"}, True),
    ("regex(${a}, '^[0-9]+$')", {"a": "abc1def"}, False),
    ("regex(${a}, '^[0-9]*$')", {}, True),
    ("regex(${a}, 'x')", {}, False),
    # a pattern taken from an answer that is not a valid regex matches nothing (no error)
    ("regex(${a}, ${p})", {"a": "(", "p": "("}, False),
    ("regex(${a}, ${p})", {"a": "x", "p": "[a-"}, False),
    ("regex(${a}, ${p})", {"a": "x", "p": "x"}, True),
    ("regex(${a}, ${p})", {"a": "KPK-2024", "p": "^[A-Z]+-[0-9]{4}$"}, True),
)
def test_regex(source: str, answers: dict[str, object], expected: object) -> None:
    check(source, answers, expected)


def test_invalid_regex_from_an_answer_matches_nothing() -> None:
    # an officer's typing must not raise out of the session or the server's validation
    assert parse("regex('a', ${p})").evaluate(DictContext({"p": "(unclosed"})) is False
    # a literal pattern is still refused when the form loads
    with pytest.raises(ExpressionError, match="invalid regular expression"):
        parse("regex('a', '(unclosed')")


# --- convenience evaluators -----------------------------------------------------------------


def test_evaluate_string_boolean_number() -> None:
    expr = parse("${a} * 2")
    ctx = DictContext({"a": "1.25"})
    assert expr.evaluate_string(ctx) == "2.5"
    assert expr.evaluate_number(ctx) == 2.5
    assert expr.evaluate_boolean(ctx) is True
    assert parse("${a} * 2").evaluate_boolean(DictContext({"a": "0"})) is False
    assert parse("${a} * 2").evaluate_string(DictContext()) == "NaN"
    assert parse("${a}").evaluate_boolean(DictContext()) is False
    assert parse("${a}").evaluate_number(DictContext({"a": "2024-08-13"})) == 19948.0


def test_constant_folding_keeps_results() -> None:
    assert parse("1 + 2 * 3").evaluate(None) == 7.0  # no context needed: folded at compile time
    assert parse("concat('a', 'b') = 'ab'").evaluate(None) is True
    ctx = DictContext({"a": "601"})
    assert parse("${a} > 10 * 60").evaluate(ctx) is True
    assert parse("${a} > 10 * 61").evaluate(ctx) is False
