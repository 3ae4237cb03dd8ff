"""HTTP connections from another loopback address (127.0.0.0/8 is all local), for tests that
need clients at different addresses (sign-in limits, the address nginx passes on)."""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter

__all__ = ["FromAddress"]


class FromAddress(HTTPAdapter):
    """Open connections from the loopback address ``source`` instead of the default one."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)
