"""Loading XLSForms: formats, the model built, and the FormError cases with their rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from survey_forms import FormError, load_xlsform
from tests.survey_forms.formtools import md_form

BASIC = """
| survey |
|        | type              | name   | label::Bahasa Indonesia (id) | label::English (en) | hint::English (en) | required | relevant     |
|        | text              | nama   | Nama unit                    | Unit name           | as signposted      | yes      |              |
|        | integer           | jumlah | Jumlah petugas               | Officers present    |                    |          |              |
|        | begin_group       | g1     | Grup                         | Group               |                    |          | ${jumlah} > 0 |
|        | select_one yn     | ada    | Ada?                         | Present?            |                    |          |              |
|        | end_group         |        |                              |                     |                    |          |              |
| choices |
|         | list_name | name | label::Bahasa Indonesia (id) | label::English (en) |
|         | yn        | ya   | Ya                           | Yes                 |
|         | yn        | tidak | Tidak                       | No                  |
| settings |
|          | form_id | version    | form_title | default_language      |
|          | basic   | 2024080101 | Dasar      | Bahasa Indonesia (id) |
"""


def test_markdown_form_builds_the_model() -> None:
    form = md_form(BASIC)
    assert form.form_id == "basic"
    assert form.version == "2024080101"
    assert form.title == "Dasar"
    assert [lang.code for lang in form.languages] == ["id", "en"]
    assert form.default_language == "id"
    names = [q.name for q in form.questions_in_order()]
    assert names == ["nama", "jumlah", "g1", "ada"]
    nama = form.question("nama")
    assert nama.labels == {"id": "Nama unit", "en": "Unit name"}
    assert nama.hints == {"en": "as signposted"}
    assert form.graph.nodes["nama"].required_always
    assert form.question("ada").parent is form.question("g1")
    assert form.choice_label("yn", "tidak", "en") == "No"
    assert form.choice_label("yn", "tidak") == "Tidak"


def _workbook_bytes(
    survey: list[list[str]],
    choices: list[list[str]] | None = None,
    settings: list[list[str]] | None = None,
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_and_csv_load_the_same_form(tmp_path) -> None:
    survey = [
        ["type", "name", "label::English (en)", "constraint"],
        ["integer", "age", "Age", ". >= 17"],
        ["select_one yn", "ok", "OK?", ""],
    ]
    choices = [["list_name", "name", "label::English (en)"], ["yn", "y", "Yes"], ["yn", "n", "No"]]
    settings = [["form_id", "version"], ["xl", "7"]]
    data = _workbook_bytes(survey, choices, settings)
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    from_path = load_xlsform(path)
    from_bytes = load_xlsform(data, "xlsx")
    assert from_path.to_json() == from_bytes.to_json()
    assert from_path.form_id == "xl" and from_path.version == "7"
    csv_text = (
        "survey,type,name,label::English (en),constraint\n"
        ",integer,age,Age,. >= 17\n"
        ",select_one yn,ok,OK?,\n"
        "choices,list_name,name,label::English (en)\n"
        ",yn,y,Yes\n,yn,n,No\n"
        "settings,form_id,version\n,xl,7\n"
    )
    from_csv = load_xlsform(csv_text.encode(), "csv")
    assert from_csv.to_json()["questions"] == from_path.to_json()["questions"]


def test_path_without_settings_uses_the_file_name(tmp_path) -> None:
    path = tmp_path / "kunjungan_lapangan.md"
    path.write_text("| survey |\n| | type | name | label |\n| | text | a | A |\n")
    form = load_xlsform(path)
    assert form.form_id == "kunjungan_lapangan"
    assert form.version == "1"


@pytest.mark.parametrize(
    ("survey_rows", "row", "fragment"),
    [
        ("| | rank | r | R |", 2, "question type 'rank' is not supported"),
        ("| | select_one yn or_other | r | R |", 2, "or_other is not supported"),
        ("| | select_one_from_file a.csv | r | R |", 2, "'select_one_from_file' is not supported"),
        ("| | text | a | A |\n| | range | r | R |", 3, "'range' is not supported"),
        ("| | text | a | A |\n| | text | a | B |", 3, "used twice (also row 2)"),
        ("| | text | 1abc | A |", 2, "is not valid"),
        ("| | select_one nolist | q | Q |", 2, "choice list 'nolist'"),
        ("| | begin_group | g | G |\n| | text | a | A |", 2, "never closed"),
        ("| | text | a | A |\n| | end_group | | |", 3, "without a matching begin_group"),
        ("| | begin_repeat | r | R |\n| | end_group | | |", 3, "closes begin_repeat"),
        ("| | calculate | c | |", 2, "has no calculation"),
    ],
)
def test_unsupported_or_broken_rows_name_their_row(
    survey_rows: str, row: int, fragment: str
) -> None:
    text = (
        "| survey |\n| | type | name | label |\n"
        + survey_rows
        + "\n| choices |\n| | list_name | name | label |\n| | yn | y | Y |\n"
    )
    with pytest.raises(FormError) as info:
        md_form(text)
    assert info.value.row == row
    assert info.value.sheet == "survey"
    assert fragment in str(info.value)
    assert f"row {row}" in str(info.value)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("relevant", "${missing} = 1", "refers to ${missing}"),
        ("relevant", "${a} = ", "column 'relevant'"),
        ("constraint", "foo(.)", "unknown function"),
        ("calculation", "/data/a + 1", "column 'calculation'"),
        ("relevant", "a = 1", "without ${}"),
    ],
)
def test_bad_expressions_are_form_errors_with_the_row(
    column: str, value: str, fragment: str
) -> None:
    extra_type = "calculate" if column == "calculation" else "text"
    text = f"""
| survey |
| | type | name | label | {column} |
| | integer | a | A | |
| | {extra_type} | b | B | {value} |
"""
    with pytest.raises(FormError) as info:
        md_form(text)
    assert info.value.row == 3
    assert fragment in str(info.value)


def test_unsupported_column_is_refused_with_its_row() -> None:
    text = """
| survey |
| | type | name | label | sms_field |
| | text | a | A | |
| | text | b | B | x |
"""
    with pytest.raises(FormError) as info:
        md_form(text)
    assert info.value.row == 3
    assert "sms_field" in str(info.value)


def test_a_media_column_loads_with_a_warning_naming_its_rows() -> None:
    text = """
| survey |
| | type | name | label | media::image |
| | text | a | A | |
| | text | b | B | pic.png |
"""
    form = md_form(text)
    (warning,) = form.warnings
    assert (warning.sheet, warning.construct, warning.rows) == (
        "survey",
        "column 'media::image'",
        (3,),
    )
    assert "media::image" in warning.message["en"] and "baris 3" in warning.message["id"]


def test_unsupported_setting_and_sheet_are_refused() -> None:
    text = """
| survey |
| | type | name | label |
| | text | a | A |
| settings |
| | form_id | submission_url |
| | f | http://127.0.0.1/x |
"""
    with pytest.raises(FormError) as info:
        md_form(text)
    assert info.value.sheet == "settings"
    assert "submission_url" in str(info.value)
    entities = """
| survey |
| | type | name | label |
| | text | a | A |
| entities |
| | list_name | label |
| | trees | ${a} |
"""
    with pytest.raises(FormError, match="entities"):
        md_form(entities)


def test_circular_calculations_are_refused() -> None:
    text = """
| survey |
| | type | name | label | calculation |
| | calculate | a | | ${b} + 1 |
| | calculate | b | | ${a} + 1 |
"""
    with pytest.raises(FormError, match="circular") as info:
        md_form(text)
    assert info.value.row == 2


def test_choice_filter_must_use_choice_columns() -> None:
    text = """
| survey |
| | type | name | label | choice_filter |
| | select_one kab | kab | Kab | |
| | select_one kec | kec | Kec | kabupaten=${kab} |
| choices |
| | list_name | name | label | kab |
| | kab | a | A | |
| | kec | a1 | A1 | a |
"""
    with pytest.raises(FormError, match="not a column of choice list 'kec'") as info:
        md_form(text)
    assert info.value.row == 3


def test_garbage_bytes_are_a_form_error_not_a_crash() -> None:
    with pytest.raises(FormError, match="could not be read"):
        load_xlsform(b"PK\x03\x04 this is not a workbook", "xlsx")
    with pytest.raises(FormError, match="file type"):
        load_xlsform(b"abc")
    with pytest.raises(FormError, match="unsupported file type"):
        load_xlsform("/tmp/does-not-matter.docx")
    with pytest.raises(FormError, match="cannot read"):
        load_xlsform("/nonexistent/form.xlsx")


def test_real_world_form_outside_the_subset_is_refused_cleanly() -> None:
    # A typical ODK form: a range widget, a media label and an external select.
    text = """
| survey |
| | type | name | label::English (en) | appearance | parameters |
| | start | start | | | |
| | text | village | Village | | |
| | range | score | Score | | start=0;end=10;step=1 |
| | select_one_from_file villages.csv | v | Pick | | |
"""
    with pytest.raises(FormError) as info:
        md_form(text)
    assert info.value.row == 4
    assert "range" in str(info.value)
