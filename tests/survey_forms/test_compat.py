"""Which changes between published versions of a form are allowed."""

from __future__ import annotations

from survey_forms.compat import incompatible_changes
from tests.survey_forms.formtools import md_form

V1 = """
| survey |
| | type | name | label |
| | integer | jumlah | Jumlah |
| | select_one yn | hadir | Hadir |
| | begin_repeat | r | R |
| | text | catatan | Catatan |
| | end_repeat | | |
| choices |
| | list_name | name | label |
| | yn | ya | Ya |
| settings |
| | form_id | version |
| | f | 1 |
"""


def test_allowed_changes() -> None:
    v2 = V1.replace(
        "| | integer | jumlah | Jumlah |", "| | decimal | jumlah | Jumlah (boleh desimal) |"
    )
    v2 = v2.replace("| | select_one yn | hadir | Hadir |", "| | text | hadir | Hadir |")
    v2 = v2.replace(
        "| | text | catatan | Catatan |", "| | text | catatan | Catatan |\n| | date | baru | Baru |"
    )
    assert incompatible_changes(md_form(V1), md_form(v2)) == []


def test_type_change_and_repeat_move_are_refused() -> None:
    v2 = V1.replace("| | integer | jumlah | Jumlah |", "| | date | jumlah | Jumlah |")
    problems = incompatible_changes(md_form(V1), md_form(v2))
    assert len(problems) == 1 and "from integer to date" in problems[0]
    moved = V1.replace(
        "| | text | catatan | Catatan |\n| | end_repeat | | |",
        "| | end_repeat | | |\n| | text | catatan | Catatan |",
    )
    problems = incompatible_changes(md_form(V1), md_form(moved))
    assert len(problems) == 1 and "moves from repeat r" in problems[0]
    other = V1.replace("| | f | 1 |", "| | g | 1 |")
    assert "form_id changed" in incompatible_changes(md_form(V1), md_form(other))[0]
