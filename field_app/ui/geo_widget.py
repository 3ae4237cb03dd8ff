"""The geopoint question: a live GPS search on a tablet, coordinates typed in on a desktop.

With a GPS (:attr:`Device.has_gps`), **Ambil lokasi GPS** starts watching the device's fixes
(:meth:`~field_app.platform.Device.watch_location`); the rules of the question's parameters are
in :class:`field_app.geo_capture.GeoSearch`. While searching the widget shows the accuracy of
the latest fix and the seconds passed, **Gunakan titik ini** (take the best fix so far) and
**Batal**; a fix good enough (``capture-accuracy``) is recorded by itself; after the device's
timeout the search stops and says so (indoors there is often no fix), offering the best fix if
there was one. A recorded fix worse than ``warning-accuracy``, or a mock location, is shown with
a warning. Without a GPS, latitude and longitude are typed in and shown as typed (no accuracy).
"""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from field_app.geo_capture import (
    ACCEPTED,
    SEARCHING,
    TIMED_OUT,
    GeoSearch,
    format_accuracy,
    geo_settings,
)
from field_app.ui.question_base import QuestionWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import BodyLabel, ErrorLabel, FieldInput, PrimaryButton, TouchButton

__all__ = ["GeopointWidget"]


class GeopointWidget(QuestionWidget):
    """GPS with live accuracy on a tablet; latitude and longitude typed in on a desktop."""

    search: GeoSearch | None = None
    _stop_watching: Any = None
    _ticker: Any = None

    def build_input(self) -> None:
        lang = self.owner.lang
        self.settings = geo_settings(self.question)
        self.shown = BodyLabel(text="")
        self.add_widget(self.shown)
        self.status = BodyLabel(text="")
        self.add_widget(self.status)
        self.warning = ErrorLabel(text="")
        self.add_widget(self.warning)
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        self.latitude = FieldInput(hint_text=tr("form.geo.latitude", lang),
                                   input_filter="float", input_type="number")
        self.longitude = FieldInput(hint_text=tr("form.geo.longitude", lang),
                                    input_filter="float", input_type="number")
        self.gps = TouchButton(text=tr("form.geo.locate", lang))
        self.gps.bind(on_release=lambda *_: self.start_search())
        self.accept_button = PrimaryButton(text=tr("form.geo.accept_none", lang), disabled=True)
        self.accept_button.bind(on_release=lambda *_: self.accept_current())
        self.cancel_button = TouchButton(text=tr("common.cancel", lang))
        self.cancel_button.bind(on_release=lambda *_: self.cancel_search())
        self.search_row = BoxLayout(size_hint_y=None, height=0, spacing=dp(8), opacity=0)
        self.latitude.bind(text=self._typed)
        self.longitude.bind(text=self._typed)
        self.input_row = row
        self._with_gps: bool | None = None
        self._layout_inputs()
        self.add_widget(row)
        self.add_widget(self.search_row)

    def _layout_inputs(self) -> None:
        """The GPS button, or the typed coordinates, for the device the screen has now
        (a widget built ahead of time may be shown on another device than it was built for)."""
        with_gps = bool(self.owner.device.has_gps)
        if with_gps == self._with_gps:
            return
        self._with_gps = with_gps
        self.input_row.clear_widgets()
        if with_gps:
            self.input_row.add_widget(self.gps)
        else:
            self.input_row.add_widget(self.latitude)
            self.input_row.add_widget(self.longitude)

    # ------------------------------------------------------------------ typed in

    def _typed(self, *_args: Any) -> None:
        if self._with_gps:
            return
        lat, lon = self.latitude.text.strip(), self.longitude.text.strip()
        if not lat and not lon:
            self.answer(None)
            return
        try:
            self.answer({"latitude": float(lat), "longitude": float(lon)})
        except ValueError:
            return  # half typed

    # ------------------------------------------------------------------ GPS search

    @property
    def searching(self) -> bool:
        """Whether a GPS search is running."""
        return self.search is not None and self.search.state == SEARCHING

    def start_search(self) -> None:
        """Start watching the GPS (a search already running goes on)."""
        if self.searching or self.locked:
            return
        device = self.owner.device
        self.search = GeoSearch(self.settings, time.monotonic(),
                                timeout=float(device.location_timeout))
        self.warning.text = ""
        self._show_search_row(True)
        app = self.owner.app
        self._stop_watching = device.watch_location(
            lambda fix: app.on_main_thread(self._on_fix, self.search, fix),
            lambda code: app.on_main_thread(self._on_error, self.search, code))
        self._ticker = Clock.schedule_interval(lambda _dt: self._tick(), 0.5)
        self._show_status()

    def _on_fix(self, search: GeoSearch, fix: dict[str, Any]) -> None:
        if search is not self.search or not self.searching:
            return  # a late fix of a search already ended
        if search.on_fix(fix, time.monotonic()) == ACCEPTED:
            self._finish()
            self._record()
            return
        self._show_status()

    def _on_error(self, search: GeoSearch, code: str) -> None:
        if search is not self.search or not self.searching:
            return
        search.cancel()
        self._finish()
        self.status.text = tr(f"form.geo.error.{code}", self.owner.lang)

    def _tick(self) -> None:
        if self.search is None:
            return
        if self.search.tick(time.monotonic()) == TIMED_OUT:
            self._finish(keep_accept=self.search.best is not None)
        self._show_status()

    def accept_current(self) -> None:
        """Take the best fix seen so far (during the search or after it timed out)."""
        if self.search is None or self.search.best is None:
            return
        self.search.accept()
        self._finish()
        self._record()

    def cancel_search(self, quiet: bool = False) -> None:
        """Stop searching; the answer stays as it was (``quiet``: say nothing, e.g. the page
        was left)."""
        if self.search is None:
            return
        self.search.cancel()
        self._finish()
        self.search = None
        self.status.text = "" if quiet else tr("form.geo.cancelled", self.owner.lang)

    def _finish(self, keep_accept: bool = False) -> None:
        if self._stop_watching is not None:
            self._stop_watching()
            self._stop_watching = None
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._show_search_row(keep_accept, cancel=False)

    def _record(self) -> None:
        assert self.search is not None
        value = self.search.answer()
        warning = self.search.warning()
        self.status.text = ""
        self.answer(value)
        self.warning.text = self._warning_text(warning, value)

    def _warning_text(self, warning: str | None, value: dict[str, Any] | None) -> str:
        lang = self.owner.lang
        if warning == "mock":
            return tr("form.geo.warning_mock", lang)
        if warning == "poor" and value is not None:
            return tr("form.geo.warning_poor", lang,
                      accuracy=format_accuracy(value["accuracy"]),
                      limit=format_accuracy(self.settings.warning_accuracy or 0))
        return ""

    def _show_search_row(self, shown: bool, cancel: bool = True) -> None:
        self.search_row.clear_widgets()
        if shown:
            self.search_row.add_widget(self.accept_button)
            if cancel:
                self.search_row.add_widget(self.cancel_button)
        self.search_row.height = dp(56) if shown else 0
        self.search_row.opacity = 1 if shown else 0
        self.gps.disabled = self.locked or (shown and cancel)

    def _show_status(self) -> None:
        search = self.search
        if search is None:
            return
        lang = self.owner.lang
        key, params = search.status()
        self.status.text = tr(key, lang, **params)
        best = search.best
        if best is None:
            self.accept_button.text = tr("form.geo.accept_none", lang)
            self.accept_button.disabled = True
        else:
            recorded = search.recorded(best)
            self.accept_button.text = tr("form.geo.accept", lang,
                                         accuracy=format_accuracy(recorded["accuracy"]))
            self.accept_button.disabled = False
            if search.state != ACCEPTED:
                self.warning.text = self._warning_text(search.warning(best), recorded)

    def on_parent(self, _widget: Any, parent: Any) -> None:
        """Taken off the page (another page or entry shown): the search stops."""
        if parent is None and self.searching:
            self.cancel_search(quiet=True)

    # ------------------------------------------------------------------ shown value

    def load(self, value: Any) -> None:
        lang = self.owner.lang
        self._layout_inputs()
        if isinstance(value, dict) and "latitude" in value:
            latitude = f"{float(value['latitude']):.6f}"
            longitude = f"{float(value['longitude']):.6f}"
            accuracy = value.get("accuracy")
            if isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool):
                self.shown.text = tr("form.geo.value", lang, latitude=latitude,
                                     longitude=longitude, accuracy=format_accuracy(accuracy))
            else:
                self.shown.text = tr("form.geo.value_typed", lang, latitude=latitude,
                                     longitude=longitude)
            if not self.latitude.focus and not self.longitude.focus:
                self.latitude.text = str(value["latitude"])
                self.longitude.text = str(value["longitude"])
        else:
            self.shown.text = ""
            if not self.latitude.focus and not self.longitude.focus:
                self.latitude.text = self.longitude.text = ""

    def set_locked(self, locked: bool) -> None:
        if locked:
            self.cancel_search(quiet=True)
        for widget in (self.latitude, self.longitude, self.gps):
            widget.disabled = locked
