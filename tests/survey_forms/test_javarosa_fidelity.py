"""The engine against JavaRosa: the corpus of cases read from getodk/javarosa's tests and source
(``javarosa_cases/``), and the form-level behaviours that follow from it (non-finite numbers are
never stored, geopoints keep their parts, ``%b``/``%a`` follow the form's language)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_forms import FormSession
from survey_forms.expressions import parse
from survey_forms.expressions.testing import DictContext
from survey_forms.values import xpath_text
from tests.survey_forms.formtools import fixed_meta, md_form
from tests.survey_forms.javarosa_corpus import agrees, evaluate, load_cases, run

REQUIRED_SHARE = 0.97


def test_the_corpus_is_large_and_well_formed() -> None:
    cases = load_cases()
    assert len(cases) >= 500
    assert {case.kind for case in cases} <= {
        "number",
        "string",
        "boolean",
        "date",
        "datetime",
        "error",
    }
    assert len({case.file for case in cases}) >= 4


def test_at_least_97_percent_of_the_cases_javarosa_answers_agree() -> None:
    report = run()
    assert len(report.answered) >= 500
    assert report.share >= REQUIRED_SHARE, report.summary()


def test_the_corpus_can_fail() -> None:
    """A wrong expectation is reported as a difference (the measure is not vacuous)."""
    case = run().answered[0].case
    wrong = replace(case, expected="not what JavaRosa gives", kind="string")
    assert not agrees(wrong, evaluate(wrong))


# --- what follows in a form ---------------------------------------------------------------------

CALCS = """
| survey |
| | type      | name   | label | calculation        |
| | integer   | n      | N     |                    |
| | calculate | ratio  |       | 10 div ${n}        |
| | calculate | logn   |       | log(${n})          |
| | calculate | nan    |       | 0 div ${n}         |
| | calculate | half   |       | ${n} div 2         |
| | calculate | text   |       | string(10 div ${n}) |
"""


def test_non_finite_calculations_are_stored_as_no_answer() -> None:
    session = md_form(CALCS).new_session(meta=fixed_meta())
    session.set_answer("n", 0)
    answers = session.answers()
    assert "ratio" not in answers  # Infinity
    assert "logn" not in answers  # -Infinity
    assert "nan" not in answers  # NaN
    assert answers["half"] == "0"
    assert answers["text"] == "Infinity"  # a string is text, not a number
    json.dumps(answers, allow_nan=False)  # what the server accepts
    session.set_answer("n", 4)
    assert session.answers()["ratio"] == "2.5"
    assert session.answers()["logn"] == repr(math.log(4))


def test_an_expression_value_is_stored_as_text_without_non_finite_numbers() -> None:
    ctx = DictContext({"n": "0"})
    assert parse("1 div ${n}").evaluate_answer(ctx) == ""
    assert parse("-1 div ${n}").evaluate_answer(ctx) == ""
    assert parse("number('x')").evaluate_answer(ctx) == ""
    assert parse("1 div 4").evaluate_answer(ctx) == "0.25"
    assert parse("'NaN'").evaluate_answer(ctx) == "NaN"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"latitude": 1.234, "longitude": 5.678}, "1.234 5.678"),
        ({"latitude": 1.234, "longitude": 5.678, "altitude": 12}, "1.234 5.678 12"),
        ({"latitude": 1.234, "longitude": 5.678, "accuracy": 4.5}, "1.234 5.678 0 4.5"),
        ({"latitude": -3, "longitude": 104.7, "altitude": 10, "accuracy": 0}, "-3 104.7 10 0"),
    ],
)
def test_a_geopoint_reads_with_the_parts_recorded(value: dict[str, float], text: str) -> None:
    assert xpath_text("geopoint", value) == text


GEO = """
| survey |
| | type      | name     | label | calculation                          | relevant                  |
| | geopoint  | titik    | Titik |                                      |                           |
| | calculate | akurasi  |       | round(selected-at(${titik}, 3), 2)   |                           |
| | note      | catatan  | Akurasi nol |                                | ${akurasi} = 0            |
"""


def test_a_geopoint_without_accuracy_is_not_accuracy_zero() -> None:
    session = md_form(GEO).new_session(meta=fixed_meta())
    session.set_answer("titik", {"latitude": 1.234, "longitude": 5.678})
    assert "akurasi" not in session.answers()
    assert not session.is_relevant("catatan")
    session.set_answer(
        "titik", {"latitude": 1.234, "longitude": 5.678, "altitude": 0, "accuracy": 0}
    )
    assert session.is_relevant("catatan")


NAMES = """
| survey |
| | type      | name  | label::Indonesian (id) | label::English (en) | calculation                                |
| | date      | tgl   | Tanggal                | Date                |                                            |
| | calculate | teks  |                        |                     | format-date(${tgl}, '%a, %e %b %Y')        |
"""


def test_month_and_day_names_follow_the_form_language() -> None:
    form = md_form(NAMES)
    indonesian = form.new_session(meta=fixed_meta(language="id"))
    indonesian.set_answer("tgl", "2024-08-13")
    assert indonesian.answers()["teks"] == "Sel, 13 Agu 2024"
    english = form.new_session(meta=fixed_meta(language="en"))
    english.set_answer("tgl", "2024-08-13")
    assert english.answers()["teks"] == "Tue, 13 Aug 2024"


TIMES = """
| survey |
| | type      | name   | label  | calculation        | constraint       |
| | dateTime  | mulai  | Mulai  |                    |                  |
| | dateTime  | selesai| Selesai|                    | . >= ${mulai}    |
| | calculate | hari   |        | ${selesai} - ${mulai} |               |
| | date      | kunjungan | Kunjungan |              | . <= today()     |
"""


def test_datetimes_compare_as_days_as_in_collect() -> None:
    session = md_form(TIMES).new_session(meta=fixed_meta())
    session.set_answer("mulai", "2024-08-13T09:00:00.000+07:00")
    session.set_answer("selesai", "2024-08-13T08:00:00.000+07:00")  # earlier, the same day
    assert session.answers()["hari"] == "0"
    assert session.error("selesai") is None  # Collect accepts it too
    session.set_answer("selesai", "2024-08-15T08:00:00.000+07:00")
    assert session.answers()["hari"] == "2"


INDEXED = """
| survey |
| | type | name | label | calculation | relevant |
| | begin_repeat | r | R | | |
| | text | x | X | | |
| | calculate | first | | indexed-repeat(${x}, ${r}, 1) | |
| | calculate | previous | | indexed-repeat(${x}, ${r}, position(..) - 1) | |
| | note | sama | Sama | | ${x} = indexed-repeat(${x}, ${r}, 2) |
| | end_repeat | | | | |
| | calculate | second | | indexed-repeat(${x}, ${r}, 2) | |
"""


def _same_as_a_full_recompute(session: FormSession) -> None:
    fresh = session.form.new_session(answers=session.answers(), meta=fixed_meta())
    assert session.answers() == fresh.answers()
    count = session.repeat_count("r")
    for index in range(count):
        assert session.is_relevant("sama", (index,)) == fresh.is_relevant("sama", (index,))


def test_indexed_repeat_stays_right_as_answers_and_instances_change() -> None:
    session = md_form(INDEXED).new_session(meta=fixed_meta())
    for word in ("satu", "dua", "tiga"):
        index = session.add_repeat("r")
        session.set_answer("x", word, (index,))
        _same_as_a_full_recompute(session)
    assert [item["first"] for item in session.answers()["r"]] == ["satu"] * 3
    session.set_answer("x", "SATU", (0,))  # every instance reads the first
    _same_as_a_full_recompute(session)
    assert [item["first"] for item in session.answers()["r"]] == ["SATU"] * 3
    session.set_answer("x", "DUA", (1,))
    _same_as_a_full_recompute(session)
    assert session.answers()["second"] == "DUA"
    session.move_repeat("r", 2, 0)
    _same_as_a_full_recompute(session)
    assert session.answers()["second"] == "SATU"
    session.remove_repeat("r", 0)
    _same_as_a_full_recompute(session)
    assert [item["first"] for item in session.answers()["r"]] == ["SATU", "SATU"]


@given(
    a=st.integers(-(10**6), 10**6),
    b=st.integers(-3, 3),
    template=st.sampled_from(
        [
            "${a} div ${b}",
            "${a} mod ${b}",
            "log(${b})",
            "log10(${a})",
            "exp(${a})",
            "exp10(${a})",
            "pow(${a}, ${a})",
            "pow(${b}, 0.5)",
            "sqrt(${b})",
            "asin(${b})",
            "${a} * ${a} * ${a} * ${a} * ${a} * ${a} * ${a} * ${a} * ${a} * ${a}",
            "round(${a} div ${b}, 2)",
            "int(${a} div ${b})",
            "max(${a} div ${b}, 1)",
        ]
    ),
)
def test_a_calculation_never_stores_a_non_finite_number(a: int, b: int, template: str) -> None:
    text = parse(template).evaluate_answer(DictContext({"a": str(a), "b": str(b)}))
    assert text == "" or math.isfinite(float(text)), (template, a, b, text)
