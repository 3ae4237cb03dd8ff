"""Scenarios of single screen states, run by :mod:`tests.field_app_ui.driver` (split from
``scenarios.py``): an error said in words, a conflict and a sent entry opened read-only, the
damaged-store messages, the dateTime picker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.field_app_ui.driver import Driver, check
from tests.field_app_ui.scenarios import on_screen


def error_shown(d: Driver) -> Iterator[Any]:
    """A failure behind a screen (a damaged store, simulated) is said in words, no traceback."""
    yield on_screen(d, "home")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("simulated damaged store")

    d.app.controller.entry_page = broken
    d.press(d.screen.ids.entries_button)
    yield 0.15
    popups = d.popups()
    d.result["message"] = popups[0].message if popups else ""
    d.result["screen"] = d.app.manager.current
    d.shot("error_message")


def conflict_view(d: Driver) -> Iterator[Any]:
    """Open an entry in conflict: read-only, both values shown; a sent one: read-only."""
    yield on_screen(d, "home")
    d.press(d.screen.ids.count_conflict)
    yield on_screen(d, "entries")
    yield 0.15
    d.shot("entries_conflict")
    d.press(d.find("EntryRow")[0].ids.open)
    yield on_screen(d, "form")
    yield 0.15
    form = d.screen
    d.result["banner"] = form.banner
    d.result["read_only"] = form.read_only
    d.result["field_disabled"] = d.question("nama_unit").field.disabled
    d.shot("form_conflict")
    d.press(form.ids.leave)
    yield on_screen(d, "home")
    d.press(d.screen.ids.count_sent)
    yield on_screen(d, "entries")
    yield lambda: bool(d.find("EntryRow"))  # the list builds its rows at the next layout
    d.press(d.find("EntryRow")[0].ids.open)
    yield on_screen(d, "form")
    yield 0.15
    d.result["sent_read_only"] = d.screen.read_only
    d.result["sent_banner"] = d.screen.banner


def set_aside_message(d: Driver) -> Iterator[Any]:
    """Start on a store with a damaged draft: the app opens and says what was set aside."""
    yield on_screen(d, "home")
    yield lambda: bool(d.popups())
    yield 0.1
    popup = d.popups()[0]
    d.result["message"] = popup.message
    d.result["counts"] = dict(d.screen.counts)
    d.result["tiles"] = {status: d.screen.ids[f"count_{status}"].count
                         for status in d.screen.counts}
    yield 0.2  # the count tiles redraw on the next frame
    d.shot("store_set_aside")
    d.press(d.button(d.t("common.ok"), root=popup))
    yield lambda: not d.popups()
    yield 0.2
    d.shot("store_set_aside_home")
    d.result["unseen_after_ok"] = len(d.app.controller.store.set_aside_files())


def datetime_picker(d: Driver) -> Iterator[Any]:
    """A dateTime question: date and time picked, "now", then the draft reopened."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "kunjungan_waktu", contains=True)[0])
    yield on_screen(d, "form")
    form = d.screen
    widget = d.question("waktu_kunjungan")
    check(widget is not None, "the dateTime question is not on the first page")
    d.result["widget"] = type(widget).__name__
    d.result["rows"] = [type(row).__name__ for row in widget.children]
    dates, times = widget.date_picker, widget.time_picker
    dates.day.text = "9"
    dates.month.text = d.t("month.8")
    dates.year.text = "2024"
    yield 0.05
    d.result["after_date_only"] = form.session.value("waktu_kunjungan")
    d.type_into(d.question("catatan").field, "Kunjungan pagi")  # another answer: a refresh
    yield 0.05
    d.result["date_kept"] = [dates.day.text, dates.month.text, dates.year.text]
    times.hour.text = "09"
    times.minute.text = "40"
    yield 0.05
    d.result["picked"] = form.session.value("waktu_kunjungan")
    d.shot("form_datetime")
    dates.day.text = "31"  # August 31st, then September: the day is clipped to the 30th
    dates.month.text = d.t("month.9")
    yield 0.05
    d.result["clipped"] = form.session.value("waktu_kunjungan")
    d.press(times.now)
    yield 0.05
    d.result["now"] = form.session.value("waktu_kunjungan")
    d.result["now_shown"] = [dates.day.text, dates.year.text, times.hour.text, times.minute.text]
    dates.year.text = "2023"
    yield 0.05
    # the "today" and "now" buttons of a date and a time question: the session's date and
    # time (WIB), whatever zone the tablet's system clock is set to
    d.press(d.question("tanggal").today)
    d.press(d.question("jam").now)
    yield 0.05
    d.result["date_today"] = form.session.value("tanggal")
    d.result["time_now"] = form.session.value("jam")
    d.result["entry_id"] = form.editor.entry_id
    d.result["final"] = form.session.value("waktu_kunjungan")
    d.press(form.ids.leave)
    yield on_screen(d, "home")
    yield 0.05
    for popup in d.popups():
        d.press(popup.ids.box.children[0])
    d.press(d.screen.ids.count_draft)
    yield on_screen(d, "entries")
    yield 0.1
    d.press(d.find("EntryRow")[0].ids.open)
    yield on_screen(d, "form")
    yield 0.1
    reopened = d.question("waktu_kunjungan")
    d.result["reopened"] = [reopened.date_picker.day.text, reopened.date_picker.month.text,
                            reopened.date_picker.year.text, reopened.time_picker.hour.text,
                            reopened.time_picker.minute.text]
    d.shot("form_datetime_reopened")


def store_cannot_open(d: Driver) -> Iterator[Any]:
    """The store cannot open at all: the app stays up and says so in both languages."""
    yield 0.2
    d.result["manager"] = d.app.manager is not None
    d.result["text"] = d.app.root.text
    path = d.out / f"{d.size}-store_cannot_open.png"
    d.app.root.export_to_png(str(path))
    d.result["screens"].append(path.name)
