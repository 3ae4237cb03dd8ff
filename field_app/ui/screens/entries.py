"""Entries by status: instance name (or a summary), date and region; tap to open.

A draft opens to continue; an entry needing correction opens for editing with the
supervisor's comment; sent, waiting and conflicting entries open read-only.
"""

from __future__ import annotations

from functools import partial

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from field_app import entries
from field_app.ui.texts import tr
from field_app.ui.widgets import DangerButton, HintLabel, TouchButton, confirm

__all__ = ["EntriesScreen"]


class EntryRow(BoxLayout):
    """One entry in the list (layout in entries.kv)."""

    entry_id = StringProperty("")
    name = StringProperty("")
    details = StringProperty("")
    comment = StringProperty("")


class EntriesScreen(Screen):
    """Status tabs and the list of the chosen status."""

    status = StringProperty(entries.DRAFT)

    def prepare(self, status: str | None = None) -> None:
        """Show the list of ``status`` (the last one shown by default)."""
        if status:
            self.status = status
        self.refresh()

    def choose(self, status: str) -> None:
        """A status tab was tapped."""
        self.status = status
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tabs and the list."""
        app = App.get_running_app()
        counts = app.controller.counts()
        tabs = self.ids.tabs
        tabs.clear_widgets()
        for status in entries.STATUSES:
            button = TouchButton(text=f"{tr(f'entry.status.{status}', app.lang)} "
                                      f"({counts.get(status, 0)})")
            if status == self.status:
                button.background_color = (0.05, 0.36, 0.62, 1)
                button.color = (1, 1, 1, 1)
            button.bind(on_release=partial(lambda s, *_: self.choose(s), status))
            tabs.add_widget(button)
        box = self.ids.rows
        box.clear_widgets()
        rows = app.controller.entry_rows(self.status, app.lang)
        if not rows:
            box.add_widget(HintLabel(text=tr("entries.empty", app.lang)))
        for row in rows:
            details = tr("entries.details", app.lang, date=row["date"], region=row["region"])
            if row["rejected"]:
                details += " · " + tr("entries.rejected", app.lang)
            widget = EntryRow(entry_id=row["entry_id"], name=row["name"], details=details,
                              comment=row["comment"] if self.status in (
                                  entries.NEEDS_CORRECTION, entries.CONFLICT) else "")
            widget.ids.open.bind(on_release=partial(self.open_entry, row["entry_id"]))
            if self.status == entries.DRAFT:
                delete = DangerButton(text=tr("entries.delete", app.lang), size_hint_x=None,
                                      width=dp(130))
                delete.bind(on_release=partial(self.delete, row["entry_id"]))
                widget.ids.actions.add_widget(delete)
            box.add_widget(widget)

    def open_entry(self, entry_id: str, *_args: object) -> None:
        """Open an entry in the form screen."""
        App.get_running_app().show("form", entry_id=entry_id)

    def delete(self, entry_id: str, *_args: object) -> None:
        """Delete a draft after confirmation."""
        app = App.get_running_app()

        def really() -> None:
            try:
                app.controller.delete_draft(entry_id)
            except entries.LifecycleError:
                app.notify(tr("entry.error.not_deletable", app.lang))
            self.refresh()

        confirm(tr("entries.delete_confirm", app.lang), tr("entries.delete", app.lang), really)
