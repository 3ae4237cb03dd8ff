"""Limits on attachment uploads per account: a quota and an hourly rate.

* quota: the bytes of the files an account uploaded that no entry refers to yet may not pass
  ``UPLOAD_QUOTA_BYTES`` (413 ``upload_quota_exceeded``). Pushing the entries that use the
  photos frees the quota again.
* rate: the bytes an account uploaded within the last hour may not pass
  ``UPLOAD_BYTES_PER_HOUR`` (429 ``upload_rate_limited``, with ``Retry-After``).

Both are read from ``attachment_uploads`` (migration 0008), so every server process agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from .clock import iso
from .schema import attachment_uploads, entry_attachments
from .service_errors import ServiceError

__all__ = ["UploadLimits", "check_upload", "recent_bytes", "remaining_bytes", "unreferenced_bytes"]

RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class UploadLimits:
    """The configured limits (``None`` or 0: no limit)."""

    quota_bytes: int | None
    bytes_per_hour: int | None

    @classmethod
    def from_config(cls, config: dict) -> UploadLimits:
        """Read ``UPLOAD_QUOTA_BYTES`` and ``UPLOAD_BYTES_PER_HOUR``."""
        return cls(config.get("UPLOAD_QUOTA_BYTES"), config.get("UPLOAD_BYTES_PER_HOUR"))


def unreferenced_bytes(conn: Connection, username: str) -> int:
    """Bytes of the files ``username`` uploaded that no entry refers to."""
    referenced = select(entry_attachments.c.sha256).where(
        entry_attachments.c.sha256 == attachment_uploads.c.sha256
    )
    total = conn.execute(
        select(func.coalesce(func.sum(attachment_uploads.c.size), 0)).where(
            attachment_uploads.c.username == username, ~referenced.exists()
        )
    ).scalar_one()
    return int(total)


def recent_bytes(conn: Connection, username: str, now: datetime) -> tuple[int, str | None]:
    """Bytes ``username`` uploaded within :data:`RATE_WINDOW` before ``now``, and the time of
    the oldest of those uploads."""
    total, oldest = conn.execute(
        select(
            func.coalesce(func.sum(attachment_uploads.c.size), 0),
            func.min(attachment_uploads.c.uploaded_at),
        ).where(
            attachment_uploads.c.username == username,
            attachment_uploads.c.uploaded_at > iso(now - RATE_WINDOW),
        )
    ).one()
    return int(total), oldest


def remaining_bytes(conn: Connection, username: str, limits: UploadLimits) -> int | None:
    """How many more bytes ``username`` may upload now (``None``: no limit)."""
    left: int | None = None
    if limits.quota_bytes:
        left = limits.quota_bytes - unreferenced_bytes(conn, username)
    if limits.bytes_per_hour:
        recent, _ = recent_bytes(conn, username, datetime.now(UTC))
        rate_left = limits.bytes_per_hour - recent
        left = rate_left if left is None else min(left, rate_left)
    return left


def check_upload(
    conn: Connection,
    username: str,
    size: int,
    limits: UploadLimits,
    now: datetime | None = None,
) -> None:
    """Refuse an upload of ``size`` bytes that would pass the quota (413) or the rate (429)."""
    now = now or datetime.now(UTC)
    if limits.quota_bytes:
        used = unreferenced_bytes(conn, username)
        if used + size > limits.quota_bytes:
            raise ServiceError(413, "upload_quota_exceeded", used=used, limit=limits.quota_bytes)
    if limits.bytes_per_hour:
        recent, oldest = recent_bytes(conn, username, now)
        if recent + size > limits.bytes_per_hour:
            seconds = 60
            if oldest:
                since = datetime.strptime(oldest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                seconds = max(1, int((since + RATE_WINDOW - now).total_seconds()) + 1)
            raise ServiceError(
                429,
                "upload_rate_limited",
                headers={"Retry-After": str(seconds)},
                limit=limits.bytes_per_hour,
                seconds=seconds,
            )
