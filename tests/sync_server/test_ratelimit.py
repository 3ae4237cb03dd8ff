"""Sign-in rate limiting (sync_server.ratelimit) with a controlled clock."""

from __future__ import annotations

from sync_server.db import make_engine, write_tx
from sync_server.migrate import upgrade
from sync_server.ratelimit import record_attempt, retry_after


def test_limits_per_user_and_per_address_with_a_sliding_window(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    limits = {"max_failures": 3, "window_seconds": 100, "max_failures_per_address": 5}
    with write_tx(engine) as conn:
        for t in range(3):
            record_attempt(conn, "budi", "10.0.0.1", False, window_seconds=100, now=1000 + t)
        assert retry_after(conn, "budi", "10.0.0.2", now=1003, **limits) == 98
        assert retry_after(conn, "sari", "10.0.0.1", now=1003, **limits) is None
        for t in range(2):
            record_attempt(conn, f"user{t}", "10.0.0.1", False, window_seconds=100, now=1004)
        assert retry_after(conn, "sari", "10.0.0.1", now=1005, **limits) is not None
        assert retry_after(conn, "sari", "10.0.0.9", now=1005, **limits) is None
        # Successful attempts do not count; old failures age out.
        record_attempt(conn, "sari", "10.0.0.9", True, window_seconds=100, now=1006)
        assert retry_after(conn, "budi", "10.0.0.2", now=1101, **limits) is None
    engine.dispose()
