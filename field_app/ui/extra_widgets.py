"""Widgets of the question types and appearances beyond the pilot forms' own.

``range`` (a slider with less/more buttons), ``barcode`` (typed, or scanned where the device has a
scanner), ``rank`` (choices put in order with up/down buttons), ``geotrace``/``geoshape``
(points added one by one from the GPS, or typed on a desktop), ``audio``/``video``/``file``
(recorded by the device where it can, else chosen as a file; kept like photos), and the select
appearances ``minimal`` (a drop-down), ``horizontal``/``horizontal-compact``/``likert`` (choices
side by side), ``quick`` (the next page after a choice) and the text appearance ``numbers``.
``trigger`` is an ``acknowledge`` question and ``hidden`` a calculation (the loader turns them
into those), and ``or_other`` adds a plain choice and a text question: none needs a widget here.

:func:`field_app.ui.question_widgets.make_question_widget` registers these (:data:`EXTRA_WIDGETS`,
:func:`appearance_widget`); the hardware is reached only through :mod:`field_app.platform`.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.gridlayout import GridLayout
from kivy.uix.popup import Popup
from kivy.uix.slider import Slider
from kivy.uix.spinner import Spinner, SpinnerOption

from field_app.ui.file_chooser import file_chooser
from field_app.ui.question_base import QuestionWidget
from field_app.ui.question_widgets import SelectWidget, TextWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import (
    BodyLabel,
    FieldInput,
    HintLabel,
    PrimaryButton,
    TouchButton,
)
from survey_forms.expressions.geo import area, distance
from survey_forms.ranges import RangeError, check_range_parameters

__all__ = ["EXTRA_WIDGETS", "appearance_widget", "record_start_location"]

log = logging.getLogger(__name__)

#: File name patterns offered by the file chooser, per question type (what the server takes).
FILE_PATTERNS = {
    "audio": ["*.m4a", "*.mp3", "*.aac", "*.amr", "*.ogg", "*.oga", "*.wav", "*.flac", "*.3gp"],
    "video": ["*.mp4", "*.3gp", "*.mov", "*.webm", "*.mkv"],
    "file": ["*.pdf", "*.jpg", "*.jpeg", "*.png", "*.webp", "*.m4a", "*.mp3", "*.mp4"],
}


def _number(value: float, integral: bool) -> int | float:
    return round(value) if integral else round(value, 10)


class RangeWidget(QuestionWidget):
    """A number from ``start`` to ``end`` by ``step``: a slider, with less/more buttons (a tap
    answers even where the slider already stands)."""

    def build_input(self) -> None:
        try:
            start, end, step = check_range_parameters(self.question.parameters)
        except RangeError:  # the loader refuses these; a damaged definition still shows
            start, end, step = 1.0, 10.0, 1.0
        self.start, self.end, self.step = start, end, step
        self.integral = all(float(v).is_integer() for v in (start, end, step))
        low, high = min(start, end), max(start, end)
        lang = self.owner.lang
        self.shown = BodyLabel(text="")
        self.add_widget(self.shown)
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        self.less = TouchButton(text=tr("form.range.less", lang), size_hint_x=None, width=dp(96))
        self.more = TouchButton(text=tr("form.range.more", lang), size_hint_x=None, width=dp(96))
        self.slider = Slider(min=low, max=high, step=step, value=min(start, end))
        self.slider.bind(value=self._slid)
        self.less.bind(on_release=lambda *_: self._nudge(-1))
        self.more.bind(on_release=lambda *_: self._nudge(1))
        for widget in (self.less, self.slider, self.more):
            row.add_widget(widget)
        self.add_widget(row)

    def _snap(self, value: float) -> int | float:
        steps = round((value - self.start) / self.step)
        low, high = min(self.start, self.end), max(self.start, self.end)
        return _number(min(high, max(low, self.start + steps * self.step)), self.integral)

    def _slid(self, _slider: Any, value: float) -> None:
        self.answer(self._snap(value))

    def _nudge(self, direction: int) -> None:
        current = self.session.value(self.name, self.instance)
        if not isinstance(current, int | float):
            self.answer(self._snap(self.start))
            return
        upward = 1 if self.end >= self.start else -1
        self.answer(self._snap(current + direction * upward * self.step))

    def load(self, value: Any) -> None:
        lang = self.owner.lang
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.shown.text = tr("form.range.value", lang, value=value)
            if self.slider.value != value:
                self.slider.value = value
        else:
            self.shown.text = tr(
                "form.range.none",
                lang,
                start=_number(self.start, self.integral),
                end=_number(self.end, self.integral),
            )

    def set_locked(self, locked: bool) -> None:
        for widget in (self.less, self.more, self.slider):
            widget.disabled = locked


class BarcodeWidget(TextWidget):
    """A barcode or QR code: typed, or scanned with the camera where the device has a scanner."""

    def build_input(self) -> None:
        super().build_input()
        self.field.hint_text = tr("form.barcode.hint", self.owner.lang)
        self.scan: TouchButton | None = None
        self.status = HintLabel(text="")
        if self.owner.device.has_scanner:
            self.scan = TouchButton(text=tr("form.barcode.scan", self.owner.lang))
            self.scan.bind(on_release=self._scan)
            self.add_widget(self.scan)
        self.add_widget(self.status)

    def _scan(self, *_args: Any) -> None:
        self.owner.device.scan_barcode(
            lambda code: self.owner.app.on_main_thread(self._scanned, code)
        )

    def _scanned(self, code: str | None) -> None:
        if not code:
            self.status.text = tr("form.barcode.failed", self.owner.lang)
            return
        self.status.text = ""
        self.field.text = code  # reported through the field, like a typed code

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        if self.scan is not None:
            self.scan.disabled = locked


class RankWidget(QuestionWidget):
    """Every choice in the officer's order (most important first): up/down buttons per row, and
    a button to take the order as shown; the answer is the list of choice names."""

    def build_input(self) -> None:
        self.note = HintLabel(text=tr("form.rank.unanswered", self.owner.lang))
        self.add_widget(self.note)
        self.box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))
        self.box.bind(minimum_height=self.box.setter("height"))
        self.add_widget(self.box)
        self.keep = TouchButton(text=tr("form.rank.keep", self.owner.lang))
        self.keep.bind(on_release=lambda *_: self.answer(list(self.order)))
        self.add_widget(self.keep)
        self.order: list[str] = []
        self.buttons: list[TouchButton] = []

    def _move(self, position: int, delta: int, *_args: Any) -> None:
        target = position + delta
        if not 0 <= target < len(self.order):
            return
        order = list(self.order)
        order[position], order[target] = order[target], order[position]
        self.answer(order)

    def load(self, value: Any) -> None:
        choices = self.session.choices(self.name, self.instance)
        names = [choice.name for choice in choices]
        answered = isinstance(value, list) and bool(value)
        chosen = [n for n in value if n in names] if answered else []
        order = chosen + [n for n in names if n not in chosen]
        self.note.height = 0 if answered else dp(28)
        self.note.opacity = 0 if answered else 1
        if order == self.order:
            return
        self.order = order
        self.box.clear_widgets()
        self.buttons = []
        lang, default = self.owner.form_lang, self.owner.form.default_language
        labels = {choice.name: choice.label(lang, default) for choice in choices}
        for position, name in enumerate(order):
            row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
            row.add_widget(BodyLabel(text=f"{position + 1}. {labels[name]}",
                                     pos_hint={"center_y": 0.5}))
            up = TouchButton(text=tr("form.rank.up", self.owner.lang), size_hint_x=None,
                             width=dp(96), disabled=self.locked or position == 0)
            down = TouchButton(text=tr("form.rank.down", self.owner.lang), size_hint_x=None,
                               width=dp(96), disabled=self.locked or position == len(order) - 1)
            up.bind(on_release=partial(self._move, position, -1))
            down.bind(on_release=partial(self._move, position, 1))
            row.add_widget(up)
            row.add_widget(down)
            self.buttons += [up, down]
            self.box.add_widget(row)

    def set_locked(self, locked: bool) -> None:
        self.keep.disabled = locked
        self.order = []  # rebuilt with the buttons' new state on the next load


class ShapeWidget(QuestionWidget):
    """A geotrace (a line, 2 points or more) or geoshape (an area, 3 or more): points added one
    by one from the GPS (typed on a desktop), the last one removable; its length or area."""

    def build_input(self) -> None:
        lang = self.owner.lang
        self.minimum = 3 if self.question.type == "geoshape" else 2
        self.shown = BodyLabel(text="")
        self.add_widget(self.shown)
        self.status = HintLabel(text="")
        self.add_widget(self.status)
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        self.latitude = FieldInput(hint_text=tr("form.geo.latitude", lang),
                                   input_filter="float", input_type="number")
        self.longitude = FieldInput(hint_text=tr("form.geo.longitude", lang),
                                    input_filter="float", input_type="number")
        gps = self.owner.device.has_gps
        self.add = TouchButton(text=tr("form.shape.add_gps" if gps else "form.shape.add", lang))
        self.add.bind(on_release=self._add)
        if not gps:
            row.add_widget(self.latitude)
            row.add_widget(self.longitude)
        row.add_widget(self.add)
        self.add_widget(row)
        self.remove = TouchButton(text=tr("form.shape.remove", lang), size_hint_y=None,
                                  height=dp(56))
        self.remove.bind(on_release=self._remove)
        self.add_widget(self.remove)

    def _points(self) -> list[dict[str, float]]:
        value = self.session.value(self.name, self.instance)
        if isinstance(value, dict) and isinstance(value.get("points"), list):
            return [dict(p) for p in value["points"] if isinstance(p, dict)]
        return []

    def _add(self, *_args: Any) -> None:
        if self.owner.device.has_gps:
            self.status.text = tr("form.geo.waiting", self.owner.lang)
            self.owner.device.locate(
                lambda fix: self.owner.app.on_main_thread(self._located, fix)
            )
            return
        try:
            point = {"latitude": float(self.latitude.text.replace(",", ".")),
                     "longitude": float(self.longitude.text.replace(",", "."))}
        except ValueError:
            return  # nothing (or half) typed
        if not (-90 <= point["latitude"] <= 90 and -180 <= point["longitude"] <= 180):
            self.status.text = tr("form.shape.bad_point", self.owner.lang)
            return
        self.latitude.text = self.longitude.text = ""
        self._located(point)

    def _located(self, fix: dict[str, float] | None) -> None:
        if fix is None:
            self.status.text = tr("form.geo.failed", self.owner.lang)
            return
        self.status.text = ""
        # fewer points than the minimum are kept too (the session reports the shortfall)
        self.answer({"points": [*self._points(), fix]})

    def _remove(self, *_args: Any) -> None:
        points = self._points()[:-1]
        self.answer({"points": points} if points else None)

    def load(self, value: Any) -> None:
        points = self._points() if value is not None else []
        text = ";".join(f"{p['latitude']} {p['longitude']}" for p in points)
        lang = self.owner.lang
        if self.question.type == "geoshape":
            self.shown.text = tr("form.shape.shape", lang, count=len(points),
                                 minimum=self.minimum, area=f"{area(text) if text else 0:.0f}")
        else:
            self.shown.text = tr("form.shape.trace", lang, count=len(points),
                                 minimum=self.minimum,
                                 length=f"{distance(text) if text else 0:.0f}")
        self.remove.disabled = self.locked or not points

    def set_locked(self, locked: bool) -> None:
        for widget in (self.latitude, self.longitude, self.add, self.remove):
            widget.disabled = locked


class MediaWidget(QuestionWidget):
    """A sound, video or other file: recorded by the device where it can, else chosen with a
    file chooser; copied into the app's folder under its SHA-256 like a photo."""

    def build_input(self) -> None:
        kind = self.question.type
        lang = self.owner.lang
        capture = self.owner.device.can_capture(kind)
        key = f"form.media.record_{kind}" if capture else f"form.media.{kind}"
        self.button = TouchButton(text=tr(key, lang))
        self.button.bind(on_release=self._pick)
        self.add_widget(self.button)
        self.file_label = HintLabel(text="")
        self.add_widget(self.file_label)
        self.popup: tuple[Popup, FileChooserListView, PrimaryButton] | None = None

    def _pick(self, *_args: Any) -> None:
        kind = self.question.type
        device = self.owner.device
        if device.can_capture(kind):
            target = self.owner.app.controller.data_folder / f"recording-{kind}"
            device.capture_media(
                kind, target, lambda path: self.owner.app.on_main_thread(self._chosen, path)
            )
            return
        lang = self.owner.lang
        # the folder and the list's column titles in the officer's language
        content, chooser = file_chooser(lang, FILE_PATTERNS[kind])
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        cancel = TouchButton(text=tr("common.cancel", lang))
        use = PrimaryButton(text=tr("form.media.use", lang))
        row.add_widget(cancel)
        row.add_widget(use)
        content.add_widget(row)
        popup = Popup(title=tr(f"form.media.{kind}", lang), content=content,
                      size_hint=(0.9, 0.9))
        cancel.bind(on_release=lambda *_: popup.dismiss())

        def chosen(*_args: Any) -> None:
            popup.dismiss()
            if chooser.selection:
                self._chosen(Path(chooser.selection[0]))

        use.bind(on_release=chosen)
        self.popup = (popup, chooser, use)
        popup.open()

    def _chosen(self, path: Path | None) -> None:
        if path is not None:
            self.owner.attach_file(self, path)

    def load(self, value: Any) -> None:
        self.file_label.text = value.get("filename", "") if isinstance(value, dict) else ""

    def set_locked(self, locked: bool) -> None:
        self.button.disabled = locked


class _SpinnerOption(SpinnerOption):
    """One entry of a drop-down list, as large as a choice row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.height = dp(56)
        self.font_size = sp(18)


class MinimalSelectWidget(QuestionWidget):
    """``select_one`` with appearance ``minimal``: a drop-down list."""

    def build_input(self) -> None:
        self.spinner = Spinner(text=tr("form.select.minimal", self.owner.lang),
                               size_hint_y=None, height=dp(56), font_size=sp(18),
                               background_normal="", background_down="",
                               background_color=(0.85, 0.88, 0.92, 1),
                               color=(0.1, 0.12, 0.16, 1), option_cls=_SpinnerOption)
        self.spinner.bind(text=self._picked)
        self.add_widget(self.spinner)
        self.by_label: dict[str, str] = {}

    def _picked(self, _spinner: Any, text: str) -> None:
        if text in self.by_label:
            self.answer(self.by_label[text])

    def load(self, value: Any) -> None:
        lang, default = self.owner.form_lang, self.owner.form.default_language
        choices = self.session.choices(self.name, self.instance)
        self.by_label = {choice.label(lang, default): choice.name for choice in choices}
        self.spinner.values = list(self.by_label)
        shown = next((label for label, name in self.by_label.items() if name == value), None)
        self.spinner.text = shown or tr("form.select.minimal", self.owner.lang)

    def set_locked(self, locked: bool) -> None:
        self.spinner.disabled = locked


class GridSelectWidget(SelectWidget):
    """Choices side by side (``horizontal``, ``horizontal-compact``, ``likert``): rows of up to
    ``columns`` choices (a likert scale: all of them in one row)."""

    columns = 3

    def make_box(self) -> Any:
        return GridLayout(cols=self._columns(), size_hint_y=None, spacing=dp(4))

    def _columns(self) -> int:
        words = set((self.question.appearance or "").split())
        if "likert" in words:
            return max(1, min(7, len(self.session.choices(self.name, self.instance)) or 5))
        return 4 if "horizontal-compact" in words else self.columns


class GridSelectMultipleWidget(GridSelectWidget):
    """Checkboxes side by side."""

    multiple = True


class QuickSelectWidget(SelectWidget):
    """``select_one`` with appearance ``quick``: choosing goes on to the next page."""

    def _toggled(self, name: str, row: Any, active: bool) -> None:
        super()._toggled(name, row, active)
        if active and not self._loading and not self.locked:
            Clock.schedule_once(lambda _dt: self.owner.next_page(auto=True), 0.25)


class NumbersTextWidget(TextWidget):
    """Text with appearance ``numbers``: the numeric keyboard; digits, sign, point and spaces
    (a phone or ID number keeps its leading zeros: the answer stays text)."""

    input_type = "number"

    def build_input(self) -> None:
        super().build_input()
        self.field.input_filter = lambda text, _undo: "".join(
            c for c in text if c.isdigit() or c in "+-. "
        )


EXTRA_WIDGETS: dict[str, type[QuestionWidget]] = {
    "range": RangeWidget,
    "barcode": BarcodeWidget,
    "rank": RankWidget,
    "geotrace": ShapeWidget,
    "geoshape": ShapeWidget,
    "audio": MediaWidget,
    "video": MediaWidget,
    "file": MediaWidget,
}


def appearance_widget(question: Any) -> type[QuestionWidget] | None:
    """The widget an appearance asks for (``None``: the type's own widget). An appearance the
    app does not render is shown plainly (the loader warned about it when the form was
    published)."""
    words = set((question.appearance or "").split())
    if not words:
        return None
    kind = question.type
    if kind == "select_one":
        if "minimal" in words:
            return MinimalSelectWidget
        if words & {"horizontal", "horizontal-compact", "likert"}:
            return GridSelectWidget
        if "quick" in words:
            return QuickSelectWidget
    if kind == "select_multiple" and words & {"horizontal", "horizontal-compact"}:
        return GridSelectMultipleWidget
    if kind == "text" and "numbers" in words:
        return NumbersTextWidget
    return None


def record_start_location(screen: Any) -> None:
    """``start-geopoint``: ask the GPS for the position when a new draft is started, as Collect
    does, and record it unless the question has an answer by then. Without a GPS (a laptop) or
    a fix it stays empty (the question is never shown)."""
    form, editor = screen.form, screen.editor
    names = [q.name for q in form.questions_in_order()
             if q.type == "start-geopoint" and not q.repeat_path]
    if not names or screen.read_only or not screen.device.has_gps:
        return

    def located(fix: dict[str, float] | None) -> None:
        if fix is None or screen.editor is not editor:
            return  # no fix, or the officer has left this draft
        for name in names:
            if editor.value(name) is None:
                try:
                    editor.set_answer(name, fix)
                except Exception:  # a storage fault: the draft keeps what it had
                    log.exception("cannot record the start location %s", name)

    screen.device.locate(lambda fix: screen.app.on_main_thread(located, fix))
