"""The dateTime question widget in the real app: pickers, "now", the stored value."""

from __future__ import annotations

import calendar
import re
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from field_app.store import Store
from survey_forms import load_xlsform
from tests.field_app_ui.conftest import SCREENS, run_scenario

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(300)]

WAKTU = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | required | appearance |
| | begin_group | kunjungan | Kunjungan | Visit | | field-list |
| | dateTime | waktu_kunjungan | Waktu kunjungan | Time of the visit | yes | |
| | text | catatan | Catatan | Notes | | |
| | date | tanggal | Tanggal | Date | | |
| | time | jam | Jam | Time | | |
| | end_group | | | | | |
| settings |
| | form_id | version | default_language |
| | kunjungan_waktu | 2024110101 | id |
"""
WIB = timezone(timedelta(hours=7))


def _system_zone_on_another_day() -> str:
    """A POSIX TZ for the app's process whose date is not WIB's for hours to come: the "today"
    and "now" buttons read the system clock's zone instead of the session's (WIB) only
    show a wrong answer while the two zones are on different dates (UTC-12 is until 19:00 WIB,
    UTC+19 from 12:00 WIB to midnight)."""
    return "TST+12" if datetime.now(WIB).hour < 12 else "TST-19"


def _minutes(start: datetime, end: datetime) -> set[str]:
    """Every ``HH:MM`` from ``start`` to ``end``, both included."""
    moment, out = start.replace(second=0, microsecond=0), set()
    while moment <= end:
        out.add(moment.strftime("%H:%M"))
        moment += timedelta(minutes=1)
    return out


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_datetime_question_has_date_and_time_pickers(
        tmp_path: Path, size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    form = load_xlsform(textwrap.dedent(WAKTU).encode("utf-8"), "md")
    [question] = [q for q in form.questions_in_order() if q.name == "waktu_kunjungan"]
    assert question.type == "dateTime"
    device = tmp_path / "data"
    store = Store(device / "store", durable=False)
    store.set_credentials("tok", {"username": "petugas", "full_name": "Rina Petugas",
                                  "regions": ["16.71"]}, "http://127.0.0.1:9")
    store.save_forms([form.to_json()])
    store.close()

    monkeypatch.setenv("TZ", _system_zone_on_another_day())  # the app's process only
    before = datetime.now(WIB).replace(second=0, microsecond=0)
    result = run_scenario("datetime_picker", device, size=size)
    after = datetime.now(WIB)
    assert result["date_today"] in {before.date().isoformat(), after.date().isoformat()}
    assert result["time_now"] in _minutes(before, after)

    assert result["widget"] == "DateTimeWidget"
    assert result["rows"].count("DatePicker") == 1 and result["rows"].count("TimePicker") == 1
    assert result["after_date_only"] is None  # no answer until the time is picked too
    assert result["date_kept"] == ["9", "Agustus", "2024"]  # a refresh keeps the picks
    assert result["picked"] == "2024-08-09T09:40:00+07:00"
    assert result["clipped"] == "2024-09-30T09:40:00+07:00"
    now = result["now"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+07:00", now)
    assert before <= datetime.fromisoformat(now) <= after
    moment = datetime.fromisoformat(now)
    assert result["now_shown"] == [str(moment.day), str(moment.year), f"{moment.hour:02d}",
                                   f"{moment.minute:02d}"]
    # the year changed to 2023: the day is clipped to the month (29 February has no 2023 twin)
    final = moment.replace(year=2023, day=min(moment.day, calendar.monthrange(2023, moment.month)[1]))
    assert result["final"] == final.isoformat()

    saved = Store(device / "store", durable=False).get_entry(result["entry_id"])["answers"]
    assert saved["waktu_kunjungan"] == result["final"]
    assert form.validate(saved) == []  # the engine takes the value as a dateTime
    assert result["reopened"] == [str(final.day), result["reopened"][1], "2023",
                                  f"{moment.hour:02d}", f"{moment.minute:02d}"]
    assert result["reopened"][1] == ["Januari", "Februari", "Maret", "April", "Mei", "Juni",
                                     "Juli", "Agustus", "September", "Oktober", "November",
                                     "Desember"][moment.month - 1]
    assert result["screens"] == [f"{size}-form_datetime.png", f"{size}-form_datetime_reopened.png"]
    assert (SCREENS / f"{size}-form_datetime.png").stat().st_size > 10_000
