"""Shared touch-sized widgets (styles in ``widgets.kv``): buttons at least 56 dp high,
wrapping labels, text fields, choice rows, a message popup and a confirmation popup."""

from __future__ import annotations

from collections.abc import Callable

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.popup import Popup
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

__all__ = [
    "BodyLabel",
    "ChoiceMark",
    "ChoiceRow",
    "ConfirmPopup",
    "FieldInput",
    "HintLabel",
    "MessagePopup",
    "PrimaryButton",
    "TitleLabel",
    "Toast",
    "TouchButton",
    "show_toast",
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


class ChoiceMark(Widget):
    """A radio circle (``group`` set) or a checkbox, drawn in ``widgets.kv``.

    Dark outlines on white: Kivy's own CheckBox images are light grey, made for a dark theme,
    and vanish outdoors. Only one choice of a select_one is active because the question
    widget redraws every row from the stored answer after each tap.
    """

    active = BooleanProperty(False)
    group = ObjectProperty(None, allownone=True)
    #: outline and tick colours (``widgets.kv`` sets them from the row's state)
    line_color = ListProperty([0.2, 0.22, 0.26, 1])
    fill_color = ListProperty([1, 1, 1, 1])
    tick_color = ListProperty([0.05, 0.36, 0.62, 1])

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, active=self._draw, group=self._draw,
                  line_color=self._draw, fill_color=self._draw, tick_color=self._draw)
        self._draw()

    def _draw(self, *_args: object) -> None:
        from kivy.graphics import Color, Ellipse, Line, Rectangle
        from kivy.metrics import dp

        self.canvas.clear()
        side = min(self.width, self.height, dp(30))
        x, y = self.center_x - side / 2, self.center_y - side / 2
        with self.canvas:
            Color(*self.fill_color)
            if self.group is not None:
                Ellipse(pos=(x, y), size=(side, side))
                Color(*self.line_color)
                Line(circle=(self.center_x, self.center_y, side / 2), width=dp(1.6))
                if self.active:
                    Color(*self.tick_color)
                    inner = side * 0.5
                    Ellipse(pos=(self.center_x - inner / 2, self.center_y - inner / 2),
                            size=(inner, inner))
            else:
                Rectangle(pos=(x, y), size=(side, side))
                Color(*self.line_color)
                Line(rectangle=(x, y, side, side), width=dp(1.6))
                if self.active:
                    Color(*self.tick_color)
                    Line(points=[x + side * 0.2, y + side * 0.5, x + side * 0.42,
                                 y + side * 0.25, x + side * 0.8, y + side * 0.75],
                         width=dp(2.4))


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


class Toast(Label):
    """A short message over the bottom of the window that goes away by itself (no tap)."""


def show_toast(message: str, seconds: float = 4.0) -> Toast:
    """Show ``message`` for a few seconds without blocking anything."""
    from kivy.core.window import Window  # here: importing this module must not open a window

    for child in list(Window.children):
        if isinstance(child, Toast):
            Window.remove_widget(child)
    toast = Toast(text=message)
    Window.add_widget(toast)

    def fade(_dt: float) -> None:
        animation = Animation(opacity=0, duration=0.4)
        animation.bind(on_complete=lambda *_: toast.parent and toast.parent.remove_widget(toast))
        animation.start(toast)
    Clock.schedule_once(fade, seconds)
    return toast


class Card(BoxLayout):
    """A white panel with padding (groups a screen's parts)."""

    background = ListProperty([1, 1, 1, 1])


def app_text(key: str, **params: object) -> str:
    """An interface text in the current language (for widgets built in Python)."""
    app = App.get_running_app()
    return app.tr(key, **params)
