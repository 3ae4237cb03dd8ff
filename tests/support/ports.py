"""Loopback ports for servers a test starts in another process (nginx, gunicorn, the CLI).

Such a server needs its port named in advance. The usual trick, binding port 0 and closing
the socket, hands out a port from the kernel's ephemeral range, the range every outgoing
connection takes its source port from: while the server starts, another xdist worker's
connection (to its own live server, to PostgreSQL) may take that port, and the server's bind
fails with "Address already in use" (a listener cannot bind a port an open connection uses,
SO_REUSEADDR or not). :func:`free_port` picks below that range, where the kernel hands out
nothing by itself.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

__all__ = ["free_port"]

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_start() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A free 127.0.0.1 TCP port outside the ephemeral range (that range when none is left)."""
    start = _ephemeral_start()
    low = max(1024, start - 12_000)
    if start - low >= 1000:
        rng = random.SystemRandom()
        for _ in range(200):
            port = rng.randrange(low, start)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
