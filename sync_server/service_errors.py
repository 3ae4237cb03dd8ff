"""The error raised by service functions (no Flask here): an HTTP status and a message code.

The API renders it like :class:`sync_server.errors.ApiError`; the CLI prints its message.
"""

from __future__ import annotations

from typing import Any

from .messages import message

__all__ = ["ServiceError"]


class ServiceError(Exception):
    """A refused operation: ``status`` (HTTP), ``code`` (catalog key), ``params``, ``details``."""

    def __init__(
        self,
        status: int,
        code: str,
        /,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        self.status = status
        self.code = code
        self.params = params
        self.details = details
        self.headers = headers or {}
        super().__init__(message(code, **params)["en"])
