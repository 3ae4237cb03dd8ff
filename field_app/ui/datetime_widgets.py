"""The date, time and dateTime question widgets, and their day/month/year and hour/minute pickers.

Split from :mod:`field_app.ui.question_widgets` (which maps question types to widgets).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.spinner import Spinner

from field_app.ui.question_base import QuestionWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import TouchButton

__all__ = [
    "WIB", "DatePicker", "DateTimeWidget", "DateWidget", "TimePicker", "TimeWidget", "session_now",
]


#: Years offered after the tablet's current year (its clock may be years behind).
YEARS_AHEAD = 15


def _spinner(values: list[str], hint: str) -> Spinner:
    return Spinner(text=hint, values=values, size_hint_y=None, height=dp(56), font_size="18sp")


#: The zone of a dateTime answer when neither the answer nor the session gives one: WIB.
WIB = dt.timezone(dt.timedelta(hours=7))


def session_now(session: Any) -> dt.datetime:
    """Now in the zone the form session checks ``today()`` and ``now()`` in (WIB unless the
    session is given another), not the tablet system's zone: the "today" and "now" buttons
    must give the date and time the form's constraints take for today and now (a tablet set
    to UTC or to WIT is on another date than WIB for part of every day)."""
    now = getattr(session, "now", None)
    moment = now() if callable(now) else None
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        return moment
    return dt.datetime.now(WIB)


class DatePicker(BoxLayout):
    """Day, month and year pickers and a "today" button, in one row.

    ``picked()`` is called when a spinner changes, ``today(date)`` when the button is tapped.
    """

    def __init__(
        self, lang: str, picked: Callable[[], None], today: Callable[[], None], **kwargs: Any
    ) -> None:
        super().__init__(size_hint_y=None, height=dp(56), spacing=dp(8), **kwargs)
        self.lang = lang
        self.day = _spinner([str(d) for d in range(1, 32)], tr("form.date.day", lang))
        self.months = [tr(f"month.{m}", lang) for m in range(1, 13)]
        self.month = _spinner(self.months, tr("form.date.month", lang))
        year = dt.date.today().year
        # wide on both sides: a tablet whose clock is years behind still offers the real year
        self.years = [str(y) for y in range(year + YEARS_AHEAD, year - 100, -1)]
        self.year = _spinner(self.years, tr("form.date.year", lang))
        self.today = TouchButton(text=tr("form.date.today", lang))
        self.today.bind(on_release=lambda *_: today())
        for widget in (self.day, self.month, self.year):
            self.add_widget(widget)
            widget.bind(text=lambda *_: picked())
        self.add_widget(self.today)

    def value(self) -> dt.date | None:
        """The date picked (the day clipped to the month's length), ``None`` until complete."""
        try:
            day = int(self.day.text)
            month = self.months.index(self.month.text) + 1
            year = int(self.year.text)
        except ValueError:
            return None  # not all three chosen yet
        return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))

    def show(self, date: dt.date | None) -> None:
        """Show ``date`` (the placeholders for ``None``)."""
        if date is None:
            self.day.text = tr("form.date.day", self.lang)
            self.month.text = tr("form.date.month", self.lang)
            self.year.text = tr("form.date.year", self.lang)
            return
        self.day.text = str(date.day)
        self.month.text = self.months[date.month - 1]
        if str(date.year) not in self.year.values:
            self.year.values = [*self.year.values, str(date.year)]
        self.year.text = str(date.year)

    def set_locked(self, locked: bool) -> None:
        """Disable the pickers and the button."""
        for widget in (self.day, self.month, self.year, self.today):
            widget.disabled = locked


class TimePicker(BoxLayout):
    """Hour and minute (5-minute steps) pickers and a "now" button, in one row."""

    def __init__(
        self, lang: str, picked: Callable[[], None], now: Callable[[], None], **kwargs: Any
    ) -> None:
        super().__init__(size_hint_y=None, height=dp(56), spacing=dp(8), **kwargs)
        self.lang = lang
        self.hour = _spinner([f"{h:02d}" for h in range(24)], tr("form.time.hour", lang))
        self.minute = _spinner([f"{m:02d}" for m in range(0, 60, 5)], tr("form.time.minute", lang))
        self.now = TouchButton(text=tr("form.time.now", lang))
        self.now.bind(on_release=lambda *_: now())
        for widget in (self.hour, self.minute):
            self.add_widget(widget)
            widget.bind(text=lambda *_: picked())
        self.add_widget(self.now)

    def value(self) -> str | None:
        """``"HH:MM"`` picked, ``None`` until both are chosen."""
        if self.hour.text.isdigit() and self.minute.text.isdigit():
            return f"{self.hour.text}:{self.minute.text}"
        return None

    def show(self, hour: str | None, minute: str | None = None) -> None:
        """Show ``hour:minute`` (the placeholders for ``None``); any minute can be shown."""
        if hour is None or minute is None:
            self.hour.text = tr("form.time.hour", self.lang)
            self.minute.text = tr("form.time.minute", self.lang)
            return
        self.hour.text, self.minute.text = hour, minute
        if minute not in self.minute.values:
            self.minute.values = sorted({*self.minute.values, minute})

    def set_locked(self, locked: bool) -> None:
        """Disable the pickers and the button."""
        for widget in (self.hour, self.minute, self.now):
            widget.disabled = locked


class DateWidget(QuestionWidget):
    """Day, month and year pickers, and a button for today."""

    def build_input(self) -> None:
        self.picker = DatePicker(
            self.owner.lang, self._picked, lambda: self._set(session_now(self.session).date())
        )
        self.day, self.month, self.year = self.picker.day, self.picker.month, self.picker.year
        self.today = self.picker.today
        self.add_widget(self.picker)

    def _set(self, date: dt.date) -> None:
        self.answer(date.isoformat())

    def _picked(self) -> None:
        if self._loading:
            return
        date = self.picker.value()
        if date is not None:
            self._set(date)

    def load(self, value: Any) -> None:
        try:
            date = dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            date = None
        self.picker.show(date)

    def set_locked(self, locked: bool) -> None:
        self.picker.set_locked(locked)


class TimeWidget(QuestionWidget):
    """Hour and minute pickers, and a button for now."""

    def build_input(self) -> None:
        self.picker = TimePicker(
            self.owner.lang, self._picked,
            lambda: self.answer(session_now(self.session).strftime("%H:%M")),
        )
        self.hour, self.minute, self.now = self.picker.hour, self.picker.minute, self.picker.now
        self.add_widget(self.picker)

    def _picked(self) -> None:
        if not self._loading and self.picker.value() is not None:
            self.answer(self.picker.value())

    def load(self, value: Any) -> None:
        if not value:
            self.picker.show(None)
        else:
            hour, minute = str(value).split(":")[:2]
            self.picker.show(hour, minute)

    def set_locked(self, locked: bool) -> None:
        self.picker.set_locked(locked)


class DateTimeWidget(QuestionWidget):
    """The date pickers and the time pickers, one row each; "now" fills both.

    The answer is ISO 8601 with the zone offset, as ``start``/``end`` are stored:
    ``2024-08-13T09:40:00+07:00``. The zone is the answer's own when it has one, else the
    session's (WIB unless the session is given another). "Today" fills the date; the answer
    is given once the date and the time are both picked, and picks made so far stay shown.
    """

    _UNSET: Any = object()

    def build_input(self) -> None:
        lang = self.owner.lang
        self._shown: Any = self._UNSET
        self._zone: dt.tzinfo | None = None
        self.date_picker = DatePicker(lang, self._picked, self._today)
        self.time_picker = TimePicker(lang, self._picked, self._now)
        self.add_widget(self.date_picker)
        self.add_widget(self.time_picker)

    def _session_now(self) -> dt.datetime:
        return session_now(self.session)

    def _today(self) -> None:
        self.date_picker.show(self._session_now().date())
        self._picked()

    def _now(self) -> None:
        now = self._session_now().replace(second=0, microsecond=0)
        self._zone = now.tzinfo
        self.answer(now.isoformat(timespec="seconds"))

    def _picked(self) -> None:
        if self._loading:
            return
        date, time = self.date_picker.value(), self.time_picker.value()
        if date is None or time is None:
            return
        hour, minute = (int(part) for part in time.split(":"))
        zone = self._zone or self._session_now().tzinfo
        moment = dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=zone)
        self.answer(moment.isoformat(timespec="seconds"))

    def load(self, value: Any) -> None:
        if value == self._shown:
            return  # unchanged: keep a half-made pick (a date without a time yet) on screen
        self._shown = value
        try:
            moment = dt.datetime.fromisoformat(str(value)) if value else None
        except ValueError:
            moment = None
        if moment is None:
            self.date_picker.show(None)
            self.time_picker.show(None)
            return
        self._zone = moment.tzinfo
        self.date_picker.show(moment.date())
        self.time_picker.show(f"{moment.hour:02d}", f"{moment.minute:02d}")

    def set_locked(self, locked: bool) -> None:
        self.date_picker.set_locked(locked)
        self.time_picker.set_locked(locked)
