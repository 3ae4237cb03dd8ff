"""Sign-in throttling (sync_server.ratelimit) with a controlled clock, on SQLite and PostgreSQL.

The old limiter counted failures per user name: ten wrong passwords from anywhere locked the
real user out everywhere. These tests pin the new design: buckets per (account, address), per
account from unknown addresses, and per known device, with growing delays, and one shared
bucket per address (for names not known there) with a high cap and a short constant wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from unittest import mock

import pytest
from sqlalchemy import Engine, func, select

from sync_server.db import make_engine, read_tx, write_tx
from sync_server.migrate import upgrade
from sync_server.ratelimit import (
    Bucket,
    Policy,
    Refused,
    Reservation,
    after_failure,
    after_success,
    delay_after,
    reserve,
    settle,
    wait_seconds,
)
from sync_server.schema import signin_attempts
from sync_server.signin import check_marker, make_marker

POLICY = Policy(
    per_account_address=3,
    per_address=5,
    per_account=8,
    base_delay=10,
    max_delay=80,
    address_delay=5,
    forget_seconds=1000,
    known_address_days=30,
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def attempt(
    engine: Engine,
    user: str,
    addr: str,
    now: float,
    *,
    ok: bool = False,
    device: str | None = None,
) -> int | None:
    """One attempt: ``None`` when allowed (and settled), else the seconds to wait."""
    with write_tx(engine) as conn:
        got = reserve(conn, user, addr, device=device, policy=POLICY, now=now)
    if isinstance(got, Refused):
        return got.wait
    assert isinstance(got, Reservation)
    with write_tx(engine) as conn:
        settle(conn, got, ok, policy=POLICY, now=now)
    return None


def test_delays_double_up_to_the_cap() -> None:
    assert [delay_after(n, 3, POLICY) for n in range(1, 9)] == [0, 0, 10, 20, 40, 80, 80, 80]
    assert delay_after(10**6, 3, POLICY) == 80  # no overflow
    bucket = Bucket("ua:budi|10.0.0.1")
    for _ in range(4):
        bucket = after_failure(bucket, 100.0, POLICY)
    assert (bucket.failures, bucket.blocked_until) == (4, 120.0)
    assert wait_seconds([bucket], 100.0) == 20 and wait_seconds([bucket], 120.0) is None
    # failures are forgotten after forget_seconds without a new one
    assert after_failure(bucket, 1200.0, POLICY).failures == 1
    # a right password clears the account's own buckets, and gives back one shared failure
    assert after_success(bucket, 130.0, POLICY) is None
    shared = Bucket("a:10.0.0.1", failures=5, blocked_until=140.0, last_failure=130.0)
    assert after_success(shared, 130.0, POLICY) == Bucket("a:10.0.0.1", 4, 0.0, 130.0)
    # failures within the free ones set no wait at all
    free = after_failure(Bucket("a:10.0.0.1"), 100.0, POLICY)
    assert (free.failures, free.blocked_until) == (1, 0.0)


def test_a_parallel_attempt_that_read_the_clock_earlier_is_not_refused(engine: Engine) -> None:
    # reserve() reads the clock before it waits for the bucket rows' lock: an attempt that read
    # it a moment before another one was recorded must not see a wait the other did not set
    assert attempt(engine, "tebak1", "10.0.0.66", 1000.0) is None
    assert attempt(engine, "tebak2", "10.0.0.66", 999.9) is None
    assert attempt(engine, "budi", "10.0.0.66", 1000.0, ok=True) is None
    assert attempt(engine, "sari", "10.0.0.66", 999.9, ok=True) is None


def test_the_guessers_address_waits_longer_and_longer(engine: Engine) -> None:
    now = 1000.0
    assert [attempt(engine, "budi", "10.0.0.66", now) for _ in range(3)] == [None] * 3
    waits = []
    for _ in range(4):
        wait = attempt(engine, "budi", "10.0.0.66", now)
        assert wait is not None
        waits.append(wait)
        now += wait
        assert attempt(engine, "budi", "10.0.0.66", now) is None  # allowed again, fails again
    assert waits == [10, 20, 40, 80]
    assert attempt(engine, "budi", "10.0.0.66", now) == 80  # capped
    # the real user, elsewhere, is not slowed down at all
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None


def test_random_user_names_from_one_address_slow_only_new_names_there(engine: Engine) -> None:
    now = 1000.0
    assert attempt(engine, "sari", "10.0.0.66", now - 60, ok=True) is None  # sari's office
    results = [attempt(engine, f"tebak{i}", "10.0.0.66", now) for i in range(8)]
    # 5 free, then the address waits the short constant address delay, not the growing one
    assert results[:5] == [None] * 5 and all(r == 5 for r in results[5:])
    assert attempt(engine, "budi", "10.0.0.66", now, ok=True) == 5  # new there: a short wait
    assert attempt(engine, "sari", "10.0.0.66", now, ok=True) is None  # known there: none
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None  # elsewhere: none
    # the guesser keeps going, one attempt per free slot, for a long time: the wait never grows
    for _ in range(40):
        now += 5
        assert attempt(engine, f"tebak-{now}", "10.0.0.66", now) is None
        assert attempt(engine, f"lagi-{now}", "10.0.0.66", now) == 5
        assert attempt(engine, "sari", "10.0.0.66", now, ok=True) is None
    now += 5
    assert attempt(engine, "budi", "10.0.0.66", now, ok=True) is None  # waited 5 s, got in
    assert attempt(engine, "budi", "10.0.0.66", now, ok=True) is None  # and is known now


def test_one_accounts_failures_never_block_another_account(engine: Engine) -> None:
    now = 1000.0
    assert attempt(engine, "sari", "10.0.0.1", now - 60, ok=True) is None
    for _ in range(20):  # someone at the office guesses the admin's password
        attempt(engine, "admin", "10.0.0.1", now)
    assert attempt(engine, "admin", "10.0.0.1", now, ok=True) == 10  # admin's own lockout
    # only admin's 3 allowed failures reached the address bucket (5 free): a first sign-in of
    # another account and the known one both get in at once
    assert attempt(engine, "budi", "10.0.0.1", now, ok=True) is None
    assert attempt(engine, "sari", "10.0.0.1", now, ok=True) is None
    # failures of an account known at the address count only in its own bucket there
    for _ in range(10):
        attempt(engine, "sari", "10.0.0.1", now)
    assert attempt(engine, "sari", "10.0.0.1", now, ok=True) is not None
    assert [attempt(engine, f"baru{i}", "10.0.0.1", now, ok=True) for i in range(2)] == [None] * 2
    assert attempt(engine, "sari", "10.0.0.1", now, ok=True, device="tablet-sari") is None


def test_wrong_then_right_from_a_known_address_or_device_still_works(engine: Engine) -> None:
    now = 1000.0
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None
    for _ in range(2):
        assert attempt(engine, "budi", "10.0.0.7", now) is None
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None
    for _ in range(2):
        assert attempt(engine, "budi", "10.0.0.7", now, device="tablet-1") is None
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True, device="tablet-1") is None
    # the right password cleared the account's own buckets: three more tries are free again
    assert [attempt(engine, "budi", "10.0.0.7", now) for _ in range(3)] == [None] * 3


def test_guessing_from_many_addresses_spares_known_addresses_and_devices(engine: Engine) -> None:
    now = 1000.0
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None  # budi's usual address
    for i in range(8):  # a botnet, 8 addresses, one guess each: the account-wide bucket fills
        assert attempt(engine, "budi", f"10.9.0.{i}", now) is None
    assert attempt(engine, "budi", "10.9.1.1", now, ok=True) == 10  # a new address waits
    assert attempt(engine, "budi", "10.0.0.7", now, ok=True) is None  # the known one does not
    assert attempt(engine, "budi", "10.9.1.1", now, ok=True, device="tablet-1") is None


def test_a_known_device_is_throttled_by_its_own_failures_only(engine: Engine) -> None:
    now = 1000.0
    for _ in range(20):  # the guesser shares the office address with the tablet
        attempt(engine, "budi", "10.0.0.1", now)
    assert attempt(engine, "budi", "10.0.0.1", now, ok=True) is not None
    assert attempt(engine, "budi", "10.0.0.1", now, ok=True, device="tablet-1") is None
    # a stolen marker gets its own few guesses, then counts for nothing
    for _ in range(3):
        assert attempt(engine, "budi", "10.0.0.1", now, device="stolen") is None
    assert attempt(engine, "budi", "10.0.0.1", now, device="stolen") is not None
    assert attempt(engine, "budi", "10.0.0.1", now, ok=True, device="tablet-1") is None


def test_refused_attempts_write_nothing(engine: Engine) -> None:
    now = 1000.0
    for _ in range(10):
        attempt(engine, "budi", "10.0.0.66", now)
    with read_tx(engine) as conn:
        checks = conn.execute(select(func.count()).select_from(signin_attempts)).scalar_one()
    assert checks == 3


def test_known_device_markers_are_bound_to_the_user_and_signed() -> None:
    marker = make_marker("kunci-rahasia", "budi")
    device = check_marker("kunci-rahasia", marker, "budi", 365)
    assert device and device == check_marker("kunci-rahasia", marker, "budi", 365)
    assert (
        check_marker("kunci-rahasia", make_marker("kunci-rahasia", "budi"), "budi", 365) != device
    )
    assert check_marker("kunci-rahasia", marker, "sari", 365) is None  # another account
    assert check_marker("kunci-lain", marker, "budi", 365) is None  # another server's key
    assert check_marker("kunci-rahasia", marker[:-2] + "xx", "budi", 365) is None
    assert check_marker("kunci-rahasia", "", "budi", 365) is None
    assert check_marker("kunci-rahasia", "x" * 600, "budi", 365) is None
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() + 2 * 86_400):
        assert check_marker("kunci-rahasia", marker, "budi", 1) is None  # expired


def test_settings_cannot_let_a_guesser_wait_out_the_count() -> None:
    from sync_server.config import DEFAULTS, env_overrides

    policy = Policy.from_config({**DEFAULTS, "SIGNIN_WINDOW_SECONDS": 60})
    assert policy.forget_seconds == 2 * policy.max_delay == 1800
    assert Policy.from_config(DEFAULTS).forget_seconds == 3600
    # the shared address wait is short and never longer than the longest delay
    assert Policy.from_config(DEFAULTS).address_delay == 30
    capped = Policy.from_config({**DEFAULTS, "SIGNIN_ADDRESS_DELAY_SECONDS": 5000})
    assert capped.address_delay == capped.max_delay == 900
    assert env_overrides({"SURVEY_TRUSTED_PROXY_COUNT": "1"}) == {"TRUSTED_PROXY_COUNT": 1}
