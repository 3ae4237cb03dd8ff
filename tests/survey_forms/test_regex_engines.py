"""regex(): RE2 syntax, linear-time matching on both engines (RE2 and the pure-Python fallback).

The fallback stands in for RE2 on Android; it is forced here with ``use_engine("fallback")``.
Its syntax reader and matcher are compared with RE2 on random patterns and texts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_forms import FormError
from survey_forms.expressions import ExpressionError, parse
from survey_forms.expressions import regex as regex_module
from survey_forms.expressions.regex import compile_regex, engine, regex_fullmatch, use_engine
from survey_forms.expressions.regex_syntax import RegexSyntaxError, parse_pattern
from survey_forms.expressions.regex_vm import MatchBudgetError, Program, compile_tree
from survey_forms.expressions.testing import DictContext
from tests.survey_forms import test_expressions_semantics as semantics
from tests.survey_forms.formtools import md_form

CATASTROPHIC = [
    "^([0-9]+)+$",  # the reported pattern
    "(a|a)*b",
    "(a*)*$",
    "^(x+x+)+y$",
    "^(\\w+\\s?)*$",
    "(.*a){20}",
]
EVIL_INPUT = "1" * 29 + "a"


@pytest.fixture(params=["re2", "fallback"])
def each_engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once with RE2 and once with the fallback forced."""
    previous = use_engine(request.param)
    try:
        yield request.param
    finally:
        use_engine(previous)


def _re2(pattern: str) -> object:
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def test_the_server_uses_re2_by_default() -> None:
    assert engine() == "re2"


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_backtracking_patterns_take_milliseconds(each_engine: str, pattern: str) -> None:
    expr = parse(f"regex(., '{pattern}')")
    for text in (EVIL_INPUT, "a" * 30, "x" * 30, "a " * 15 + "!"):
        timings = []
        for _ in range(3):  # the best of three: the machine is shared
            started = time.perf_counter()
            expr.evaluate(DictContext({}, current_value=text))
            timings.append(time.perf_counter() - started)
        # RE2 needs microseconds, the Python fallback about a millisecond per 30 characters;
        # a backtracking engine needs minutes for EVIL_INPUT
        assert min(timings) < (0.02 if each_engine == "re2" else 0.2), (pattern, text, timings)


@pytest.mark.parametrize(
    ("source", "answers", "expected"), semantics.test_regex.pytestmark[0].args[1]
)
def test_the_regex_semantics_table_holds_on_both_engines(
    each_engine: str, source: str, answers: dict[str, object], expected: object
) -> None:
    assert parse(source).evaluate(DictContext(answers)) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("^([0-9]+)+$", "2024", True),
        ("\\p{L}+", "Palembangé", True),  # Java-style Unicode classes work in RE2
        ("\\p{Lu}\\p{Ll}+", "Musi", True),
        ("\\p{L}+", "abc1", False),
        ("[[:digit:]]{16}", "1671012345678901", True),  # a NIK
        ("(?i)kpk-[0-9]+", "KPK-12", True),
        ("a|b", "b", True),  # full match over the alternation, not "a|" + "b$"
        ("b", "abc", False),  # the whole answer must match (JavaRosa's matches())
        ("\\d+", "١٢", False),  # \d is ASCII in RE2 (Python's re would say True)
        ("a$", "a\n", False),  # $ is the end of the text (Python's re allows a final newline)
        ("(?m)^a$\\n^b$", "a\nb", True),
        ("\\bkpk\\b.*", "kpk pusat", True),
        ("\\Q1+1\\E=2", "1+1=2", True),
        ("(?s).+", "a\nb", True),
        (".+", "a\nb", False),
        ("x{2,3}", "xxxx", False),
        ("[^\\d\\s]+", "abc", True),
    ],
)
def test_syntax_and_meaning(each_engine: str, pattern: str, text: str, expected: bool) -> None:
    assert regex_fullmatch(text, pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "hint"),
    [
        ("(a)\\1", "backreferences are not supported"),
        ("(?=.*[0-9])[a-z0-9]+", "no lookahead, lookbehind"),
        ("(?<!x)y", "no lookahead, lookbehind"),
        ("[0-9]++", "possessive"),
        ("a{1001}", "at most 1000"),
        ("(a{100}){11}", "nested repetitions"),
        ("\\p{Greek}", "use a general category such as \\p{L}"),
        ("\\Z", "use \\z or $"),
        ("[z-a]", "write ranges low to high"),
    ],
)
def test_patterns_outside_re2_syntax_are_refused_at_parse(pattern: str, hint: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(f"regex(., '{pattern}')")
    message = str(caught.value)
    assert "invalid regular expression" in message and hint in message
    assert caught.value.code == "argument" and caught.value.position == 9


def test_a_form_with_a_refused_pattern_is_a_form_error_naming_sheet_row_and_pattern() -> None:
    with pytest.raises(FormError) as caught:
        md_form(
            """
| survey |
| | type | name | label | constraint |
| | text | nama | Nama | |
| | text | kode | Kode | regex(., '^(?=.*[0-9]).+$') |
"""
        )
    error = caught.value
    assert error.sheet == "survey" and error.row == 3
    assert "constraint" in str(error) and "(?=.*[0-9]).+$" in str(error)
    assert "rewrite the pattern without them" in str(error)


def test_a_lone_surrogate_in_an_answer_is_no_crash(each_engine: str) -> None:
    assert regex_fullmatch("a\ud800b", "a.*") in (True, False)
    assert regex_fullmatch("a\ud800b", "[a-z]+") is False


def test_a_refused_pattern_from_an_answer_matches_nothing(each_engine: str) -> None:
    expr = parse("regex(., ${p})")
    assert expr.evaluate(DictContext({"p": "(a)\\1"}, current_value="aa")) is False
    assert (
        expr.evaluate(DictContext({"p": "(a)\\1"}, current_value="aa")) is False
    )  # cached refusal
    assert expr.evaluate(DictContext({"p": "([0-9]+)+"}, current_value=EVIL_INPUT)) is False


def test_the_fallback_stops_at_its_step_budget() -> None:
    program = compile_tree(parse_pattern("(a|aa|aaa)*b"))
    bounded = Program(program.code, max_steps=500)
    with pytest.raises(MatchBudgetError):
        bounded.fullmatch("a" * 1000)
    assert bounded.fullmatch("aab") is True
    # the largest program on a long answer: stopped by the budget in about a second at most
    previous = use_engine("fallback")
    try:
        started = time.perf_counter()
        assert regex_fullmatch("7" * 5000 + "x", "([0-9]{1,100}){10}") is False
        assert time.perf_counter() - started < 5
    finally:
        use_engine(previous)


def test_a_program_too_large_is_refused() -> None:
    with pytest.raises(RegexSyntaxError, match="pattern too large"):
        compile_tree(parse_pattern("|".join(["x{1000}"] * 25)))


# --- the fallback against RE2 on random patterns -----------------------------------------------

_ATOMS = st.sampled_from(
    [
        "a", "b", "ab", "x", "0", "9", ".", "\\d", "\\D", "\\w", "\\s", "\\S", "\\b", "\\B",
        "^", "$", "\\A", "\\z", "[a-c]", "[^a]", "[[:digit:]]", "[\\d_]", "\\pL", "\\p{Nd}",
        "\\PL", "é", "A", " ", "\\n", "-", "\\.", "\\x41", "\\x{e9}", "\\Q.*\\E", "(?i)",
        "(?s)", "(?m)", "[]a]", "[a-]", "\\101",
    ]
)  # fmt: skip
_OPS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "{2,1}", "**"])


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            inner = draw(_patterns(depth + 1))
            opener = draw(st.sampled_from(["(", "(?:", "(?i:", "(?P<g>"]))
            atom = opener + inner + ")"
        else:
            atom = draw(_ATOMS)
        parts.append(atom + draw(_OPS))
        if draw(st.integers(0, 5)) == 0:
            parts.append("|")
    return "".join(parts)


_TEXTS = st.text(alphabet="abxAB09é -\n.*_", max_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_patterns(), texts=st.lists(_TEXTS, min_size=1, max_size=6))
def test_the_fallback_reads_and_matches_as_re2(pattern: str, texts: list[str]) -> None:
    try:
        program = compile_tree(parse_pattern(pattern))
    except RegexSyntaxError:
        program = None
    try:
        compiled = _re2(pattern)
    except re2.error:
        compiled = None
    # the same accepted syntax (these atoms hold nothing the fallback refuses on purpose)
    assert (program is None) == (compiled is None), pattern
    if program is None:
        return
    for text in texts:
        expected = compiled.fullmatch(text) is not None  # type: ignore[attr-defined]
        assert program.fullmatch(text) is expected, (pattern, text)


def test_the_compiled_pattern_is_cached() -> None:
    assert compile_regex("^[0-9]{16}$") is compile_regex("^[0-9]{16}$")


def test_without_re2_installed_the_same_patterns_are_accepted_and_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As on Android: the module has no RE2, the pure-Python reader alone decides."""
    monkeypatch.setattr(regex_module, "_re2", None)
    monkeypatch.setattr(regex_module, "_engine", "fallback")
    regex_module._compile.cache_clear()
    try:
        assert isinstance(compile_regex("^08[0-9]{8,11}$"), Program)
        assert regex_fullmatch("081234567890", "^08[0-9]{8,11}$") is True
        assert regex_fullmatch(EVIL_INPUT, "^([0-9]+)+$") is False
        for pattern in ("(a)\\1", "(?=a)", "a++", "\\p{Greek}", "a{1001}"):
            with pytest.raises(ExpressionError, match="invalid regular expression"):
                compile_regex(pattern)
        with pytest.raises(RuntimeError, match="not installed"):
            use_engine("re2")
    finally:
        regex_module._compile.cache_clear()
