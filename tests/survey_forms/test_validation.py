"""Form.validate: what the server checks for every synced entry."""

from __future__ import annotations

from tests.survey_forms.formtools import md_form
from tests.survey_forms.test_session import REPEAT, SKIP

TYPES = """
| survey |
| | type | name | label | required |
| | text | t | T | |
| | integer | i | I | |
| | decimal | d | D | |
| | date | dt | DT | |
| | time | tm | TM | |
| | dateTime | dtm | DTM | |
| | select_one yn | s1 | S1 | |
| | select_multiple yn | sm | SM | |
| | geopoint | gp | GP | |
| | image | img | IMG | |
| | acknowledge | ack | ACK | |
| | note | nt | Note | |
| choices |
| | list_name | name | label |
| | yn | ya | Ya |
| | yn | tidak | Tidak |
"""

GOOD = {
    "t": "teks",
    "i": 3,
    "d": 2.5,
    "dt": "2024-08-13",
    "tm": "09:30",
    "dtm": "2024-08-13T09:30:00+07:00",
    "s1": "ya",
    "sm": ["ya", "tidak"],
    "gp": {"latitude": -2.9761, "longitude": 104.7754, "altitude": 8.0, "accuracy": 4.5},
    "img": {"sha256": "a" * 64, "filename": "foto.jpg", "media_type": "image/jpeg"},
    "ack": "OK",
}


def codes(issues):
    return sorted((i.path, i.code) for i in issues)


def test_a_good_entry_is_valid() -> None:
    assert md_form(TYPES).validate(GOOD) == []


def test_every_type_is_checked() -> None:
    bad = {
        "t": 5,
        "i": 2.5,
        "d": "x",
        "dt": "13/08/2024",
        "tm": "25:00",
        "dtm": "yesterday",
        "s1": "mungkin",
        "sm": ["ya", "ya"],
        "gp": {"latitude": 95, "longitude": 0},
        "img": {"sha256": "zz", "filename": "../x", "media_type": "text/plain"},
        "ack": "no",
    }
    issues = md_form(TYPES).validate(bad)
    assert codes(issues) == sorted(
        [(k, "type") for k in bad if k != "s1"] + [("s1", "invalid_choice")]
    )
    assert all(i.message["id"] and i.message["en"] for i in issues)


def test_unknown_fields_repeat_shape_and_not_relevant() -> None:
    form = md_form(REPEAT)
    issues = form.validate(
        {"target": 2, "anggota": {"nama": "x"}, "nama": "wrong level", "jumlah_x": 1}
    )
    assert codes(issues) == [
        ("anggota", "repeat_shape"),
        ("jumlah_x", "unknown_field"),
        ("nama", "unknown_field"),
    ]
    issues = form.validate({"anggota": [{"usia": 10, "kerja": "petani", "bogus": 1}]})
    assert codes(issues) == [
        ("anggota[0]/bogus", "unknown_field"),
        ("anggota[0]/kerja", "not_relevant"),
    ]


def test_required_and_constraint_from_the_session() -> None:
    form = md_form(SKIP)
    assert codes(form.validate({})) == [("umur", "required")]
    assert codes(form.validate({"umur": 20, "bekerja": "ya"})) == [("pekerjaan", "required")]
    assert codes(form.validate({"umur": 140})) == [("bekerja", "required"), ("umur", "constraint")]
    assert form.validate({"umur": 20, "bekerja": "tidak", "dewasa": "ya"}) == []


def test_validate_accepts_what_a_session_produces() -> None:
    form = md_form(REPEAT)
    s = form.new_session()
    for age in (30, 8):
        s.set_answer("usia", age, (s.add_repeat("anggota"),))
    s.set_answer("kerja", "guru", (0,))
    s.set_answer("cek", 2)
    assert form.validate(s.answers()) == []


def test_not_an_object() -> None:
    (issue,) = md_form(SKIP).validate(["not", "a", "dict"])
    assert issue.message["en"]
