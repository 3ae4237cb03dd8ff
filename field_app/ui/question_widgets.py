"""One widget per XLSForm question type, built in Python from the form model.

Every widget shows the question's label (from the form's languages, ``${}`` filled), hint,
input and error, and reports answers through ``owner.answer(name, instance, value)``.
:meth:`QuestionWidget.refresh` redraws it from the session after any change (skip logic,
choice filters, calculated values); loading a value never reports it back as an answer.

The base class is in :mod:`field_app.ui.question_base`, the date and time widgets in
:mod:`field_app.ui.datetime_widgets`, the geopoint in :mod:`field_app.ui.geo_widget` and the
photo in :mod:`field_app.ui.photo_widget`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from field_app.ui.choice_search import choice_matches
from field_app.ui.datetime_widgets import DateTimeWidget, DateWidget, TimeWidget
from field_app.ui.geo_widget import GeopointWidget
from field_app.ui.photo_widget import ImageWidget
from field_app.ui.question_base import QuestionWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import (
    BodyLabel,
    ChoiceRow,
    FieldInput,
    HintLabel,
    TouchButton,
)

__all__ = ["LONG_LIST", "WIDGETS", "QuestionWidget", "choice_matches", "make_question_widget"]


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


#: a choice list longer than this gets a search field and folds away once answered
LONG_LIST = 8
#: appearances that ask for a searchable, folded list (Collect: a dropdown or search box)
SEARCH_APPEARANCES = frozenset({"search", "autocomplete", "minimal"})


class SelectWidget(QuestionWidget):
    """Choices as large rows: radio buttons (select_one) or checkboxes (select_multiple).

    A long list (more than :data:`LONG_LIST` choices, or the ``search``, ``autocomplete`` or
    ``minimal`` appearance) gets a search field that filters the rows as the officer types,
    and a select_one answered folds to its chosen row plus "show all" (the 18 kecamatan no
    longer push the rest of the page out of view).
    """

    multiple = False

    def build_input(self) -> None:
        appearance = set((self.question.appearance or "").split())
        self.asks_search = bool(appearance & SEARCH_APPEARANCES)
        self.search: FieldInput | None = None
        self.show_all: TouchButton | None = None
        self.expanded = False
        self.box = self.make_box()
        self.box.bind(minimum_height=self.box.setter("height"))
        self.add_widget(self.box)
        self.rows: dict[str, ChoiceRow] = {}
        self._names: tuple[str, ...] | None = None

    def make_box(self) -> Any:
        """The layout that holds the choice rows (one under the other here)."""
        return BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))

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
        if (self.asks_search or len(choices) > LONG_LIST) and self.search is None:
            self._add_search()
        self._show_rows()

    def _add_search(self) -> None:
        lang = self.owner.lang
        self.search = FieldInput(hint_text=tr("form.search", lang))
        self.search.bind(text=lambda *_: self._show_rows())
        self.search.bind(on_text_validate=self._choose_only_match)
        self.add_widget(self.search, index=self.children.index(self.box) + 1)
        self.no_match = HintLabel(text="")
        self.add_widget(self.no_match, index=self.children.index(self.box))
        self.show_all = TouchButton(text="")
        self.show_all.bind(on_release=self._expand)
        self.add_widget(self.show_all, index=self.children.index(self.box))

    def _expand(self, *_args: Any) -> None:
        self.expanded = True
        self._show_rows()

    def _matching(self) -> list[str]:
        query = self.search.text if self.search is not None else ""
        return [name for name, row in self.rows.items()
                if choice_matches(row.text, name, query)]

    def _show_rows(self) -> None:
        """The rows to show: all, the ones matching the search, or the chosen one (folded)."""
        query = self.search.text.strip() if self.search is not None else ""
        chosen = [name for name, row in self.rows.items() if row.active]
        if self.search is None:
            wanted = list(self.rows)
        elif query:
            wanted = self._matching()
        elif chosen and not self.multiple and not self.expanded:
            wanted = chosen
        else:
            wanted = list(self.rows)
        current = list(reversed(self.box.children))
        rows = [self.rows[name] for name in wanted]
        if rows != current:
            self.box.clear_widgets()
            for row in rows:
                self.box.add_widget(row)
        if self.search is not None and self.show_all is not None:
            folded = len(wanted) < len(self.rows) and not query
            self.show_all.text = (tr("form.search.show_all", self.owner.lang,
                                     count=len(self.rows)) if folded else "")
            self.show_all.height = dp(56) if folded else 0
            self.show_all.opacity = 1 if folded else 0
            self.show_all.disabled = not folded
            self.no_match.text = (tr("form.search.none", self.owner.lang, query=query)
                                  if query and not wanted else "")

    def _choose_only_match(self, *_args: Any) -> None:
        """Enter in the search field picks the one choice left."""
        matching = self._matching()
        if len(matching) == 1 and not self.locked:
            self.rows[matching[0]].dispatch("on_release")

    def _toggled(self, name: str, _row: Any, active: bool) -> None:
        if self._loading:
            return
        if self.multiple:
            self.answer([n for n, row in self.rows.items() if row.active] or None)
        elif active:
            if self.search is not None and self.search.text:
                self.search.text = ""
            self.expanded = False
            self.answer(name)

    def load(self, value: Any) -> None:
        self._build_rows()
        chosen = set(value or []) if self.multiple else {value}
        for name, row in self.rows.items():
            row.active = name in chosen
        if self.search is not None:
            self._show_rows()

    def set_locked(self, locked: bool) -> None:
        for row in self.rows.values():
            row.locked = locked
        if self.search is not None:
            self.search.disabled = locked


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
    """The widget for a question's appearance or type (other types are typed in as text)."""
    # registrations of field_app.ui.extra_widgets (imported here: it builds on this module)
    from field_app.ui.extra_widgets import EXTRA_WIDGETS, appearance_widget

    cls = appearance_widget(question) or WIDGETS.get(question.type) or EXTRA_WIDGETS.get(
        question.type, TextWidget
    )
    return cls(owner, question, instance)
