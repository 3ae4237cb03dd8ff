"""Settings: language, server address, sign out, app version, storage used."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from field_app.ui.controller import format_size
from field_app.ui.texts import tr
from field_app.ui.widgets import confirm

__all__ = ["SettingsScreen"]


class SettingsScreen(Screen):
    """Reads and changes the controller's settings."""

    version = StringProperty("")
    storage = StringProperty("")
    message = StringProperty("")

    def prepare(self) -> None:
        """Show the current values."""
        app = App.get_running_app()
        self.ids.server.text = app.controller.server_url
        self.version = app.controller.version()
        self.storage = format_size(app.controller.storage_used())
        self.message = ""

    def save_server(self) -> None:
        """Save the server address typed."""
        app = App.get_running_app()
        url = self.ids.server.text.strip()
        if not url.startswith(("http://", "https://")):
            self.message = tr("first_run.bad_server", app.lang)
            return
        app.controller.set_server_url(url)
        self.message = tr("settings.saved", app.lang)

    def sign_out(self) -> None:
        """Sign out after confirmation (unsent entries stay on the tablet)."""
        app = App.get_running_app()
        counts = app.controller.counts()
        unsent = counts.get("draft", 0) + counts.get("finalized", 0)

        def really() -> None:
            app.controller.sign_out()
            app.show("first_run")

        confirm(tr("settings.sign_out_confirm", app.lang, unsent=unsent),
                tr("settings.sign_out", app.lang), really)
