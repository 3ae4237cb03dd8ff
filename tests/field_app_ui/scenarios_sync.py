"""Driver scenarios of the sync the officer can follow (home screen): progress in bytes and
percent with the entry being sent, Cancel while a sync runs, and the after-sync summary.

Looked up by :mod:`tests.field_app_ui.driver` after :mod:`tests.field_app_ui.scenarios`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.field_app_ui.driver import Driver, check
from tests.field_app_ui.scenarios import on_screen


def _uploading(home: Any) -> bool:
    return bool(home.syncing and home.sync_detail and 5 <= home.progress <= 90)


def sync_cancel(d: Driver) -> Iterator[Any]:
    """Press Sync, wait for a photo on its way, press Cancel; record what is said."""
    yield on_screen(d, "home")
    home = d.screen
    check(home.ids.cancel_button.opacity == 0, "Cancel shown while no sync runs")
    d.press(home.ids.sync_button)
    yield lambda: _uploading(home)
    d.result["cancel_visible"] = home.ids.cancel_button.opacity == 1
    d.result["detail"] = home.sync_detail
    d.press(home.ids.cancel_button)
    d.result["cancelling"] = home.sync_message
    yield lambda: not home.syncing
    yield 0.1
    d.result["outcome"] = home.sync_message
    d.result["summary"] = home.sync_summary
    d.result["cancel_hidden_after"] = home.ids.cancel_button.opacity == 0
    d.shot("home_sync_cancelled")


def sync_progress(d: Driver, lang: str = "id") -> Iterator[Any]:
    """Press Sync; screenshot the photo upload in progress and the after-sync summary."""
    yield on_screen(d, "home")
    if lang != d.app.lang:
        d.app.set_language(lang)
        yield 0.1
    home = d.screen
    details: list[str] = []
    home.bind(sync_detail=lambda _w, value: value and details.append(value))
    d.press(home.ids.sync_button)
    yield lambda: _uploading(home)
    yield 0.05
    d.result["progress_value"] = home.progress
    d.result["detail"] = home.sync_detail
    d.shot(f"home_sync_progress_{lang}")
    yield lambda: not home.syncing
    yield 0.1
    d.result["details"] = details
    d.result["outcome"] = home.sync_message
    d.result["summary"] = home.sync_summary
    d.result["sync_ok"] = home.sync_ok
    d.shot(f"home_sync_summary_{lang}")
