"""Home: the officer, the region, the forms available offline, entry counts and sync."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from field_app import entries
from field_app.sync_summary import summary_lines
from field_app.ui.controller import short_time
from field_app.ui.texts import tr
from field_app.ui.widgets import HintLabel, PrimaryButton, TouchButton

if TYPE_CHECKING:
    from field_app.sync_client import Progress, SyncOutcome

__all__ = ["HomeScreen"]

log = logging.getLogger(__name__)


class HomeScreen(Screen):
    """State in properties; the .kv file lays it out (two columns in landscape)."""

    officer = StringProperty("")
    region = StringProperty("")
    counts = DictProperty(dict.fromkeys(entries.STATUSES, 0))
    last_sync = StringProperty("")
    syncing = BooleanProperty(False)
    progress = NumericProperty(0)
    sync_message = StringProperty("")
    sync_ok = BooleanProperty(True)
    #: during photo uploads: which entry, bytes and percent (``""`` otherwise)
    sync_detail = StringProperty("")
    #: after a sync: what changed for the officer, one line per kind (``""`` before any sync)
    sync_summary = StringProperty("")
    #: the tablet's clock is off (learned at the last sync): what to do, in words
    clock_warning = StringProperty("")

    def prepare(self) -> None:
        """Refresh everything shown from the store."""
        app = App.get_running_app()
        controller = app.controller
        user = controller.user()
        self.officer = user.get("full_name") or user.get("username", "")
        self.region = controller.current_region()
        self.counts = controller.counts()
        self.last_sync = short_time(controller.last_sync())
        self.clock_warning = controller.clock_warning(app.lang)
        self._build_regions()
        self._build_forms()

    def on_counts(self, _screen: HomeScreen, counts: dict[str, int]) -> None:
        """Show the counts on the tiles (``count_<status>``)."""
        for status in entries.STATUSES:
            self.ids[f"count_{status}"].count = counts.get(status, 0)

    def _build_regions(self) -> None:
        app = App.get_running_app()
        box = self.ids.regions
        box.clear_widgets()
        for code in app.controller.regions():
            button = TouchButton(text=tr(f"region.{code}", app.lang))
            if code == self.region:
                button.background_color = (0.05, 0.36, 0.62, 1)
                button.color = (1, 1, 1, 1)
            button.bind(on_release=partial(self._choose_region, code))
            box.add_widget(button)

    def _choose_region(self, code: str, *_args: object) -> None:
        App.get_running_app().controller.set_region(code)
        self.prepare()

    def _build_forms(self) -> None:
        app = App.get_running_app()
        box = self.ids.forms
        box.clear_widgets()
        forms = app.controller.available_forms()
        if not forms:
            box.add_widget(HintLabel(text=tr("home.no_forms", app.lang)))
        for form in forms:
            button = PrimaryButton(text=tr("home.new_entry", app.lang,
                                           title=form.get("title") or form["form_id"]))
            button.form_key = (form["form_id"], form["version"])
            button.bind(on_release=partial(self.new_entry, form["form_id"], form["version"]))
            box.add_widget(button)

    def on_enter(self, *_args: object) -> None:
        """Labels follow a language switch made elsewhere; the form screen is got ready."""
        self._build_regions()
        self._build_forms()
        Clock.schedule_once(self._prewarm, 0.3)
        app = App.get_running_app()
        app.controller.start_auto_sync(
            lambda progress: app.on_main_thread(self._on_progress, progress),
            lambda outcome: app.on_main_thread(self._on_done, outcome),
        )

    def _prewarm(self, _dt: float) -> None:
        """While the officer reads this screen, build the first pages of the first form."""
        app = App.get_running_app()
        if app.manager.current != self.name:
            return
        forms = app.controller.available_forms()
        if not forms:
            return
        try:
            loaded = [app.controller.form(f["form_id"], f["version"]) for f in forms]
            app.screen("form").prewarm([form for form in loaded if form is not None])
        except Exception:  # only a head start: opening the form still works without it
            log.exception("prewarm failed")

    def new_entry(self, form_id: str, version: str, *_args: object) -> None:
        """Start a new draft and open it."""
        app = App.get_running_app()
        app.show("form", new=(form_id, version))

    def open_list(self, status: str) -> None:
        """Open the entries list on one status."""
        App.get_running_app().show("entries", status=status)

    # --------------------------------------------------------------------- sync

    def sync(self) -> None:
        """Start a sync; progress and outcome come back through the app's main thread."""
        app = App.get_running_app()
        started = app.controller.start_sync(
            lambda progress: app.on_main_thread(self._on_progress, progress),
            lambda outcome: app.on_main_thread(self._on_done, outcome),
        )
        if started:
            self.syncing = True
            self.progress = 0
            self.sync_ok = True
            self.sync_detail = self.sync_summary = ""
            self.sync_message = tr("home.sync_started", app.lang)
        else:
            self.sync_message = tr("sync.error.busy", app.lang)

    def cancel_sync(self) -> None:
        """Ask the running sync to stop at its next step (what was sent stays recorded)."""
        app = App.get_running_app()
        if self.syncing:
            app.controller.cancel_sync()
            self.sync_message = tr("home.cancelling", app.lang)

    def _on_progress(self, progress: Progress) -> None:
        app = App.get_running_app()
        self.syncing = True  # also when the sync started by itself
        text = progress.message.get(app.lang) or progress.message.get("id", "")
        if progress.percent is not None:  # photos on their way: bytes and percent
            self.progress = progress.percent
            self.sync_detail = text
            return
        phases = {"attachments": 0, "push": 1, "forms": 2, "pull": 3, "reconcile": 3}
        step = phases.get(progress.phase, 0)
        fraction = (progress.done / progress.total) if progress.total else 0.5
        self.progress = min(100.0, (step + fraction) * 25)
        self.sync_message = text

    def _on_done(self, outcome: SyncOutcome) -> None:
        app = App.get_running_app()
        self.syncing = False
        self.sync_ok = outcome.ok
        self.progress = 100 if outcome.ok else self.progress
        message = outcome.message.get(app.lang) or outcome.message.get("id", "")
        if outcome.reason == "token_revoked":
            message = message + " " + tr("home.sign_in_again", app.lang)
        self.sync_message = message
        self.sync_detail = ""
        self.sync_summary = "\n".join(
            f"• {line}" for line in summary_lines(outcome.summary, app.lang))
        self.prepare()
