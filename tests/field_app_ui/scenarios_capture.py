"""Scenarios of the capture widgets (GPS search, photos, reopening an entry, conflicts).

Run by :mod:`tests.field_app_ui.driver` as ``tests.field_app_ui.scenarios_capture:<name>``.
The GPS and the camera are the simulated ones of :mod:`field_app.platform.simulated`, installed
as the app's device (the platform interface), before the form is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from field_app.platform import DesktopDevice
from field_app.platform.simulated import SimulatedDevice, fix
from tests.field_app_ui.driver import Driver, check
from tests.field_app_ui.scenarios import on_screen


def _dismiss_popups(d: Driver) -> None:
    for popup in d.popups():
        popup.dismiss()


def _open_new(d: Driver, title: str) -> Iterator[Any]:
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", title, contains=True)[0])
    yield on_screen(d, "form")
    yield 0.05


def _status_of(widget: Any) -> str:
    return widget.status.text


def gps_search(d: Driver, title: str = "Uji tangkapan") -> Iterator[Any]:
    """An improving fix accepted by itself; a stalled GPS timing out; a mock location."""
    # outdoors: the fix improves; it rests at 17.5 m for a while (the screenshot), then 4.1 m
    d.app.device = SimulatedDevice([(0.3, fix(65)), (0.4, fix(38)), (0.4, fix(17.5)),
                                    (3.0, fix(8.2)), (0.4, fix(4.1)), (0.4, fix(3.2))])
    yield from _open_new(d, title)
    form = d.screen
    d.result["entry_id"] = form.editor.entry_id
    geo = d.question("lokasi")
    check(geo is not None, "no geopoint question on the first page")
    d.type_into(d.question("nama_unit").field, "Dinas Penanaman Modal dan PTSP")
    # 1. outdoors: the accuracy shown improves, then a 4.1 m fix is recorded by itself
    d.press(geo.gps)
    statuses: list[str] = []

    def poor_fix_shown() -> bool:
        statuses.append(_status_of(geo))
        return geo.search is not None and geo.search.current is not None and \
            geo.search.current["accuracy"] == 17.5
    yield poor_fix_shown
    d.result["searching_text"] = _status_of(geo)
    d.result["accept_text"] = geo.accept_button.text
    d.shot("gps_searching")
    yield lambda: form.session.value("lokasi") is not None
    d.result["statuses"] = [s for i, s in enumerate(statuses) if s and s not in statuses[:i]]
    d.result["accepted"] = form.session.value("lokasi")
    d.result["accepted_text"] = geo.shown.text
    d.result["gps_stopped"] = d.app.device.stopped
    yield 0.05
    d.shot("gps_accepted")
    # 2. indoors: two poor fixes, then nothing; the search stops and offers the best point
    form.device = d.app.device = SimulatedDevice("stalls", location_timeout=4.0)
    d.press(geo.gps)
    yield lambda: geo.search is not None and geo.search.state == "timed_out"
    yield 0.6  # a tick more: the shown text is the final one
    d.result["timeout_text"] = _status_of(geo)
    d.result["timeout_fixes"] = geo.search.fixes
    d.result["value_kept_while_timed_out"] = form.session.value("lokasi")
    d.shot("gps_timeout")
    d.press(geo.accept_button)
    yield 0.05
    d.result["after_timeout_accept"] = form.session.value("lokasi")
    d.result["poor_warning"] = geo.warning.text
    d.result["poor_text"] = geo.shown.text
    d.shot("gps_poor_accepted")
    # 3. a fake-GPS app: shown as mock, never accepted by itself; cancel keeps the answer
    form.device = d.app.device = SimulatedDevice("mock", location_timeout=30.0)
    d.press(geo.gps)
    yield lambda: geo.search is not None and geo.search.fixes >= 2
    yield 0.05
    d.result["mock_text"] = _status_of(geo)
    d.result["mock_warning"] = geo.warning.text
    d.shot("gps_mock")
    d.press(geo.cancel_button)
    yield 0.05
    d.result["after_mock_cancel"] = form.session.value("lokasi")
    d.result["mock_stopped"] = d.app.device.stopped
    d.result["cancel_text"] = _status_of(geo)
    # 4. a search stops when the officer leaves the page
    form.device = d.app.device = SimulatedDevice("silent", location_timeout=30.0)
    d.press(geo.gps)
    yield 0.1
    d.press(form.ids.next)
    yield 0.1
    d.result["stopped_on_leave"] = d.app.device.stopped
    # 5. a laptop: coordinates typed in, shown without a made-up accuracy
    form.device = d.app.device = DesktopDevice()
    d.press(form.ids.previous)
    yield 0.1
    geo = d.question("lokasi")
    d.type_into(geo.latitude, "-3.2857")
    d.type_into(geo.longitude, "102.8612")
    yield 0.05
    d.result["typed"] = form.session.value("lokasi")
    d.result["typed_text"] = geo.shown.text
    d.result["status_after_leave"] = geo.status.text
    d.shot("gps_desktop_typed")


def photo_question(d: Driver, photo: str = "", title: str = "Uji tangkapan") -> Iterator[Any]:
    """The camera returns a 12-megapixel photo: kept downscaled, previewed, named."""
    d.app.device = SimulatedDevice("silent", photo=Path(photo))
    yield from _open_new(d, title)
    form = d.screen
    d.result["entry_id"] = form.editor.entry_id
    d.type_into(d.question("nama_unit").field, "Kecamatan Ilir Timur I")
    d.press(form.ids.next)
    yield 0.05
    widget = d.question("foto_loket")
    check(widget is not None, "no photo question on the second page")
    d.press(widget.button)

    def preparing() -> bool:  # prepared in a thread meanwhile (a 12 MP photo: about 1 s)
        if widget.busy:
            d.result["busy_text"] = widget.file_label.text
            d.result["busy_button_disabled"] = widget.button.disabled
        return widget.busy
    yield preparing
    yield lambda: form.session.value("foto_loket") is not None
    yield 0.15
    d.result["answer"] = form.session.value("foto_loket")
    d.result["info"] = widget.file_label.text
    d.result["preview_height"] = widget.preview.height
    d.result["texture"] = list(widget.preview.texture_size)
    d.result["camera_files"] = sorted(
        p.name for p in (d.app.controller.data_folder / "camera").glob("*"))
    d.shot("photo_downscaled")
    d.press(widget.remove_button)
    yield 0.05
    d.result["after_remove"] = form.session.value("foto_loket")
    d.result["remove_disabled"] = widget.remove_button.disabled


def reopen_flow(d: Driver, photo: str = "") -> Iterator[Any]:
    """A finalized entry with a missing and a damaged photo: named, reopened, fixed, final."""
    d.app.device = SimulatedDevice("silent", photo=Path(photo))
    yield on_screen(d, "home")
    d.press(d.screen.ids.count_finalized)
    yield on_screen(d, "entries")
    yield lambda: bool(d.find("EntryRow"))
    yield 0.1
    d.result["list_comment"] = d.find("EntryRow")[0].comment
    d.shot("reopen_list")
    d.press(d.find("EntryRow")[0].ids.open)
    yield on_screen(d, "form")
    yield 0.15
    form = d.screen
    d.result["read_only"] = form.read_only
    d.result["panel"] = [w.text for w in d.find("ErrorLabel", root=form.ids.body) if w.text]
    d.shot("reopen_panel")
    d.press(form.ids.reopen_button)
    yield 0.2
    d.result["message"] = d.popups()[0].message if d.popups() else ""
    _dismiss_popups(d)
    yield 0.1
    d.result["editable"] = not form.read_only
    d.result["page_questions"] = list(form.pages[form.index].questions)
    widget = d.question("foto_loket")
    d.result["widget_problem"] = widget.problem.text if widget else ""
    d.shot("reopen_photo_missing")
    d.press(widget.remove_button)  # the missing one: removed (the question is optional)
    yield 0.05
    d.press(form.ids.next)
    yield 0.05
    damaged = d.question("foto_maklumat")
    d.result["damaged_problem"] = damaged.problem.text
    d.press(damaged.button)  # the damaged one: retaken
    yield lambda: not damaged.busy and damaged.problem.text == ""
    yield 0.15
    d.shot("reopen_photo_retaken")
    # the last page, the entry ready again: its Next reads "Finalisasi" and finalizes
    check(form.finish_here, "the retaken photo still blocks finalizing")
    d.result["summary_errors"] = [w.text for w in d.find("ErrorLabel", root=form.ids.body)
                                  if w.text]
    d.press(form.ids.next)
    yield on_screen(d, "home")
    yield 0.05
    record = d.app.controller.store.get_entry(form.editor.entry_id)
    d.result["status"] = record["status"]
    d.result["answers"] = record["answers"]
    d.result["problems_after"] = len(d.app.controller.store.entry_photo_problems(
        form.editor.entry_id))


def conflict_banner(d: Driver) -> Iterator[Any]:
    """An entry in conflict: the banner says whose each value is, who and when."""
    yield on_screen(d, "home")
    d.press(d.screen.ids.count_conflict)
    yield on_screen(d, "entries")
    yield lambda: bool(d.find("EntryRow"))
    d.press(d.find("EntryRow")[0].ids.open)
    yield on_screen(d, "form")
    yield 0.15
    d.result["banner"] = d.screen.banner
    d.shot("conflict_banner")
    d.app.set_language("en")
    d.screen.prepare(entry_id=d.screen.editor.entry_id)
    yield 0.1
    d.result["banner_en"] = d.screen.banner
    d.app.set_language("id")
