"""A form regex that backtracks catastrophically in Python's ``re`` cannot tie up the server:
regex() runs on RE2 (linear time), so a push stays fast and the health check answers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import requests

from tests.support.server import LiveServer, create_user, publish_form

from .helpers import PASSWORD, Client, make_revision

FORM = Path(__file__).resolve().parent / "forms" / "regex_bom.md"
EVIL = "1" * 29 + "a"  # 2**29 ways to split the digits for a backtracking engine


def _health_latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        resp = requests.get(url + "/api/v1/health", timeout=60)
        out.append(time.perf_counter() - started)
        assert resp.status_code == 200
        time.sleep(0.01)


def test_a_push_with_catastrophic_patterns_is_fast_and_health_stays_responsive(
    live_server: LiveServer,
) -> None:
    publish_form(live_server.app, FORM)
    create_user(live_server.app, "petugas_plg", PASSWORD, "officer", ["16.71"])
    client = Client(live_server.url, "petugas_plg")
    bad = {"kode_a": EVIL, "kode_b": EVIL, "kode_c": EVIL + "b", "catatan": "x"}
    good = {"kode_a": "1" * 30, "kode_b": "2024", "kode_c": "0" * 30, "catatan": "y"}
    revisions = [
        make_revision(bad if n % 2 else good, form_id="regex_bom", form_version="1")
        for n in range(10)
    ]
    latencies: list[float] = []
    stop = threading.Event()
    poller = threading.Thread(target=_health_latencies, args=(live_server.url, stop, latencies))
    poller.start()
    try:
        time.sleep(0.05)
        started = time.perf_counter()
        results = client.push(*revisions)
        elapsed = time.perf_counter() - started
        time.sleep(0.05)
    finally:
        stop.set()
        poller.join(timeout=120)
    statuses = [r["status"] for r in results]
    assert statuses[0::2] == ["stored"] * 5, results
    assert all(r["status"] == "rejected" and r["error"] == "invalid" for r in results[1::2])
    assert all("constraint" in str(r) for r in results[1::2]), results
    # Python's re took ~2.7 s per revision with such a pattern; RE2 needs microseconds
    assert elapsed < 3, elapsed
    assert latencies and max(latencies) < 1.0, latencies
