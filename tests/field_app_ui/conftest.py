"""Fixtures of the UI tests: a seeded live server and a runner for driver scenarios.

Every scenario runs the real app in its own process (Kivy runs one App per process
comfortably); screenshots go to ``test-artifacts/screens/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from survey_forms import pilot_form_path
from tests.support.server import LiveServer, create_user, publish_form, start_live_server

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "test-artifacts" / "screens"
PASSWORD = "rahasia-123"

Runner = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real sync server (SQLite) with both pilot forms, an officer and a supervisor."""
    server = start_live_server(tmp_path_factory.mktemp("ui-server"))
    publish_form(server.app, pilot_form_path("observasi"))
    publish_form(server.app, pilot_form_path("survei_masyarakat"))
    create_user(server.app, "petugas", PASSWORD, "officer", ["16.71", "16.05"], "Rina Petugas")
    create_user(server.app, "spv", PASSWORD, "supervisor", ["16.71", "16.05"], "Supervisor")
    yield server
    server.stop()


def run_scenario(name: str, data_dir: Path, *, server: str | None = None,
                 size: str = "1280x800", timeout: float = 150.0,
                 **params: str) -> dict[str, Any]:
    """Run one driver scenario in a subprocess; return its result (screens copied)."""
    out = data_dir.parent / f"out-{name}-{size}"
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.field_app_ui.driver", name,
               "--data-dir", str(data_dir), "--out", str(out), "--size", size,
               "--timeout", str(timeout)]
    if server:
        command += ["--server", server]
    for key, value in params.items():
        command += ["--param", f"{key}={value}"]
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "FIELD_APP_AUTO_SYNC": "0",
           "KIVY_HOME": str(data_dir.parent / "kivy-home")}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=timeout + 60)
    result_file = out / "result.json"
    if not result_file.exists():
        raise AssertionError(f"driver crashed:\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(result_file.read_text("utf-8"))
    SCREENS.mkdir(parents=True, exist_ok=True)
    for shot in result.get("screens", []):
        # Several test files (run by other xdist workers at the same time) write screenshots
        # of the same name, e.g. 1280x800-home.png: a file is replaced whole, never read
        # half-written by a test checking its size.
        part = SCREENS / f".{shot}.{os.getpid()}.part"
        part.write_bytes((out / shot).read_bytes())
        part.replace(SCREENS / shot)
    assert result.get("ok"), result.get("error")
    return result
