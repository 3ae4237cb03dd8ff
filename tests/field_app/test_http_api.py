"""The HTTP layer: timeouts, retries with backoff on connection errors, 429 and 5xx.

A small scripted HTTP server on loopback plays a server in trouble (503s, 429 with
Retry-After), since the real sync server cannot be made to fail on demand.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from field_app.http_api import ApiClient, SyncError, backoff_delay
from tests.support.ports import free_port


class Scripted:
    """Answers requests with the statuses of ``script`` in turn (then the last one)."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script = script
        self.calls = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers = owner.script[min(owner.calls, len(owner.script) - 1)]
                owner.calls += 1
                body = json.dumps({"status": "ok"} if status == 200 else
                                  {"error": "x", "message": "x", "message_id": "x"}).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted() -> Iterator[type[Scripted]]:
    servers: list[Scripted] = []

    def make(script: list[tuple[int, dict[str, str]]]) -> Scripted:
        servers.append(Scripted(script))
        return servers[-1]

    yield make  # type: ignore[misc]
    for server in servers:
        server.close()


def client(url: str, **options: object) -> ApiClient:
    return ApiClient(url, "token", backoff_base=0.01, backoff_cap=0.05,
                     timeout=(1.0, 1.0), rng=random.Random(1), **options)  # type: ignore[arg-type]


def test_retries_5xx_then_succeeds(scripted) -> None:
    server = scripted([(503, {}), (502, {}), (200, {})])
    assert client(server.url).request("GET", "/health", auth=False).json() == {"status": "ok"}
    assert server.calls == 3


def test_gives_up_with_server_error_after_retries(scripted) -> None:
    server = scripted([(500, {})])
    with pytest.raises(SyncError) as info:
        client(server.url, max_retries=2).request("GET", "/x")
    assert info.value.reason == "server_error" and server.calls == 3
    assert "Server sedang bermasalah" in info.value.message["id"]


def test_429_waits_at_least_retry_after(scripted) -> None:
    server = scripted([(429, {"Retry-After": "0.3"}), (200, {})])
    started = time.monotonic()
    ApiClient(server.url, "t", backoff_base=0.01, backoff_cap=1.0).request("GET", "/x")
    assert time.monotonic() - started >= 0.3
    assert server.calls == 2


def test_4xx_is_not_retried(scripted) -> None:
    server = scripted([(404, {})])
    with pytest.raises(SyncError):
        client(server.url).request("GET", "/x")
    assert server.calls == 1


def test_refused_connection_is_no_connection() -> None:
    port = free_port()  # nothing listens there (below the range other workers' servers get)
    with pytest.raises(SyncError) as info:
        client(f"http://127.0.0.1:{port}", max_retries=1).request("GET", "/x")
    assert info.value.reason == "no_connection"
    assert not client(f"http://127.0.0.1:{port}").health(timeout=0.5)


def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections, never answers
        started = time.monotonic()
        with pytest.raises(SyncError) as info:
            client(f"http://127.0.0.1:{listener.getsockname()[1]}", max_retries=1,
                   ).request("GET", "/x")
    assert info.value.reason == "no_connection"
    assert time.monotonic() - started < 5


def test_cancel_cuts_the_backoff_short(scripted) -> None:
    server = scripted([(503, {"Retry-After": "30"})])
    cancel = threading.Event()
    api = ApiClient(server.url, "t", backoff_base=10, backoff_cap=30, cancel=cancel)
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(SyncError) as info:
        api.request("GET", "/x")
    assert info.value.reason == "cancelled" and time.monotonic() - started < 5


def test_no_token_means_not_signed_in() -> None:
    with pytest.raises(SyncError) as info:
        ApiClient("http://127.0.0.1:9").request("GET", "/sync/pull")
    assert info.value.reason == "not_signed_in"


def test_backoff_is_exponential_jittered_and_capped() -> None:
    rng = random.Random(4)
    delays = [[backoff_delay(a, 0.5, 8.0, rng) for _ in range(200)] for a in range(6)]
    assert all(0 <= d <= min(8.0, 0.5 * 2**a) for a, ds in enumerate(delays) for d in ds)
    assert max(delays[3]) > max(delays[0]) * 4  # grows
    assert len({round(d, 6) for d in delays[2]}) > 150  # jittered
    assert backoff_delay(0, 0.5, 8.0, rng, retry_after=3.0) >= 3.0
    assert backoff_delay(0, 0.5, 8.0, rng, retry_after=100.0) == 8.0
