"""Sign-in rate limiting, kept in the database so that every server process sees it.

Failed attempts are counted per user name and per client address over a sliding window; once
either count reaches its limit, further attempts are refused (429) until the oldest failure in the
window has aged out. A successful sign-in clears nothing: the window simply moves on.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, delete, func, select

from .schema import signin_attempts

__all__ = ["record_attempt", "retry_after"]


def retry_after(
    conn: Connection,
    username: str,
    remote_addr: str,
    *,
    max_failures: int,
    window_seconds: float,
    max_failures_per_address: int | None = None,
    now: float | None = None,
) -> int | None:
    """Seconds to wait before another attempt is allowed, or ``None`` when allowed now.

    ``max_failures`` applies per user name; ``max_failures_per_address`` (default five times
    as many: tablets of one office often share an address) per client address.
    """
    now = time.time() if now is None else now
    since = now - window_seconds
    per_address = max_failures_per_address or 5 * max_failures
    for column, value, limit in (
        (signin_attempts.c.username, username, max_failures),
        (signin_attempts.c.remote_addr, remote_addr, per_address),
    ):
        count, oldest = conn.execute(
            select(func.count(), func.min(signin_attempts.c.at_epoch))
            .where(column == value)
            .where(signin_attempts.c.at_epoch > since)
            .where(signin_attempts.c.success.is_(False))
        ).one()
        if count >= limit:
            return max(1, int(oldest + window_seconds - now) + 1)
    return None


def record_attempt(
    conn: Connection,
    username: str,
    remote_addr: str,
    success: bool,
    *,
    window_seconds: float,
    now: float | None = None,
) -> None:
    """Record one sign-in attempt and forget attempts older than the window."""
    now = time.time() if now is None else now
    conn.execute(
        signin_attempts.insert().values(
            username=username[:64], remote_addr=remote_addr[:64], at_epoch=now, success=success
        )
    )
    conn.execute(
        delete(signin_attempts).where(signin_attempts.c.at_epoch < now - 2 * window_seconds)
    )
