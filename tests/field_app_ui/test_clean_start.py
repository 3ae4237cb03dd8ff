"""A normal start of ``field-app`` prints nothing alarming; a real error is still shown."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from field_app.ui.startup import HarmlessNoticeFilter, is_harmless_notice, prepare_environment

ROOT = Path(__file__).resolve().parents[2]
ALARMING = ("Traceback", "CRITICAL", "ERROR", "mtdev", "MTDev", "xclip", "xsel", "Cutbuffer")


def _start(tmp_path: Path, data: Path, wait_for: Path | None, seconds: float) -> str:
    """Run ``python -m field_app.main`` as ``field-app`` does; return its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env["KIVY_HOME"] = str(tmp_path / "kivy-home")  # a fresh Kivy home, as on a first start
    process = subprocess.Popen(
        [sys.executable, "-m", "field_app.main", "--server", "http://127.0.0.1:9",
         "--data-dir", str(data)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while wait_for is not None and time.monotonic() < deadline and not wait_for.exists():
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.2)
        time.sleep(seconds)
        assert process.poll() is None, "the app exited"
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    return err


def test_known_notices_are_recognised() -> None:
    assert is_harmless_notice("Input: MTDev is not supported by your version of linux")
    assert is_harmless_notice("Cutbuffer: Unable to find any valuable Cutbuffer provider. x")
    assert not is_harmless_notice("cannot open the store")
    record = logging.LogRecord("kivy", logging.ERROR, __file__, 1,
                               "Input: MTDev is not supported by %s", ("linux",), None)
    assert not HarmlessNoticeFilter().filter(record)
    record.msg, record.args = "GL: cannot draw", ()
    assert HarmlessNoticeFilter().filter(record)
    env: dict[str, str] = {"KIVY_LOG_MODE": "KIVY"}
    prepare_environment(env, platform="linux")
    assert env == {"KIVY_LOG_MODE": "KIVY", "KIVY_NO_ARGS": "1", "KIVY_CLIPBOARD": "sdl2"}


@pytest.mark.kivy
@pytest.mark.timeout(180)
def test_a_normal_start_is_quiet_and_real_errors_stay_visible(tmp_path: Path) -> None:
    data = tmp_path / "data"
    err = _start(tmp_path, data, data / "store" / "device.json", 2.0)
    assert not [word for word in ALARMING if word in err], err
    assert err.strip() == "", err
    log = (data / "logs" / "field-app.log").read_text("utf-8")
    assert "Kivy: v2" in log  # the notices are kept for a technician, not shown
    # a store that cannot open at all (its folder is a file): the error is on stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "store").write_text("not a folder", "utf-8")
    err = _start(tmp_path, broken, None, 6.0)
    assert "ERROR" in err and "cannot open the store" in err, err
