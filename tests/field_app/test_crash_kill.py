"""Crash safety: SIGKILL the store's writer at random moments, reopen, nothing acknowledged lost.

The harness is :mod:`stress.store_kill` (``python -m stress.store_kill --kills 500`` is the long
form). Here: 200 kills, plus a check that the harness does catch a store that writes in place.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from field_app import storage
from stress import store_kill

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def test_200_random_kills_lose_no_acknowledged_save(tmp_path: Path) -> None:
    report = store_kill.run(200, tmp_path / "store", seed=2024, max_delay=0.03)
    assert report.problems == []
    assert report.kills == 200
    assert report.lost == 0
    assert report.acknowledged >= 200  # every round acknowledged at least one operation
    assert report.kills_mid_operation > 100  # most kills hit an operation in progress


def test_harness_detects_a_store_that_rewrites_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write_in_place(path: Path, data: bytes, *, durable: bool = True) -> None:
        with open(path, "wb") as handle:  # what TinyDB's JSONStorage does
            for start in range(0, len(data), 64):
                handle.write(data[start:start + 64])
                handle.flush()

    monkeypatch.setattr(storage, "atomic_write_bytes", write_in_place)
    report = store_kill.run(60, tmp_path / "store", seed=7, max_delay=0.03)
    assert report.lost > 0 or report.problems
