"""Shared touch-sized widgets (styles in ``widgets.kv``): buttons at least 56 dp high,
wrapping labels, text fields, choice rows, a message popup and a confirmation popup."""

from __future__ import annotations

from collections.abc import Callable

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.popup import Popup
from kivy.uix.textinput import TextInput

__all__ = [
    "BodyLabel",
    "ChoiceRow",
    "ConfirmPopup",
    "FieldInput",
    "HintLabel",
    "MessagePopup",
    "PrimaryButton",
    "TitleLabel",
    "TouchButton",
]


class TouchButton(Button):
    """A button big enough for a finger (56 dp high)."""


class PrimaryButton(TouchButton):
    """The main action of a screen."""


class DangerButton(TouchButton):
    """A destructive action (delete, sign out)."""


class BodyLabel(Label):
    """A label that wraps to its width and grows to its text's height."""


class TitleLabel(BodyLabel):
    """A heading."""


class HintLabel(BodyLabel):
    """Smaller grey text (hints, dates)."""


class ErrorLabel(BodyLabel):
    """A red message next to a question."""


class FieldInput(TextInput):
    """A one-line text field sized for touch."""

    def insert_text(self, substring: str, from_undo: bool = False) -> None:
        """Insert typed text, even before the field's first layout pass.

        Kivy lays out a field's lines on the next frame; until then an empty field drops
        what is inserted (seen with numeric filters on a page just built).
        """
        if not self._lines:
            self._refresh_text(self.text)
        super().insert_text(substring, from_undo=from_undo)


class ChoiceRow(ButtonBehavior, BoxLayout):
    """A large tappable row with a checkbox (or radio button when ``group`` is set)."""

    text = StringProperty("")
    group = ObjectProperty(None, allownone=True)
    active = BooleanProperty(False)
    value = StringProperty("")
    locked = BooleanProperty(False)

    def on_release(self) -> None:
        """Tapping anywhere on the row toggles its box."""
        if self.locked:
            return
        if self.group is not None:
            self.ids.box.active = True
        else:
            self.ids.box.active = not self.ids.box.active


class MessagePopup(Popup):
    """A message with an OK button."""

    message = StringProperty("")


class ConfirmPopup(Popup):
    """A yes/no question; ``on_yes`` is called on confirmation."""

    message = StringProperty("")
    yes_text = StringProperty("")
    on_yes: Callable[[], None] | None = None

    def confirm(self) -> None:
        """Close and run the confirmed action."""
        self.dismiss()
        if self.on_yes is not None:
            self.on_yes()


def confirm(message: str, yes_text: str, on_yes: Callable[[], None]) -> ConfirmPopup:
    """Open a confirmation popup and return it."""
    popup = ConfirmPopup(message=message, yes_text=yes_text)
    popup.on_yes = on_yes
    popup.open()
    return popup


class Card(BoxLayout):
    """A white panel with padding (groups a screen's parts)."""

    background = ListProperty([1, 1, 1, 1])


def app_text(key: str, **params: object) -> str:
    """An interface text in the current language (for widgets built in Python)."""
    app = App.get_running_app()
    return app.tr(key, **params)
