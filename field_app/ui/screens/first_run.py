"""First run: server address, language, and the officer's sign-in (needs a connection once).

After a successful sign-in the app downloads the forms with a first sync, then shows home.
"""

from __future__ import annotations

import threading

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from field_app.ui.texts import tr

__all__ = ["FirstRunScreen"]


class FirstRunScreen(Screen):
    """Sign-in form; the work happens in a thread, the outcome comes back on Kivy's thread."""

    status = StringProperty("")
    busy = BooleanProperty(False)

    def prepare(self) -> None:
        """Fill the server address remembered (or given with ``--server``)."""
        app = App.get_running_app()
        self.ids.server.text = app.controller.server_url
        self.status = ""

    def sign_in(self) -> None:
        """Check the fields, then sign in in the background."""
        app = App.get_running_app()
        server = self.ids.server.text.strip()
        username = self.ids.username.text.strip()
        password = self.ids.password.text
        if not server or not username or not password:
            self.status = tr("first_run.missing", app.lang)
            return
        if not server.startswith(("http://", "https://")):
            self.status = tr("first_run.bad_server", app.lang)
            return
        self.busy = True
        self.status = tr("first_run.signing_in", app.lang)
        threading.Thread(target=self._sign_in, args=(server, username, password),
                         daemon=True, name="sign-in").start()

    def _sign_in(self, server: str, username: str, password: str) -> None:
        from field_app.http_api import SyncError

        app = App.get_running_app()
        try:
            app.controller.sign_in(server, username, password)
        except SyncError as exc:
            app.on_main_thread(self._failed, exc.message.get(app.lang) or exc.message["id"])
            return
        except Exception:
            app.on_main_thread(self._failed, tr("error.unexpected", app.lang))
            return
        app.on_main_thread(self._signed_in)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.status = message

    def _signed_in(self) -> None:
        app = App.get_running_app()
        self.busy = False
        self.ids.password.text = ""
        home = app.show("home")
        home.sync()  # download the forms right away
