"""What a sync reports: its progress while it runs, and its outcome (see
:mod:`field_app.sync_client`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Progress", "ProgressCallback", "SyncOutcome", "Traffic"]


@dataclass(frozen=True)
class Progress:
    """Where a running sync is: ``phase`` (attachments, push, forms, pull), items and bytes."""

    phase: str
    done: int
    total: int | None
    bytes_sent: int
    bytes_received: int
    message: dict[str, str]


@dataclass
class SyncOutcome:
    """The result of one sync, for people (``message``) and for code (``reason``)."""

    ok: bool
    reason: str | None
    message: dict[str, str]
    sent: int = 0
    received: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""
    #: seconds the server's clock is ahead of the tablet's (``None``: not learned this sync)
    clock_offset: float | None = None
    #: why a reconciliation ran in this sync (None: none ran), and what it sent again
    reconciled: str | None = None
    resent: int = 0
    resend_rejected: list[dict[str, Any]] = field(default_factory=list)


ProgressCallback = Callable[[Progress], None]


class Traffic:
    """Counts the bytes a sync sent and received."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0

    def __call__(self, sent: int, received: int) -> None:
        self.sent += sent
        self.received += received
