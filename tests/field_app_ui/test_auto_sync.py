"""The app syncs by itself when the server is reachable while entries wait to be sent."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from field_app.ui.controller import AppController
from survey_forms import pilot_form_path
from tests.support.server import LiveServer, create_user, publish_form, start_live_server

FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
PASSWORD = "rahasia-123"
METADATA = {"start", "end", "today", "deviceid", "username"}


@pytest.fixture
def server(tmp_path: Path):
    live: LiveServer = start_live_server(tmp_path / "server")
    publish_form(live.app, pilot_form_path("observasi"))
    create_user(live.app, "petugas", PASSWORD, "officer", ["16.71"])
    yield live
    live.stop()


def _finalized_entry(app: AppController) -> str:
    answers = json.loads((FIXTURE / "observasi_complete.json").read_text("utf-8"))
    answers = {k: v for k, v in answers.items() if not (isinstance(v, dict) and "sha256" in v)}
    editor = app.new_entry("observasi_kabkota_antikorupsi", "2024110101")
    for name, value in answers.items():
        if name == "temuan":
            for index, item in enumerate(value):
                editor.add_repeat("temuan")
                for key, inner in item.items():
                    editor.set_answer(key, inner, (index,))
        elif editor.form.question(name).type not in METADATA:
            editor.set_answer(name, value)
    assert editor.finalize() == []
    return editor.entry_id


def test_auto_sync_sends_waiting_entries(server: LiveServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELD_APP_AUTO_SYNC", "1")
    app = AppController(tmp_path / "tablet", server_url=server.url, durable=False)
    app.sign_in(server.url, "petugas", PASSWORD)
    assert app.start_sync(lambda _p: None, lambda _o: None)
    app.background.wait(30)
    entry_id = _finalized_entry(app)
    assert app.store.has_unsent()
    done: list[bool] = []
    assert app.start_auto_sync(lambda _p: None, lambda outcome: done.append(outcome.ok))
    deadline = time.monotonic() + 30
    while (app.store.has_unsent() or not done) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not app.store.has_unsent()
    assert done and done[-1]
    assert app.store.get_entry(entry_id)["status"] == "sent"
    app.stop()


def test_auto_sync_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELD_APP_AUTO_SYNC", "0")
    app = AppController(tmp_path / "tablet", server_url="http://127.0.0.1:9", durable=False)
    app.store.set_credentials("t", {"username": "p", "regions": ["16.71"]}, "http://127.0.0.1:9")
    assert not app.start_auto_sync(lambda _p: None, lambda _o: None)
    assert app.background is None
    app.stop()
