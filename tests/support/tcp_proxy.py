"""A small fault-injecting TCP proxy on loopback, for testing sync over bad networks.

::

    with FaultyProxy(("127.0.0.1", server.port), seed=7) as proxy:
        proxy.set_faults(cut_after=300)        # cut every connection after 300 response bytes
        client.sync(proxy.url)                 # fails part-way
        proxy.set_faults(drop=0.5)             # half of the new connections closed at once
        proxy.set_faults(stall=2.0)            # hold responses for 2 s (client timeouts)
        proxy.set_faults(cut_probability=0.3)  # 30% of connections cut at a random byte
        proxy.clear()                          # a good network again

Faults:

* ``cut_after``: after that many bytes have gone in ``direction`` (``"response"``: server to
  client, ``"request"``: client to server) the connection is closed in both directions;
* ``cut_probability``: each connection, with this probability, is cut at a random byte offset
  below ``cut_range`` in ``direction`` (seeded: the same seed gives the same cuts);
* ``drop``: probability that a new connection is closed at once, before reaching the server;
* ``stall``: seconds to hold the first response bytes of each connection;
* ``throttle``: bytes per second from client to server (upstream), shared by every connection
  like one weak mobile link (0: unlimited).

``stats`` counts connections, drops and cuts.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Faults", "FaultyProxy"]


@dataclass
class Faults:
    """The faults applied to new connections."""

    cut_after: int | None = None
    direction: str = "response"
    cut_probability: float = 0.0
    cut_range: int = 4096
    drop: float = 0.0
    stall: float = 0.0
    throttle: float = 0.0


@dataclass
class _Stats:
    connections: int = 0
    dropped: int = 0
    cut: int = 0
    bytes_request: int = 0
    bytes_response: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class FaultyProxy:
    """Forward ``127.0.0.1:<port>`` to ``target`` while injecting faults."""

    def __init__(self, target: tuple[str, int], *, seed: int = 0) -> None:
        self.target = target
        self.faults = Faults()
        self.stats = _Stats()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)  # lets the accept loop notice stop()
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="tcp-proxy")
        self._link_lock = threading.Lock()
        self._link_free_at = 0.0  # when the throttled upstream link is free again

    def _throttle(self, size: int, rate: float) -> None:
        """Wait until ``size`` bytes may go upstream at ``rate`` bytes per second."""
        with self._link_lock:
            now = time.monotonic()
            start = max(now, self._link_free_at)
            self._link_free_at = start + size / rate
            wait = self._link_free_at - now
        if wait > 0:
            time.sleep(wait)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultyProxy:
        """Start accepting connections."""
        self._thread.start()
        return self

    def set_faults(self, **faults: Any) -> None:
        """Replace the faults for new connections (keyword arguments of :class:`Faults`)."""
        self.faults = Faults(**faults)

    def clear(self) -> None:
        """No faults: a good network."""
        self.faults = Faults()

    def stop(self) -> None:
        """Stop accepting and close every open connection."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._sockets_lock:
            for sock in list(self._sockets):
                _close(sock)
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _random(self) -> float:
        with self._rng_lock:
            return self._rng.random()

    def _randint(self, upper: int) -> int:
        with self._rng_lock:
            return self._rng.randrange(max(1, upper))

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            faults = self.faults
            with self.stats.lock:
                self.stats.connections += 1
            if faults.drop and self._random() < faults.drop:
                with self.stats.lock:
                    self.stats.dropped += 1
                _close(client)
                continue
            cut_at = faults.cut_after
            if faults.cut_probability and self._random() < faults.cut_probability:
                cut_at = self._randint(faults.cut_range)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._sockets_lock:
                self._sockets.update((client, upstream))
            conn = _Connection(self, client, upstream, faults, cut_at)
            conn.start()

    def _forget(self, *socks: socket.socket) -> None:
        with self._sockets_lock:
            for sock in socks:
                self._sockets.discard(sock)


class _Connection:
    """One proxied connection: two pump threads and a shared "cut" switch."""

    def __init__(
        self,
        proxy: FaultyProxy,
        client: socket.socket,
        upstream: socket.socket,
        faults: Faults,
        cut_at: int | None,
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.faults = faults
        self.cut_at = cut_at
        self.closed = threading.Event()
        self._done = 0
        self._done_lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(
            target=self._pump, args=(self.client, self.upstream, "request"), daemon=True
        ).start()
        threading.Thread(
            target=self._pump, args=(self.upstream, self.client, "response"), daemon=True
        ).start()

    def _close_all(self, was_cut: bool) -> None:
        if not self.closed.is_set():
            self.closed.set()
            if was_cut:
                with self.proxy.stats.lock:
                    self.proxy.stats.cut += 1
        _close(self.client)
        _close(self.upstream)
        self.proxy._forget(self.client, self.upstream)

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        sent = 0
        limit = self.cut_at if self.faults.direction == direction else None
        stalled = direction != "response" or not self.faults.stall
        try:
            while not self.closed.is_set():
                data = src.recv(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    with self._done_lock:
                        self._done += 1
                        both_done = self._done == 2
                    if both_done:
                        self._close_all(was_cut=False)
                    return
                if not stalled:
                    time.sleep(self.faults.stall)
                    stalled = True
                if direction == "request" and self.faults.throttle:
                    self._send_throttled(dst, data, sent, limit)
                    if limit is not None and sent + len(data) >= limit:
                        self._close_all(was_cut=True)
                        return
                elif limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[: max(0, limit - sent)])
                    self._close_all(was_cut=True)
                    return
                else:
                    dst.sendall(data)
                sent += len(data)
                with self.proxy.stats.lock:
                    if direction == "request":
                        self.proxy.stats.bytes_request += len(data)
                    else:
                        self.proxy.stats.bytes_response += len(data)
        except OSError:
            self._close_all(was_cut=False)


    def _send_throttled(
        self, dst: socket.socket, data: bytes, sent: int, limit: int | None
    ) -> None:
        """Send ``data`` in small slices at the link's rate (up to the cut, if any)."""
        if limit is not None:
            data = data[: max(0, limit - sent)]
        for start in range(0, len(data), 2048):
            piece = data[start:start + 2048]
            self.proxy._throttle(len(piece), self.faults.throttle)
            if self.closed.is_set():
                return
            dst.sendall(piece)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
