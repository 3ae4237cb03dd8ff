"""recompute_calculations: reproducible calculations follow the answers; the rest is kept."""

from __future__ import annotations

from survey_forms.recompute import recompute_calculations, reproducible_calculations
from tests.survey_forms.formtools import md_form

FORM = """
| survey |
| | type | name | label | calculation |
| | integer | a | A | |
| | integer | b | B | |
| | calculate | jumlah | | ${a} + ${b} |
| | calculate | tanggal | | today() |
| | calculate | dari_tanggal | | concat(${tanggal}, '-', ${a}) |
| | deviceid | perangkat | | |
| | calculate | alat | | ${perangkat} |
| | begin_repeat | r | R | |
| | integer | x | X | |
| | calculate | dua_x | | ${x} * 2 |
| | end_repeat | r | | |
| | calculate | total_x | | sum(${dua_x}) |
"""


def test_reproducible_calculations_leave_out_time_and_device_values() -> None:
    form = md_form(FORM)
    assert reproducible_calculations(form) == {"jumlah", "dua_x", "total_x"}


def test_recompute_updates_stale_values_and_keeps_everything_else() -> None:
    form = md_form(FORM)
    stored = {
        "a": 2,
        "b": 5,
        "jumlah": "99",  # stale
        "tanggal": "2024-08-13",  # fixed on the tablet
        "dari_tanggal": "2024-08-13-1",  # reads a fixed value: kept too
        "perangkat": "tab-01",
        "alat": "tab-01",
        "r": [{"x": 1, "dua_x": "2"}, {"x": 4, "dua_x": "0"}],
    }
    fresh = recompute_calculations(form, stored)
    assert fresh["jumlah"] == "7"
    assert fresh["tanggal"] == "2024-08-13" and fresh["dari_tanggal"] == "2024-08-13-1"
    assert fresh["alat"] == "tab-01" and fresh["perangkat"] == "tab-01"
    assert fresh["r"] == [{"x": 1, "dua_x": "2"}, {"x": 4, "dua_x": "8"}]
    assert fresh["total_x"] == "10"  # was missing: added
    assert stored["jumlah"] == "99"  # the input is not changed
    # the same values a tablet's session computes (ODK: empty + empty is NaN, which is stored
    # as no answer: JSON has no NaN)
    tablet = form.new_session(answers={"a": 1}).answers()
    again = recompute_calculations(form, {"a": 1, "jumlah": "3"})
    assert "jumlah" not in again and "jumlah" not in tablet
