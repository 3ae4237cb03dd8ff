"""The shared fault-injecting TCP proxy (tests/support/tcp_proxy.py) against a live server."""

from __future__ import annotations

import pytest
import requests

from tests.support.server import LiveServer
from tests.support.tcp_proxy import FaultyProxy


def test_proxy_forwards_cuts_drops_and_stalls(sqlite_server: LiveServer) -> None:
    with FaultyProxy(("127.0.0.1", sqlite_server.port), seed=3) as proxy:
        assert requests.get(proxy.url + "/api/v1/health", timeout=5).json()["status"] == "ok"
        proxy.set_faults(cut_after=400)
        with pytest.raises(requests.RequestException):
            requests.get(proxy.url + "/api/v1/openapi.json", timeout=5)
        assert proxy.stats.cut >= 1
        proxy.set_faults(drop=1.0)
        with pytest.raises(requests.ConnectionError):
            requests.get(proxy.url + "/api/v1/health", timeout=5)
        assert proxy.stats.dropped >= 1
        proxy.set_faults(stall=1.0)
        with pytest.raises(requests.Timeout):
            requests.get(proxy.url + "/api/v1/health", timeout=0.3)
        proxy.clear()
        assert requests.get(proxy.url + "/api/v1/health", timeout=5).status_code == 200


def test_random_cuts_are_reproducible_with_a_seed(sqlite_server: LiveServer) -> None:
    outcomes = []
    for _ in range(2):
        with FaultyProxy(("127.0.0.1", sqlite_server.port), seed=11) as proxy:
            proxy.set_faults(cut_probability=0.5, cut_range=2000)
            run = []
            for _ in range(8):
                try:
                    requests.get(proxy.url + "/api/v1/openapi.json", timeout=5).raise_for_status()
                    run.append("ok")
                except requests.RequestException:
                    run.append("cut")
            outcomes.append(run)
    assert outcomes[0] == outcomes[1]
    assert "ok" in outcomes[0] and "cut" in outcomes[0]
