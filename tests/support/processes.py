"""Waiting for a server started as a child process (gunicorn, nginx) to answer."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import pytest
import requests

__all__ = ["wait_until_up"]


def wait_until_up(check: Callable[[], bool], what: str, proc: subprocess.Popen[bytes],
                  seconds: float = 40,
                  stderr_text: Callable[[], str] | None = None) -> None:
    """Poll ``check`` (connection errors count as not yet) until it is true; fail with the
    process's standard error if it exits first (``stderr_text``, else its piped stderr), or
    when ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except requests.RequestException:
            pass  # still starting
        if proc.poll() is not None:
            if stderr_text is not None:
                err = stderr_text()
            else:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"{what} exited: {err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start in {seconds:.0f} s")
        time.sleep(0.2)
