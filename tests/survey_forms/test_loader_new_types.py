"""The question types real-world forms use beyond the pilot's: or_other, choices from a file or
the external_choices sheet, range, rank, barcode, audio/video/file, geotrace/geoshape, hidden,
start-geopoint; and FormError's bilingual message."""

from __future__ import annotations

import pytest

from survey_forms import FormError, load_xlsform
from survey_forms.values import ValueTypeError, normalize, xpath_text
from tests.survey_forms.formtools import fixed_meta, md_form

ATTACH = {"sha256": "ab" * 32, "filename": "a.m4a", "media_type": "audio/mp4"}


def codes(form, answers) -> list[tuple[str, str]]:
    return [(issue.path, issue.code) for issue in form.validate(answers)]


def test_or_other_adds_the_choice_and_a_text_question_relevant_when_chosen() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label |
        | | select_one src or_other | water | Water |
        | | integer | after | After |
        | choices |
        | | list_name | name | label |
        | | src | tap | Tap |
        """
    )
    assert [q.name for q in form.questions] == ["water", "water_other", "after"]
    assert [c.name for c in form.choices["src"]] == ["tap", "other"]
    session = form.new_session(None, fixed_meta())
    assert not session.is_relevant("water_other")
    session.set_answer("water", "other")
    assert session.is_relevant("water_other")
    assert codes(form, {"water": "other", "water_other": "sumur"}) == []
    assert codes(form, {"water": "tap", "water_other": "x"}) == [("water_other", "not_relevant")]


def test_select_from_file_reads_the_csv_beside_the_form(tmp_path) -> None:
    (tmp_path / "desa.csv").write_text("name,label,kab\nd1,Desa Satu,plg\nd2,Desa Dua,mura\n")
    (tmp_path / "f.md").write_text(
        "| survey |\n| | type | name | label | choice_filter |\n"
        "| | text | kab | Kab | |\n"
        "| | select_one_from_file desa.csv | desa | Desa | kab=${kab} |\n"
    )
    form = load_xlsform(tmp_path / "f.md")
    assert [c.name for c in form.choices["desa.csv"]] == ["d1", "d2"]
    assert codes(form, {"kab": "plg", "desa": "d1"}) == []
    assert codes(form, {"kab": "plg", "desa": "d2"}) == [("desa", "invalid_choice")]


def test_select_from_file_takes_given_media_and_xml_and_refuses_a_missing_file() -> None:
    text = b"| survey |\n| | type | name | label |\n| | select_multiple_from_file f.xml | f | F |\n"
    xml = b"<root><item><name>a</name><label>A</label></item><item><name>b</name></item></root>"
    form = load_xlsform(text, "md", media={"f.xml": xml})
    assert [c.name for c in form.choices["f.xml"]] == ["a", "b"]
    with pytest.raises(FormError) as caught:
        load_xlsform(text, "md")
    assert caught.value.row == 2 and "f.xml" in caught.value.message["id"]
    bomb = b'<!DOCTYPE r [<!ENTITY a "aaaa">]><root><item><name>&a;</name></item></root>'
    with pytest.raises(FormError, match="cannot be read"):
        load_xlsform(text, "md", media={"f.xml": bomb})


def test_a_file_outside_the_form_folder_is_never_read(tmp_path) -> None:
    (tmp_path / "secret.csv").write_text("name,label\nx,X\n")
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "f.md").write_text(
        "| survey |\n| | type | name | label |\n| | select_one_from_file ../secret.csv | s | S |\n"
    )
    with pytest.raises(FormError, match="plain file name"):
        load_xlsform(folder / "f.md")


def test_select_one_external_takes_its_list_from_the_external_choices_sheet() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label |
        | | select_one_external kab | kab | Kab |
        | external_choices |
        | | list_name | name | label |
        | | kab | plg | Palembang |
        """
    )
    assert codes(form, {"kab": "plg"}) == []
    assert codes(form, {"kab": "x"}) == [("kab", "invalid_choice")]


def test_range_checks_its_bounds_and_steps_and_refuses_bad_parameters() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label | parameters |
        | | range | r | R | start=0 end=10 step=2 |
        """
    )
    assert codes(form, {"r": 4}) == []
    assert codes(form, {"r": 5}) == [("r", "constraint")]
    assert codes(form, {"r": 12}) == [("r", "constraint")]
    assert codes(form, {"r": "x"}) == [("r", "type")]
    with pytest.raises(FormError, match="step") as caught:
        md_form(
            "| survey |\n| | type | name | label | parameters |\n| | range | r | R | step=0 |\n"
        )
    assert caught.value.row == 2


def test_rank_is_an_ordered_list_of_choice_names() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label |
        | | rank p | p | P |
        | choices |
        | | list_name | name | label |
        | | p | a | A |
        | | p | b | B |
        """
    )
    assert codes(form, {"p": ["b", "a"]}) == []
    assert codes(form, {"p": ["b", "z"]}) == [("p", "invalid_choice")]
    assert codes(form, {"p": ["a", "a"]}) == [("p", "type")]


def test_attachments_keep_the_image_shape_with_their_media_type() -> None:
    assert normalize("audio", ATTACH) == ATTACH
    assert normalize("file", {**ATTACH, "media_type": "application/pdf"})["filename"] == "a.m4a"
    with pytest.raises(ValueTypeError):
        normalize("video", ATTACH)
    assert xpath_text("audio", ATTACH) == "a.m4a"
    assert normalize("barcode", "899") == "899"


def test_geotrace_and_geoshape_take_points_or_odk_text_and_feed_distance_and_area() -> None:
    text = "-2.0 104.0 0 5;-2.0 104.001 0 5;-2.001 104.001 0 5;-2.0 104.0 0 5"
    shape = normalize("geoshape", text)
    assert len(shape["points"]) == 4 and shape["points"][0]["accuracy"] == 5
    assert normalize("geoshape", shape) == shape
    with pytest.raises(ValueTypeError):
        normalize("geoshape", {"points": shape["points"][:2]})
    with pytest.raises(ValueTypeError):
        normalize("geotrace", {"points": [{"latitude": 99, "longitude": 0}] * 2})
    form = md_form(
        """
        | survey |
        | | type | name | label | calculation |
        | | geoshape | s | S | |
        | | geotrace | t | T | |
        | | calculate | a | | area(${s}) |
        | | calculate | d | | distance(${t}) |
        """
    )
    session = form.new_session(None, fixed_meta())
    session.set_answer("s", shape)
    session.set_answer("t", {"points": shape["points"][:2]})
    assert 6000 < float(session.value("a")) < 6400  # a right triangle of ~111 m sides
    assert 100 < float(session.value("d")) < 120


def test_hidden_is_a_calculation_of_its_default_and_start_geopoint_is_metadata() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label | default |
        | | hidden | proj | | PKP |
        | | start-geopoint | sgp | | |
        """
    )
    session = form.new_session(None, fixed_meta())
    assert session.value("proj") == "PKP"
    point = {"latitude": -2.9, "longitude": 104.7}
    assert codes(form, {"sgp": point}) == []
    assert codes(form, {"sgp": "x"}) == [("sgp", "type")]


def test_form_error_message_is_bilingual_with_sheet_row_and_what_to_change() -> None:
    with pytest.raises(FormError) as caught:
        md_form("| survey |\n| | type | name | label |\n| | foo | a | A |\n")
    error = caught.value
    assert str(error).startswith("[survey sheet, row 2] question type 'foo'")
    assert error.message["en"].startswith(str(error))
    assert error.message["id"].startswith("[lembar survey, baris 2] tipe pertanyaan 'foo'")
    assert error.message["id"].endswith("atau hapus baris ini.")
    generic = FormError("something odd", sheet="choices", row=4)
    assert generic.message["id"].startswith("[lembar choices, baris 4]")
    assert "Ubah" in generic.message["id"] and "Change" in generic.message["en"]


def test_or_other_spellings_and_its_limits_follow_pyxform() -> None:
    form = md_form(
        """
        | survey |
        | | type | name | label |
        | | audit | audit | |
        | | select_one yn or specify other | q | Q |
        | choices |
        | | list_name | name | label |
        | | yn | y | Y |
        """
    )
    assert [q.name for q in form.questions] == ["q", "q_other"]
    assert [w.construct for w in form.warnings] == [
        "type 'audit' (the app keeps no audit log of the form filling)"
    ]
    with pytest.raises(FormError, match="choice_filter cannot be used with or_other"):
        md_form(
            """
            | survey |
            | | type | name | label | choice_filter |
            | | select_one yn or_other | q | Q | name != 'x' |
            | choices |
            | | list_name | name | label |
            | | yn | y | Y |
            """
        )


def test_start_geopoint_is_recorded_from_the_session_location() -> None:
    form = md_form("| survey |\n| | type | name | label |\n| | start-geopoint | sgp | |\n")
    point = {"latitude": -2.9, "longitude": 104.7, "accuracy": 8}
    session = form.new_session(None, fixed_meta(location=point))
    assert session.value("sgp") == {"latitude": -2.9, "longitude": 104.7, "accuracy": 8.0}
    assert form.new_session(None, fixed_meta(location="bad")).value("sgp") is None
    assert form.new_session(None, fixed_meta()).value("sgp") is None


@pytest.mark.parametrize(
    "name", ["../desa.csv", "data/desa.csv", "..\\desa.csv", ".desa.csv", "d" * 260 + ".csv"]
)
def test_a_choice_file_is_named_by_its_plain_name(name: str) -> None:
    source = (
        "| survey |\n| | type | name | label |\n"
        f"| | select_one_from_file {name} | desa | Desa |\n"
    )
    with pytest.raises(FormError) as caught:
        load_xlsform(source.encode(), "md", media={name: b"name,label\na,A\n"})
    assert caught.value.row == 2 and "nama berkas saja" in caught.value.message["id"]
