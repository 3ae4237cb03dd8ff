"""The GPS search of a geopoint question, driven through the platform interface with the
simulated GPS: a fix that improves, a GPS that stalls indoors, a mock location."""

from __future__ import annotations

import textwrap
import threading
import time

import pytest

from field_app.geo_capture import (
    ACCEPTED,
    CANCELLED,
    SEARCHING,
    TIMED_OUT,
    GeoSearch,
    GeoSettings,
    geo_settings,
)
from field_app.platform import DesktopDevice
from field_app.platform.simulated import SimulatedDevice, fix
from tests.field_app.helpers import kunjungan_form

LOKASI = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | parameters |
| | geopoint | biasa | Lokasi | Location | |
| | geopoint | ketat | Lokasi | Location | capture-accuracy=10 warning-accuracy=25 |
| | geopoint | tiruan | Lokasi | Location | capture-accuracy=5 allow-mock-accuracy=true |
| settings |
| | form_id | version | default_language |
| | lokasi_uji | 2024110101 | id |
"""


@pytest.fixture(scope="module")
def form():
    return kunjungan_form(textwrap.dedent(LOKASI))


def test_parameters_are_read_from_the_question(form) -> None:
    assert geo_settings(form.question("biasa")) == GeoSettings(5.0, None, False)
    assert geo_settings(form.question("ketat")) == GeoSettings(10.0, 25.0, False)
    assert geo_settings(form.question("tiruan")) == GeoSettings(5.0, None, True)


def run_search(device, settings: GeoSettings, wait: float = 30.0) -> tuple[GeoSearch, list]:
    """Watch the device's GPS through the platform interface, as the widget does.

    The search's clock is the wall clock, except that it does not reach the timeout before
    the device has delivered every fix of its script: on a loaded machine the GPS thread can
    wake late (the "mock" script's last fix came 0.5 s before its timeout), and the test is
    about what the search does with those fixes, not about the machine's scheduling. An
    early timeout (before ``location_timeout``) would still show.
    """
    started = time.monotonic()
    search = GeoSearch(settings, started, timeout=device.location_timeout)
    scripted = len(device.script)
    seen: list[float] = []
    done = threading.Event()
    lock = threading.Lock()

    def clock() -> float:
        now = time.monotonic()
        if len(seen) < scripted:
            return min(now, started + device.location_timeout - 0.001)
        return now

    def on_fix(item: dict) -> None:
        with lock:
            moment = clock()  # (read before the fix counts as seen)
            seen.append(item["accuracy"])
            if search.on_fix(item, moment) != SEARCHING:
                done.set()

    stop = device.watch_location(on_fix, lambda code: done.set())
    deadline = started + wait
    while not done.is_set() and time.monotonic() < deadline:
        with lock:
            if search.tick(clock()) != SEARCHING:
                break
        time.sleep(0.05)
    stop()
    return search, seen


def test_an_improving_fix_is_accepted_once_good_enough(form) -> None:
    device = SimulatedDevice("improves")
    search, seen = run_search(device, geo_settings(form.question("biasa")))
    assert search.state == ACCEPTED
    assert seen == [65, 38, 17.5, 8.2, 4.1]  # stopped at the first fix within 5 m
    assert search.answer() == {"latitude": -2.976074, "longitude": 104.775431,
                               "altitude": 12.0, "accuracy": 4.1}
    assert device.stopped == 1  # the GPS is switched off
    strict = run_search(SimulatedDevice("improves"), geo_settings(form.question("ketat")))[0]
    assert strict.answer()["accuracy"] == 8.2  # capture-accuracy=10


def test_a_stalled_gps_times_out_and_the_best_fix_can_be_taken(form) -> None:
    device = SimulatedDevice("stalls", location_timeout=1.5)
    search, seen = run_search(device, geo_settings(form.question("ketat")))
    assert search.state == TIMED_OUT and seen == [48, 36]
    key, params = search.status()
    assert key == "form.geo.timeout_best" and params["best"] == "36"
    assert search.warning() == "poor"  # worse than warning-accuracy=25: warned, allowed
    assert search.accept()["accuracy"] == 36.0 and search.state == ACCEPTED
    silent = run_search(SimulatedDevice("silent", location_timeout=0.5),
                        geo_settings(form.question("biasa")))[0]
    assert silent.state == TIMED_OUT and silent.accept() is None
    assert silent.status()[0] == "form.geo.timeout_none"


def test_a_mock_location_is_never_accepted_by_itself_unless_allowed(form) -> None:
    search, seen = run_search(SimulatedDevice("mock", location_timeout=1.2),
                              geo_settings(form.question("biasa")))
    assert search.state == TIMED_OUT and seen == [3.0, 2.0]
    assert search.status()[0] == "form.geo.timeout_best" and search.warning() == "mock"
    assert search.accept()["accuracy"] == 0.0  # recorded as 0 m, as ODK Collect does
    allowed = run_search(SimulatedDevice("mock"), geo_settings(form.question("tiruan")))[0]
    assert allowed.state == ACCEPTED and allowed.answer()["accuracy"] == 3.0
    assert allowed.warning() is None


def test_a_real_fix_beats_a_mock_one_and_cancel_records_nothing() -> None:
    search = GeoSearch(GeoSettings(), 0.0, timeout=60)
    search.on_fix(fix(1.0, mock=True), 1.0)
    search.on_fix(fix(30.0), 2.0)
    assert search.status()[0] == "form.geo.searching"
    assert search.status()[1]["accuracy"] == "30" and search.elapsed() == 2
    assert search.best["mock"] is False
    search.cancel()
    assert search.state == CANCELLED and search.answer() is None
    assert search.on_fix(fix(1.0), 3.0) == CANCELLED  # a late fix changes nothing


def test_the_desktop_has_no_gps_to_watch() -> None:
    errors: list[str] = []
    DesktopDevice().watch_location(lambda _fix: None, errors.append)()
    assert errors == ["unavailable"]
