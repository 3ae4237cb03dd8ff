"""Loopback ports for servers a test starts in another process (nginx, gunicorn, the CLI).

Such a server needs its port named in advance. The usual trick, binding port 0 and closing the
socket, hands out a port from the kernel's ephemeral range, the range every outgoing connection
takes its source port from: while the server starts, another xdist worker's connection (to its
own live server, to PostgreSQL) may take that port and the server's bind fails. The stress
scripts have the same need; :func:`stress.common.free_port` picks below that range.
"""

from __future__ import annotations

from stress.common import free_port

__all__ = ["free_port"]
