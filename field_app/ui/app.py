"""The Kivy application: one :class:`FieldApp` with a screen manager and five screens.

Layout of the package: ``app.py`` (this file: the App, screen switching, the thread hand-off),
``widgets.py`` + ``widgets.kv`` (shared touch-sized widgets), ``question_widgets.py`` (one widget
per XLSForm question type), and one module plus one .kv file per screen under ``screens/``.
Screens are built the first time they are shown, so a cold start builds only the first one.
Everything they do goes through :class:`field_app.ui.controller.AppController`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager

from field_app.platform import get_device
from field_app.ui.controller import AppController
from field_app.ui.texts import tr

__all__ = ["FieldApp"]

log = logging.getLogger(__name__)
UI_FOLDER = Path(__file__).resolve().parent
BACKGROUND = (0.96, 0.97, 0.98, 1)

#: screen name -> (module, class); each class has its .kv file next to its module.
SCREENS = {
    "first_run": ("field_app.ui.screens.first_run", "FirstRunScreen"),
    "home": ("field_app.ui.screens.home", "HomeScreen"),
    "form": ("field_app.ui.screens.form", "FormScreen"),
    "entries": ("field_app.ui.screens.entries", "EntriesScreen"),
    "settings": ("field_app.ui.screens.settings", "SettingsScreen"),
}


class FieldApp(App):
    """The field officers' tablet app."""

    lang = StringProperty("id")
    title = "KPK Survei Lapangan"

    def __init__(self, data_folder: Path, server_url: str | None = None, **kwargs: Any) -> None:
        """``data_folder`` holds the store and photos; ``server_url`` pre-fills the first run."""
        super().__init__(**kwargs)
        self.data_folder = Path(data_folder)
        self.initial_server = server_url
        self.controller: AppController | None = None
        self.device = get_device()
        self.manager: ScreenManager | None = None
        self.on_first_screen: Callable[[], None] | None = None

    # ------------------------------------------------------------------ building

    def build(self) -> ScreenManager:
        """Open the store and show the first run or the home screen."""
        Window.clearcolor = BACKGROUND
        ExceptionManager.add_handler(_KeepRunning(self))
        import field_app.ui.widgets  # noqa: F401 - registers the shared widget classes

        Builder.load_file(str(UI_FOLDER / "widgets.kv"))
        try:
            self.controller = AppController(self.data_folder, server_url=self.initial_server)
        except Exception as exc:  # the store cannot open: say so, never a crash at every start
            log.exception("cannot open the store")
            if self.on_first_screen is not None:
                Clock.schedule_once(lambda _dt: self.on_first_screen(), 0)
            return _store_problem(exc)
        self.lang = self.controller.language
        self.manager = ScreenManager(transition=NoTransition())
        self.show("home" if self.controller.signed_in else "first_run")
        Clock.schedule_once(lambda _dt: self._tell_set_aside(), 0)
        if self.on_first_screen is not None:
            Clock.schedule_once(lambda _dt: self.on_first_screen(), 0)
        return self.manager

    def _tell_set_aside(self) -> None:
        """Damaged store files were set aside when the store opened: tell the officer once."""
        from field_app.ui.widgets import MessagePopup

        assert self.controller is not None
        message = self.controller.set_aside_message(self.lang)
        if message is None:
            return
        popup = MessagePopup(message=message)
        popup.bind(on_dismiss=lambda *_: self.controller.set_aside_seen())
        popup.open()

    def tr(self, key: str, lang: str | None = None, **params: Any) -> str:
        """An interface text (``lang`` is passed in .kv so a language switch redraws)."""
        return tr(key, lang or self.lang, **params)

    def screen(self, name: str) -> Any:
        """The screen ``name``, built (with its .kv file) the first time it is asked for."""
        assert self.manager is not None
        if not self.manager.has_screen(name):
            module_name, class_name = SCREENS[name]
            module = __import__(module_name, fromlist=[class_name])
            cls = getattr(module, class_name)
            kv = Path(module.__file__).with_suffix(".kv")
            if str(kv) not in Builder.files:
                Builder.load_file(str(kv))
            self.manager.add_widget(cls(name=name))
        return self.manager.get_screen(name)

    def show(self, name: str, **options: Any) -> Any:
        """Switch to a screen; ``options`` go to its ``prepare``."""
        screen = self.screen(name)
        try:
            screen.prepare(**options)
        except Exception:  # never a traceback on screen: log it, say it in words
            log.exception("cannot prepare screen %s", name)
            self.notify(self.tr("error.unexpected"))
            if name != "home" and self.controller is not None and self.controller.signed_in:
                return self.show("home")
        assert self.manager is not None
        self.manager.current = name
        return screen

    # ------------------------------------------------------------------ helpers

    def set_language(self, lang: str) -> None:
        """Switch the interface language (saved; every screen redraws)."""
        assert self.controller is not None
        self.controller.set_language(lang)
        self.lang = lang

    def notify(self, message: str) -> None:
        """Show a short message in a popup."""
        from field_app.ui.widgets import MessagePopup

        MessagePopup(message=message).open()

    @staticmethod
    def on_main_thread(callback: Callable[..., None], *args: Any) -> None:
        """Run ``callback(*args)`` on Kivy's thread (from a sync or sign-in thread)."""
        Clock.schedule_once(lambda _dt: callback(*args), 0)

    def on_stop(self) -> None:
        """Stop the background sync and close the store."""
        if self.controller is not None:
            self.controller.stop()


def _store_problem(exc: Exception) -> Label:
    """The only screen left when the store cannot open: what happened, in both languages."""
    key = "store.storage_full" if getattr(exc, "storage_full", False) else "store.cannot_open"
    text = "\n\n".join(tr(key, lang, detail=str(exc)) for lang in ("id", "en"))
    label = Label(text=text, color=(0.75, 0.1, 0.08, 1), font_size=dp(18), halign="left",
                  valign="middle", padding=(dp(32), dp(32)))
    label.bind(size=lambda widget, size: setattr(widget, "text_size", size))
    return label


class _KeepRunning(ExceptionHandler):
    """An error in a screen's callback: log it, say it in words, keep the app running."""

    def __init__(self, app: FieldApp) -> None:
        super().__init__()
        self.app = app

    def handle_exception(self, inst: BaseException) -> int:
        """Keep running for ordinary errors; let the app stop on KeyboardInterrupt/SystemExit."""
        if not isinstance(inst, Exception):
            return ExceptionManager.RAISE
        log.error("unexpected error in the interface", exc_info=inst)
        try:
            self.app.notify(self.app.tr("error.unexpected"))
        except Exception:  # the message itself failed: the log has it
            log.exception("cannot show the error message")
        return ExceptionManager.PASS
