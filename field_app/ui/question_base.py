"""The base of every question widget: label, hint, input, error, and the answer round trip."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from field_app.ui.navigation import render_text
from field_app.ui.texts import issue_message
from field_app.ui.widgets import BodyLabel, ErrorLabel, HintLabel

__all__ = ["QuestionWidget"]


class QuestionWidget(BoxLayout):
    """Label, hint, input and error of one question in one repeat instance."""

    locked = BooleanProperty(False)
    #: drawn with a red frame (``form.kv``): the question Next stopped at
    highlight = BooleanProperty(False)

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
        if not self.error_label.text:
            self.highlight = False
