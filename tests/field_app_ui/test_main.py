"""The ``field-app`` entry point: options, and that it really starts the app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from field_app.main import parse_args
from field_app.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_options() -> None:
    args = parse_args(["--server", "http://10.0.0.2:8000", "--data-dir", "/tmp/x"])
    assert args.server == "http://10.0.0.2:8000"
    assert args.data_dir == Path("/tmp/x")
    assert parse_args([]).server is None


@pytest.mark.kivy
@pytest.mark.timeout(120)
def test_field_app_starts_the_app(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "KIVY_NO_CONSOLELOG": "1", "KIVY_HOME": str(tmp_path / "kivy")}
    process = subprocess.Popen(
        [sys.executable, "-m", "field_app.main", "--server", "http://127.0.0.1:9",
         "--data-dir", str(data)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (data / "store" / "device.json").exists():
            assert process.poll() is None, "the app exited"
            time.sleep(0.2)
        time.sleep(1.0)
        assert process.poll() is None  # still running: the window is up
    finally:
        process.terminate()
        process.wait(timeout=20)
    store = Store(data / "store", durable=False)
    assert store.get_setting("server_url") == "http://127.0.0.1:9"  # --server pre-filled
    assert store.credentials() is None
