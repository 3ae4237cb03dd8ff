"""Presentation-only constructs load with a warning, and older spellings pyxform accepts load
as their current forms."""

from __future__ import annotations

import pytest

from survey_forms import LoadWarning
from tests.survey_forms.formtools import fixed_meta, md_form

PRESENTATION = """
| survey |
| | type | name | label::Indonesian (id) | hint | guidance_hint | image | appearance |
| | select_one ya | s | Pilih | Pilih satu | Untuk petugas | s.png | columns-2 |
| | text | t | Teks | | | | multiline |
| | geopoint | p | Titik | | Berdiri di luar | | placement-map |
| choices |
| | list_name | name | label::Indonesian (id) | media::image | audio |
| | ya | ya | Ya | ya.png | ya.mp3 |
| | ya | tidak | Tidak | | |
| settings |
| | form_id | style |
| | f | theme-grid |
"""


def test_presentation_only_constructs_load_with_warnings_listing_them() -> None:
    form = md_form(PRESENTATION)
    found = {(w.sheet, w.construct): w.rows for w in form.warnings}
    assert found == {
        ("settings", "setting 'style'"): (),
        ("choices", "column 'media::image' (media)"): (2,),
        ("choices", "column 'audio' (media)"): (2,),
        ("survey", "column 'guidance_hint'"): (2, 4),
        ("survey", "column 'image'"): (2,),
        ("survey", "appearance 'columns-2' (select_one)"): (2,),
        ("survey", "appearance 'placement-map' (geopoint)"): (4,),
    }
    assert all(
        isinstance(w, LoadWarning) and w.message["id"] and w.message["en"] for w in form.warnings
    )
    # what the app uses is kept
    assert form.question("t").appearance == "multiline"
    assert form.question("s").appearance == ""
    assert "style" not in form.settings
    assert form.choice_label("ya", "ya", "id") == "Ya"
    assert form.to_json() == md_form(PRESENTATION).to_json()  # warnings are not serialised


def test_a_form_without_presentation_constructs_has_no_warnings() -> None:
    from survey_forms import load_pilot_form

    for name in ("observasi", "survei_masyarakat"):
        assert load_pilot_form(name).warnings == []


OLD_SPELLINGS = """
| survey |
| | type | name | label:English | label:Indonesian | caption | relevance |
| | select one from yn | a | A | A id | | |
| | select all that apply from yn | b | B | B id | | ${a} = 'ya' |
| | add integer prompt | n | N | N id | | |
| | begin looped group | r | R | R id | | |
| | q string | t | T | T id | | |
| | end looped group | | | | | |
| | location | g | | | Lokasi | |
| | imei | dev | | | | |
| choices |
| | list name | value | label |
| | yn | ya | Ya |
| | yn | tidak | Tidak |
| settings |
| | set_form_id | set_form_title |
| | lama | Formulir lama |
"""


def test_older_spellings_pyxform_accepts_load_as_their_current_forms() -> None:
    form = md_form(OLD_SPELLINGS)
    assert (form.form_id, form.title) == ("lama", "Formulir lama")
    types = {q.name: (q.type, q.list_name) for q in form.questions_in_order()}
    assert types == {
        "a": ("select_one", "yn"),
        "b": ("select_multiple", "yn"),
        "n": ("integer", None),
        "r": ("repeat", None),
        "t": ("text", None),
        "g": ("geopoint", None),
        "dev": ("deviceid", None),
    }
    assert {lang.name for lang in form.languages} >= {"English", "Indonesian"}
    assert form.question("a").labels["English"] == "A"
    assert form.question("a").labels["Indonesian"] == "A id"
    assert form.warnings == []
    session = form.new_session(meta=fixed_meta())
    assert not session.is_relevant("b")
    session.set_answer("a", "ya")
    assert session.is_relevant("b")


@pytest.mark.parametrize(
    "type_text",
    ["select one from yn", "select_one yn", "add select one prompt using yn", "select1 yn"],
)
def test_select_one_spellings(type_text: str) -> None:
    form = md_form(
        f"""
| survey |
| | type | name | label |
| | {type_text} | a | A |
| choices |
| | list_name | name | label |
| | yn | ya | Ya |
"""
    )
    question = form.question("a")
    assert (question.type, question.list_name) == ("select_one", "yn")
