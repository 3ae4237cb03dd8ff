"""Scenarios run by :mod:`tests.field_app_ui.driver`, each in its own process.

Each drives the real screens through their widgets and records what it saw in
``driver.result`` for the test to assert on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.field_app_ui.driver import Driver, check


def on_screen(driver: Driver, name: str) -> Any:
    """A wait condition: the screen ``name`` is shown."""
    def shown() -> bool:
        return driver.app.manager.current == name
    shown.__name__ = f"screen_{name}"
    return shown


def first_run(d: Driver, username: str = "petugas", password: str = "rahasia-123",
              wrong: str = "1") -> Iterator[Any]:
    """Sign in on first run (a wrong password first), then wait for the first sync."""
    yield on_screen(d, "first_run")
    screen = d.screen
    d.result["server_prefilled"] = screen.ids.server.text
    d.shot("first_run")
    if wrong == "1":
        d.type_into(screen.ids.username, username)
        d.type_into(screen.ids.password, "salah-sandi")
        d.press(screen.ids.sign_in)
        yield lambda: not screen.busy and bool(screen.status)
        d.result["wrong_password_message"] = screen.status
        d.shot("first_run_error")
    d.press(screen.ids.lang_en)
    d.result["english_title"] = d.find("TitleLabel")[0].text
    d.press(screen.ids.lang_id)
    d.result["indonesian_title"] = d.find("TitleLabel")[0].text
    d.type_into(screen.ids.username, username)
    d.type_into(screen.ids.password, password)
    d.press(screen.ids.sign_in)
    yield on_screen(d, "home")
    home = d.screen
    yield lambda: not home.syncing and bool(home.sync_message)
    yield 0.1
    d.result["officer"] = home.officer
    d.result["sync_message"] = home.sync_message
    d.result["forms"] = [b.text for b in home.ids.forms.children]
    d.shot("home")


def tour(d: Driver) -> Iterator[Any]:
    """Screenshots of every main screen (signed in already)."""
    yield on_screen(d, "home")
    yield 0.1
    d.shot("home")
    d.press(d.screen.ids.entries_button)
    yield on_screen(d, "entries")
    yield 0.1
    d.shot("entries")
    d.press(d.screen.ids.back)
    yield on_screen(d, "home")
    d.press(d.screen.ids.settings_button)
    yield on_screen(d, "settings")
    yield 0.1
    d.shot("settings")
    d.press(d.screen.ids.back)
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    yield 0.1
    d.shot("form_first_page")
    d.press(d.screen.ids.next)
    yield 0.1
    d.shot("form_required_errors")
