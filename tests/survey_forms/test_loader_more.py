"""More loading cases: the .xls format, column behaviour, and a fuzz test that loading never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_forms import FormError, load_xlsform
from tests.survey_forms.formtools import fixed_meta, md_form

FIXTURES = Path(__file__).parent / "fixtures"


def test_legacy_xls_workbook_loads() -> None:
    # written once with xlwt (the .xls writer) and kept as a fixture
    form = load_xlsform(FIXTURES / "legacy_form.xls")
    assert form.form_id == "legacy_xls"
    assert form.version == "3"
    s = form.new_session(meta=fixed_meta())
    assert not s.is_relevant("jumlah")
    s.set_answer("hadir", "ya")
    s.set_answer("jumlah", 4)
    assert s.value("dobel") == "8"
    assert form.question("hadir").labels == {"id": "Hadir?", "en": "Present?"}


def test_read_only_required_message_appearance_parameters() -> None:
    form = md_form("""
| survey |
| | type | name | label::English (en) | read_only | required | required_message::English (en) | required_message::Bahasa Indonesia (id) | appearance | parameters |
| | text | kode | Code | yes | | | | | |
| | integer | n | N | ${kode} = 'x' | true() | Please count | Mohon dihitung | | |
| | text | catatan | Notes | | | | | multiline | |
| | image | foto | Photo | | | | | | max-pixels=1024 |
| settings |
| | default_language |
| | Bahasa Indonesia (id) |
""")
    s = form.new_session(meta=fixed_meta())
    assert s.is_read_only("kode")
    assert not s.is_read_only("n")
    s.set_answer("kode", "x")
    assert s.is_read_only("n")
    (issue,) = s.errors()
    assert issue.message == {"id": "Mohon dihitung", "en": "Please count"}
    assert form.question("catatan").appearance == "multiline"
    assert form.question("foto").parameters == {"max-pixels": "1024"}


@pytest.mark.parametrize(
    ("row", "construct", "kept"),
    [
        ("| | image | foto | Photo | signature |", "appearance 'signature' (image)", ""),
        ("| | integer | n | N | numbers |", "appearance 'numbers' (integer)", ""),
        ("| | select_multiple ya | s | S | minimal |", "appearance 'minimal' (select_multiple)", ""),
        ("| | select_one ya | s | S | columns-4 |", "appearance 'columns-4' (select_one)", ""),
        ("| | text | t | T | multiline w2 |", "appearance 'w2' (text)", "multiline"),
    ],
)
def test_an_appearance_the_app_does_not_render_loads_with_a_warning(
    row: str, construct: str, kept: str
) -> None:
    source = (
        "| survey |\n| | type | name | label | appearance |\n| | text | a | A | |\n"
        f"{row}\n| choices |\n| | list_name | name | label |\n| | ya | ya | Ya |\n"
    )
    form = md_form(source)
    (warning,) = form.warnings
    assert (warning.construct, warning.rows) == (construct, (3,))
    assert [q.appearance for q in form.questions][1] == kept


@pytest.mark.parametrize(
    ("row", "kept"),
    [
        ("| | select_one ya | s | S | minimal |", "minimal"),
        ("| | select_one ya | s | S | likert |", "likert"),
        ("| | select_one ya | s | S | quick horizontal |", "quick horizontal"),
        ("| | select_multiple ya | s | S | horizontal-compact |", "horizontal-compact"),
        ("| | text | s | S | numbers |", "numbers"),
    ],
)
def test_the_appearances_the_app_renders_are_kept(row: str, kept: str) -> None:
    source = (
        "| survey |\n| | type | name | label | appearance |\n| | text | a | A | |\n"
        f"{row}\n| choices |\n| | list_name | name | label |\n| | ya | ya | Ya |\n"
    )
    form = md_form(source)
    assert form.warnings == []
    assert [q.appearance for q in form.questions][1] == kept


def test_a_search_appearance_is_refused_with_its_row() -> None:
    source = (
        "| survey |\n| | type | name | label | appearance |\n"
        "| | select_one ya | s | S | search('desa') |\n"
        "| choices |\n| | list_name | name | label |\n| | ya | ya | Ya |\n"
    )
    with pytest.raises(FormError) as caught:
        md_form(source)
    assert caught.value.row == 2 and "search" in str(caught.value)


@pytest.mark.parametrize("column", ["label", "hint", "constraint_message"])
def test_unknown_reference_in_a_label_is_refused(column: str) -> None:
    source = (
        f"| survey |\n| | type | name | label | {column if column != 'label' else 'hint'} |\n"
        "| | text | a | A | |\n"
    )
    if column == "label":
        source += "| | note | n | Halo ${nama} | |\n"
    else:
        source += "| | text | b | B | Halo ${nama} |\n"
    with pytest.raises(FormError) as caught:
        md_form(source)
    assert caught.value.row == 3 and "${nama}" in str(caught.value)


def test_unsupported_parameter_is_refused() -> None:
    try:
        md_form("""
| survey |
| | type | name | label | parameters |
| | text | a | A | rows=4 |
""")
    except FormError as exc:
        assert exc.row == 2 and "rows" in str(exc)
    else:
        raise AssertionError("parameters on text must be refused")


def test_field_list_group_and_repeat_flags() -> None:
    form = md_form("""
| survey |
| | type | name | label | appearance |
| | begin_group | halaman | Halaman | field-list |
| | text | a | A | |
| | end_group | | | |
| | begin_repeat | r | R | |
| | text | b | B | |
| | end_repeat | | | |
""")
    assert form.question("halaman").field_list
    assert form.question("r").is_repeat
    assert form.question("b").repeat_path == ("r",)


TYPES = [
    "text",
    "integer",
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "select_one yn",
    "calculate",
    "note",
    "range",
    "bogus type",
    "",
]
CELLS = st.sampled_from(
    [
        "",
        "a",
        "b",
        "${a}",
        "${a} + ",
        "if(",
        "1",
        ". > 0",
        "selected(${b}, 'y')",
        "yes",
        "x|y",
        "concat(${a}, 'x')",
        "${zz}",
        "count(${r})",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(TYPES), st.sampled_from(["a", "b", "r", "g", "", "1x"]), CELLS, CELLS
        ),
        min_size=1,
        max_size=8,
    )
)
def test_loading_never_crashes(rows) -> None:
    lines = ["| survey |", "| | type | name | label | relevant | calculation |"]
    for qtype, name, relevant, calculation in rows:
        cell = lambda text: text.replace("|", "\\\\|")  # noqa: E731
        lines.append(f"| | {qtype} | {name} | L | {cell(relevant)} | {cell(calculation)} |")
    lines += ["| choices |", "| | list_name | name | label |", "| | yn | y | Y |"]
    try:
        form = md_form("\n".join(lines))
    except FormError as exc:
        assert str(exc)
        return
    session = form.new_session(meta=fixed_meta())
    session.errors()
    form.validate(session.answers())
