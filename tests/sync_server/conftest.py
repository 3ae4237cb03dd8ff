"""Fixtures of the sync_server tests: a live server with the pilot forms and accounts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import sync_server.users as users_mod
from survey_forms import pilot_form_path
from tests.support.server import LiveServer, create_user, publish_form, start_live_server

from .helpers import PASSWORD


def seed(server: LiveServer) -> None:
    """Publish both pilot forms and create one account per role (+ a second officer)."""
    publish_form(server.app, pilot_form_path("observasi"))
    publish_form(server.app, pilot_form_path("survei_masyarakat"))
    create_user(server.app, "petugas_plg", PASSWORD, "officer", ["16.71"])
    create_user(server.app, "petugas_mura", PASSWORD, "officer", ["16.05"])
    create_user(server.app, "spv_plg", PASSWORD, "supervisor", ["16.71"])
    create_user(server.app, "admin", PASSWORD, "admin", [])


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server (SQLite and PostgreSQL) with the pilot forms and accounts."""
    seed(live_server)
    return live_server


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A seeded live server on SQLite only (for tests that need no second backend)."""
    live = start_live_server(tmp_path / "instance-sqlite")
    seed(live)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the password checks made by the (in-process) server."""
    calls: list[int] = []
    lock = threading.Lock()
    real = users_mod.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        with lock:
            calls.append(1)
        return real(pwhash, password)

    monkeypatch.setattr(users_mod, "check_password_hash", counting)
    return calls
