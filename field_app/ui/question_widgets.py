"""One widget per XLSForm question type, built in Python from the form model.

Every widget shows the question's label (from the form's languages, ``${}`` filled), hint,
input and error, and reports answers through ``owner.answer(name, instance, value)``.
:meth:`QuestionWidget.refresh` redraws it from the session after any change (skip logic,
choice filters, calculated values); loading a value never reports it back as an answer.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kivy.metrics import dp
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.spinner import Spinner

from field_app.ui.navigation import render_text
from field_app.ui.texts import issue_message, tr
from field_app.ui.widgets import (
    BodyLabel,
    ChoiceRow,
    ErrorLabel,
    FieldInput,
    HintLabel,
    TouchButton,
)

__all__ = ["QuestionWidget", "make_question_widget"]


class QuestionWidget(BoxLayout):
    """Label, hint, input and error of one question in one repeat instance."""

    locked = BooleanProperty(False)

    def __init__(self, owner: Any, question: Any, instance: tuple[int, ...], **kwargs: Any):
        """``owner`` is the form screen (it holds the session, language and device)."""
        super().__init__(orientation="vertical", size_hint_y=None, spacing=dp(6), **kwargs)
        self.bind(minimum_height=self.setter("height"))
        self.owner = owner
        self.question = question
        self.name = question.name
        self.instance = instance
        self._loading = False
        self.label = BodyLabel(bold=True)
        self.add_widget(self.label)
        hint = question.hint(owner.form_lang, owner.form.default_language)
        self.hint = HintLabel(text=hint) if hint else None
        if self.hint is not None:
            self.add_widget(self.hint)
        self.error_label = ErrorLabel(text="")
        self.add_widget(self.error_label)
        self.build_input()

    # -- to override -------------------------------------------------------------------------

    def build_input(self) -> None:
        """Add the input widgets."""

    def load(self, value: Any) -> None:
        """Show ``value`` in the inputs (without reporting it)."""

    def set_locked(self, locked: bool) -> None:
        """Disable the inputs (read-only question or entry)."""

    # -- shared ------------------------------------------------------------------------------

    @property
    def session(self) -> Any:
        """The form session."""
        return self.owner.session

    def answer(self, value: Any) -> None:
        """Report an answer typed or chosen by the officer."""
        if not self._loading and not self.locked:
            self.owner.answer(self.name, self.instance, value)

    def refresh(self, show_error: bool) -> None:
        """Redraw from the session: label, value, lock, error."""
        lang = self.owner.form_lang
        label = self.question.label(lang, self.owner.form.default_language)
        text = render_text(label, self.session, self.instance)
        if self.session.is_required(self.name, self.instance):
            text += " *"
        self.label.text = text
        locked = self.owner.read_only or self.session.is_read_only(self.name, self.instance)
        if locked != self.locked:
            self.locked = locked
            self.set_locked(locked)
        self._loading = True
        try:
            self.load(self.session.value(self.name, self.instance))
        finally:
            self._loading = False
        issue = self.session.error(self.name, self.instance) if show_error else None
        self.error_label.text = issue_message(issue, self.owner.lang) if issue else ""


class NoteWidget(QuestionWidget):
    """A note: its (rendered) label only."""


class CalculatedWidget(QuestionWidget):
    """A labelled calculation: its value, read-only."""

    def build_input(self) -> None:
        self.value_label = BodyLabel(text="")
        self.add_widget(self.value_label)

    def load(self, value: Any) -> None:
        self.value_label.text = "" if value is None else str(value)


class TextWidget(QuestionWidget):
    """Free text (multi-line with appearance ``multiline``)."""

    input_filter: str | None = None
    input_type = "text"

    def build_input(self) -> None:
        multiline = "multiline" in (self.question.appearance or "")
        self.field = FieldInput(multiline=multiline, input_filter=self.input_filter,
                                input_type=self.input_type)
        self.field.bind(text=self._typed)
        self.add_widget(self.field)

    def _typed(self, _field: Any, text: str) -> None:
        self.answer(self.convert(text))

    def convert(self, text: str) -> Any:
        """The answer for the text typed (``None`` when empty)."""
        return text if text.strip() else None

    def load(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.field.text != text and not (self.field.focus and
                                            self.convert(self.field.text) == value):
            self.field.text = text

    def set_locked(self, locked: bool) -> None:
        self.field.readonly = locked
        self.field.disabled = locked


class IntegerWidget(TextWidget):
    """A whole number, with the numeric keyboard."""

    input_filter = "int"
    input_type = "number"

    def convert(self, text: str) -> Any:
        text = text.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return text  # kept and reported as a type error by the session


class DecimalWidget(IntegerWidget):
    """A decimal number, with the numeric keyboard."""

    input_filter = "float"

    def convert(self, text: str) -> Any:
        text = text.strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number

    def load(self, value: Any) -> None:
        if value is not None and self.convert(self.field.text) == value:
            return
        super().load(value)


class SelectWidget(QuestionWidget):
    """Choices as large rows: radio buttons (select_one) or checkboxes (select_multiple)."""

    multiple = False

    def build_input(self) -> None:
        self.box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))
        self.box.bind(minimum_height=self.box.setter("height"))
        self.add_widget(self.box)
        self.rows: dict[str, ChoiceRow] = {}
        self._names: tuple[str, ...] | None = None

    def _build_rows(self) -> None:
        choices = self.session.choices(self.name, self.instance)
        names = tuple(choice.name for choice in choices)
        if names == self._names:
            return
        self._names = names
        self.box.clear_widgets()
        self.rows = {}
        group = None if self.multiple else f"{self.name}-{self.instance}-{id(self)}"
        lang, default = self.owner.form_lang, self.owner.form.default_language
        for choice in choices:
            row = ChoiceRow(text=choice.label(lang, default), value=choice.name, group=group,
                            locked=self.locked)
            row.bind(active=partial(self._toggled, choice.name))
            self.rows[choice.name] = row
            self.box.add_widget(row)

    def _toggled(self, name: str, _row: Any, active: bool) -> None:
        if self._loading:
            return
        if self.multiple:
            self.answer([n for n, row in self.rows.items() if row.active] or None)
        elif active:
            self.answer(name)

    def load(self, value: Any) -> None:
        self._build_rows()
        chosen = set(value or []) if self.multiple else {value}
        for name, row in self.rows.items():
            row.active = name in chosen

    def set_locked(self, locked: bool) -> None:
        for row in self.rows.values():
            row.locked = locked


class SelectMultipleWidget(SelectWidget):
    """Checkboxes."""

    multiple = True


class AcknowledgeWidget(QuestionWidget):
    """One box to tick (answer ``"OK"``)."""

    def build_input(self) -> None:
        self.row = ChoiceRow(text=tr("form.acknowledge", self.owner.lang), value="OK")
        self.row.bind(active=lambda _r, active: self.answer("OK" if active else None))
        self.add_widget(self.row)

    def load(self, value: Any) -> None:
        self.row.active = value == "OK"

    def set_locked(self, locked: bool) -> None:
        self.row.locked = locked


def _spinner(values: list[str], hint: str) -> Spinner:
    return Spinner(text=hint, values=values, size_hint_y=None, height=dp(56),
                   font_size="18sp")


#: The zone of a dateTime answer when neither the answer nor the session gives one: WIB.
WIB = dt.timezone(dt.timedelta(hours=7))


class DatePicker(BoxLayout):
    """Day, month and year pickers and a "today" button, in one row.

    ``picked()`` is called when a spinner changes, ``today(date)`` when the button is tapped.
    """

    def __init__(self, lang: str, picked: Callable[[], None],
                 today: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(size_hint_y=None, height=dp(56), spacing=dp(8), **kwargs)
        self.lang = lang
        self.day = _spinner([str(d) for d in range(1, 32)], tr("form.date.day", lang))
        self.months = [tr(f"month.{m}", lang) for m in range(1, 13)]
        self.month = _spinner(self.months, tr("form.date.month", lang))
        year = dt.date.today().year
        self.years = [str(y) for y in range(year + 1, year - 100, -1)]
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

    def __init__(self, lang: str, picked: Callable[[], None],
                 now: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(size_hint_y=None, height=dp(56), spacing=dp(8), **kwargs)
        self.lang = lang
        self.hour = _spinner([f"{h:02d}" for h in range(24)], tr("form.time.hour", lang))
        self.minute = _spinner([f"{m:02d}" for m in range(0, 60, 5)],
                               tr("form.time.minute", lang))
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
        self.picker = DatePicker(self.owner.lang, self._picked,
                                 lambda: self._set(dt.date.today()))
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
        self.picker = TimePicker(self.owner.lang, self._picked,
                                 lambda: self.answer(dt.datetime.now().strftime("%H:%M")))
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
        now = getattr(self.session, "now", None)
        moment = now() if callable(now) else None
        if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
            return moment
        return dt.datetime.now(WIB)

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


class GeopointWidget(QuestionWidget):
    """GPS on a tablet; latitude and longitude typed in on a desktop."""

    def build_input(self) -> None:
        lang = self.owner.lang
        self.shown = BodyLabel(text="")
        self.add_widget(self.shown)
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        self.latitude = FieldInput(hint_text=tr("form.geo.latitude", lang),
                                   input_filter="float", input_type="number")
        self.longitude = FieldInput(hint_text=tr("form.geo.longitude", lang),
                                    input_filter="float", input_type="number")
        self.gps = TouchButton(text=tr("form.geo.locate", lang))
        self.gps.bind(on_release=self._locate)
        if self.owner.device.has_gps:
            row.add_widget(self.gps)
        else:
            row.add_widget(self.latitude)
            row.add_widget(self.longitude)
            self.latitude.bind(text=self._typed)
            self.longitude.bind(text=self._typed)
        self.add_widget(row)

    def _typed(self, *_args: Any) -> None:
        lat, lon = self.latitude.text.strip(), self.longitude.text.strip()
        if not lat and not lon:
            self.answer(None)
            return
        try:
            self.answer({"latitude": float(lat), "longitude": float(lon)})
        except ValueError:
            return  # half typed

    def _locate(self, *_args: Any) -> None:
        self.shown.text = tr("form.geo.waiting", self.owner.lang)
        self.owner.device.locate(lambda fix: self.owner.app.on_main_thread(self._located, fix))

    def _located(self, fix: dict[str, float] | None) -> None:
        if fix is None:
            self.shown.text = tr("form.geo.failed", self.owner.lang)
            return
        self.answer(fix)

    def load(self, value: Any) -> None:
        if isinstance(value, dict) and "latitude" in value:
            self.shown.text = tr("form.geo.value", self.owner.lang,
                                 latitude=f"{value['latitude']:.6f}",
                                 longitude=f"{value['longitude']:.6f}",
                                 accuracy=value.get("accuracy", ""))
            if not self.latitude.focus and not self.longitude.focus:
                self.latitude.text = str(value["latitude"])
                self.longitude.text = str(value["longitude"])
        else:
            if not self.shown.text.startswith(tr("form.geo.waiting", self.owner.lang)):
                self.shown.text = ""
            if not self.latitude.focus and not self.longitude.focus:
                self.latitude.text = self.longitude.text = ""

    def set_locked(self, locked: bool) -> None:
        for widget in (self.latitude, self.longitude, self.gps):
            widget.disabled = locked


class ImageWidget(QuestionWidget):
    """A photo: the camera on a tablet, a file chooser on a desktop; a preview."""

    def build_input(self) -> None:
        lang = self.owner.lang
        key = "form.image.camera" if self.owner.device.has_camera else "form.image.choose"
        self.button = TouchButton(text=tr(key, lang))
        self.button.bind(on_release=lambda *_: self.owner.pick_photo(self))
        self.add_widget(self.button)
        self.preview = Image(size_hint_y=None, height=0, fit_mode="contain")
        self.add_widget(self.preview)
        self.file_label = HintLabel(text="")
        self.add_widget(self.file_label)

    def load(self, value: Any) -> None:
        if isinstance(value, dict) and value.get("sha256"):
            path = Path(self.owner.attachments_folder) / value["sha256"]
            if path.exists() and self.preview.source != str(path):
                self.preview.source = str(path)
            self.preview.height = dp(220) if path.exists() else 0
            self.file_label.text = value.get("filename", "")
        else:
            self.preview.source = ""
            self.preview.height = 0
            self.file_label.text = ""

    def set_locked(self, locked: bool) -> None:
        self.button.disabled = locked


WIDGETS: dict[str, type[QuestionWidget]] = {
    "text": TextWidget,
    "integer": IntegerWidget,
    "decimal": DecimalWidget,
    "select_one": SelectWidget,
    "select_multiple": SelectMultipleWidget,
    "date": DateWidget,
    "time": TimeWidget,
    "dateTime": DateTimeWidget,
    "geopoint": GeopointWidget,
    "image": ImageWidget,
    "note": NoteWidget,
    "acknowledge": AcknowledgeWidget,
    "calculate": CalculatedWidget,
}


def make_question_widget(owner: Any, question: Any, instance: tuple[int, ...]) -> QuestionWidget:
    """The widget for a question's type (other types are typed in as text)."""
    return WIDGETS.get(question.type, TextWidget)(owner, question, instance)
