"""today() on the server means the day the officer finalized the entry, not the day it arrives.

A visit finalized at 23:50 WIB with the constraint ``. = today()`` is pushed after midnight (or
days later, from a tablet that was offline): the server checks it as of the revision's
``finalized_at``, so an entry valid on a tablet whose clock is right is never refused for a
date constraint because of the push's time or the server's time zone. A ``finalized_at`` far
in the future is not believed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from survey_forms import load_xlsform
from survey_forms.recompute import validate_and_recalculate
from sync_server.push import finalized_moment
from tests.support.server import LiveServer, publish_form

from .helpers import Client, make_revision
from .services import FORMS_DIR

WIB = timezone(timedelta(hours=7))


def _visit(day: str, finalized_at: str | None) -> dict:
    rev = make_revision({"tanggal": day}, form_id="visit_today", form_version="1")
    if finalized_at is None:
        del rev["meta"]["finalized_at"]
    else:
        rev["meta"]["finalized_at"] = finalized_at
    return rev


def test_date_constraints_are_checked_as_of_the_finalization(server: LiveServer) -> None:
    publish_form(server.app, FORMS_DIR / "visit_today.md")
    officer = Client(server.url, "petugas_plg")
    last_night = (datetime.now(WIB) - timedelta(days=1)).replace(hour=23, minute=50)
    day = last_night.date().isoformat()

    [kept] = officer.push(_visit(day, last_night.isoformat()))
    assert kept["status"] == "stored", kept  # finalized yesterday, pushed today
    # the same moment from a tablet whose system clock is set to Jayapura (01:50 WIT, the day
    # after): the tablet checked today() in WIB, and so does the server
    jayapura = last_night.astimezone(ZoneInfo("Asia/Jayapura")).isoformat()
    [kept_wit] = officer.push(_visit(day, jayapura))
    assert kept_wit["status"] == "stored", kept_wit

    [refused] = officer.push(_visit(day, None))  # no finalization time: the server's today
    assert refused["status"] == "rejected" and refused["error"] == "invalid", refused
    assert refused["issues"][0]["path"] == "tanggal"

    future = (datetime.now(WIB) + timedelta(days=3)).replace(microsecond=0)
    [fake] = officer.push(_visit(future.date().isoformat(), future.isoformat()))
    assert fake["status"] == "rejected", fake  # a finalization days ahead is not believed


def test_the_finalization_moment_is_read_with_its_zone_and_bounded() -> None:
    now = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    moment = finalized_moment({"finalized_at": "2026-12-06T07:50:00+07:00"}, now)
    assert moment is not None and moment.date().isoformat() == "2026-12-06"
    assert finalized_moment({"finalized_at": "2026-12-06T00:10:00Z"}, now) is not None
    assert finalized_moment({"finalized_at": "2026-12-06T07:50:00"}, now) is None  # no zone
    assert finalized_moment({"finalized_at": "kemarin"}, now) is None
    assert finalized_moment({"finalized_at": "2026-12-08T07:50:00+07:00"}, now) is None
    assert finalized_moment({}, now) is None and finalized_moment(None, now) is None


def test_today_is_the_wib_date_whatever_zone_the_tablet_clock_writes() -> None:
    """The tablet's form session checks ``today()`` in WIB; ``finalized_at`` carries the
    tablet system's offset. Near midnight the two zones' dates differ: the server must check
    the WIB date, as the tablet did."""
    form = load_xlsform((FORMS_DIR / "visit_today.md").read_bytes(), "md")
    now = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    same_moments = {  # each is 6 December in WIB
        "2026-12-05T23:30:00+00:00": "06:30 WIB; a tablet set to UTC is still on the 5th",
        "2026-12-07T01:30:00+09:00": "23:30 WIB; a tablet in Jayapura is already on the 7th",
        "2026-12-06T23:59:59+07:00": "the last second of the day in WIB",
        "2026-12-06T00:00:00+07:00": "the first second of the day in WIB",
    }
    for finalized_at, why in same_moments.items():
        moment = finalized_moment({"finalized_at": finalized_at}, now)
        assert moment is not None and moment.utcoffset() == timedelta(hours=7), why
        issues, _ = validate_and_recalculate(form, {"tanggal": "2026-12-06"}, moment)
        assert issues == [], (finalized_at, why)
        issues, _ = validate_and_recalculate(form, {"tanggal": "2026-12-05"}, moment)
        assert [issue.code for issue in issues] == ["constraint"], (finalized_at, why)
