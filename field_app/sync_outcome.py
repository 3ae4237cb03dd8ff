"""What a sync reports: its progress while it runs and its outcome, for people and for code.

:class:`Progress` says which phase runs, which entry is being sent and how many bytes of the
current photo (and of all photos of this sync) went out. :class:`SyncOutcome` carries the
reason of a failure and, for the officer, a :attr:`SyncOutcome.summary` of what changed: entries
sent, entries that came back for correction (with the supervisor's comment), new conflicts,
entries rejected and why, and entries held back by a missing or damaged photo. The server
echoing the officer's own entries back is not news and is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from field_app.http_api import SyncError

__all__ = ["Progress", "SyncOutcome", "Traffic", "classify_pulled", "failed"]


@dataclass(frozen=True)
class Progress:
    """Where a running sync is: ``phase`` (attachments, push, forms, pull), items and bytes.

    During photo uploads: ``entry_id``/``entry_label`` name the entry being sent,
    ``file_sent``/``file_size`` the current photo and ``photo_sent``/``photo_total`` every photo
    this sync uploads (``percent`` is of the latter).
    """

    phase: str
    done: int
    total: int | None
    bytes_sent: int
    bytes_received: int
    message: dict[str, str]
    entry_id: str | None = None
    entry_label: str = ""
    file_sent: int = 0
    file_size: int = 0
    photo_sent: int = 0
    photo_total: int = 0

    @property
    def percent(self) -> float | None:
        """Percent of this sync's photo bytes uploaded (``None``: no photo to upload)."""
        if not self.photo_total:
            return None
        return min(100.0, 100.0 * self.photo_sent / self.photo_total)


def _summary() -> dict[str, list[dict[str, Any]]]:
    return {"sent": [], "returned": [], "conflicts": [], "rejected": [], "review_rejected": [],
            "held_back": [], "updated": []}


@dataclass
class SyncOutcome:
    """The result of one sync, for people (``message``) and for code (``reason``)."""

    ok: bool
    reason: str | None
    message: dict[str, str]
    sent: int = 0
    received: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    #: entries held back by their photos: ``{"entry_id", "photos": [{"filename", "sha256",
    #: "problem": "missing" | "damaged" | "refused"}], ...}`` (the first photo's fields too)
    held_back: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""
    #: seconds the server's clock is ahead of the tablet's (``None``: not learned this sync)
    clock_offset: float | None = None
    #: why a reconciliation ran in this sync (None: none ran), and what it sent again
    reconciled: str | None = None
    resent: int = 0
    resend_rejected: list[dict[str, Any]] = field(default_factory=list)
    #: what changed for the officer: ``sent``, ``returned`` (for correction, with the
    #: supervisor's ``comment``), ``conflicts`` (new), ``rejected`` (by the server's checks,
    #: with ``message``), ``review_rejected`` (by the supervisor, with ``message``),
    #: ``held_back`` and ``updated`` (changed on the server by someone else); each a list of
    #: ``{"entry_id", "label", ...}``
    summary: dict[str, list[dict[str, Any]]] = field(default_factory=_summary)


class Traffic:
    """Counts the bytes of one sync."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0

    def __call__(self, sent: int, received: int) -> None:
        self.sent += sent
        self.received += received


def failed(exc: SyncError) -> SyncOutcome:
    """The outcome of a sync stopped by ``exc``."""
    return SyncOutcome(False, exc.reason, exc.message, detail=str(exc))


def classify_pulled(before: dict[str, Any] | None, after: dict[str, Any]) -> str | None:
    """What a pulled change means to the officer: ``returned`` (came back for correction),
    ``conflicts`` (a new conflict), ``review_rejected`` (the supervisor rejected it), ``updated``
    (someone else made a new revision, deleted it, or it is new on this tablet) or ``None``
    (the server echoing the revision the tablet sent, with its calculations: no news)."""
    status = after.get("status")
    if status == "needs_correction" and (before is None or before.get("status") != status
                                         or before.get("review_comment")
                                         != after.get("review_comment")):
        return "returned"
    if status == "conflict" and (before is None or before.get("status") != status):
        return "conflicts"
    review = after.get("review_status")
    if review == "rejected" and (before is None or before.get("review_status") != review):
        return "review_rejected"
    if before is None:
        return "updated"
    own = {before.get("rev"), before.get("sent_rev")} - {None}
    if after.get("rev") not in own or bool(before.get("server_deleted")) != bool(
            after.get("server_deleted")):
        return "updated"
    return None
