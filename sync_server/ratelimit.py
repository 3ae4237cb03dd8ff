"""Sign-in throttling that slows a password guesser down without locking the real user out.

Failures are counted in *buckets* (table ``signin_limits``), each with its own number of free
failures; past that number every further failure makes the bucket's next attempt wait: the
account's own buckets double the wait with each failure (``base``, ``2 * base``, ... up to
``max_delay``), the shared address bucket waits a short constant ``address_delay``. A bucket
forgets its failures after ``forget_seconds`` without a new one. An attempt is checked against:

* with a valid known-device marker of the account (given at an earlier successful sign-in),
  only that marker's bucket ``d:<id>``, so failures from anywhere else never block it (a marker
  whose own bucket is waiting counts for nothing: the attempt is checked as below);
* when the account signed in from this address within ``known_address_days``, only
  ``ua:<account>|<address>``: failures on other user names, from this address or any other,
  never block it;
* otherwise ``ua:<account>|<address>``, ``u:<account>`` (failures from every address the account
  is not known at, together: against guessing from many addresses) and ``a:<address>`` (every
  such attempt from the address, whatever the user name: a high cap against one client trying
  many accounts, which past its free failures only spaces attempts ``address_delay`` apart and
  never grows). Whether the user name is an account plays no part, so the answers do not tell
  which names exist.

So failures on one account only ever slow another account's sign-in through the gentle address
cap, and never that of an account known at the address or holding a marker; an account's own
failures from an address (``ua:``) still lock that address's marker-less sign-ins of it out with
growing delays, which is what protects it against password guessing.

Check and record are one step (:func:`reserve`): in one write transaction the buckets' rows are
created if missing, locked (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` in key order
on PostgreSQL), checked, and charged with a failure before the password is checked at all; a
right password then gives the failure back (:func:`settle`). So parallel attempts can never run
more password checks than a bucket allows. Every reserved attempt is a ``signin_attempts`` row
(the successful ones also tell which addresses an account is known from).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import signin_attempts, signin_limits

__all__ = [
    "Bucket",
    "Policy",
    "Refused",
    "Reservation",
    "after_failure",
    "after_success",
    "delay_after",
    "reserve",
    "settle",
    "wait_seconds",
]

DAY = 86_400.0


@dataclass(frozen=True)
class Policy:
    """The throttling settings (see ``SIGNIN_*`` in :mod:`sync_server.config`)."""

    per_account_address: int = 10  # free failures of one account from one address or device
    per_address: int = 300  # free failures from one address, names not known there
    per_account: int = 100  # free failures of one account from unknown addresses, all together
    base_delay: float = 30.0
    max_delay: float = 900.0
    address_delay: float = 30.0  # the address bucket's wait past its free failures (constant)
    forget_seconds: float = 3600.0
    known_address_days: float = 30.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Policy:
        """The policy of an app's configuration. Failures are kept at least twice the longest
        delay (else a guesser who waits out the longest delay would start afresh)."""
        max_delay = float(cfg["SIGNIN_MAX_DELAY_SECONDS"])
        return cls(
            per_account_address=int(cfg["SIGNIN_MAX_FAILURES"]),
            per_address=int(cfg["SIGNIN_MAX_FAILURES_PER_ADDRESS"]),
            per_account=int(cfg["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]),
            base_delay=float(cfg["SIGNIN_DELAY_SECONDS"]),
            max_delay=max_delay,
            address_delay=min(float(cfg["SIGNIN_ADDRESS_DELAY_SECONDS"]), max_delay),
            forget_seconds=max(float(cfg["SIGNIN_WINDOW_SECONDS"]), 2 * max_delay),
            known_address_days=float(cfg["SIGNIN_KNOWN_ADDRESS_DAYS"]),
        )

    def free_failures(self, key: str) -> int:
        """How many failures the bucket ``key`` allows before delays start."""
        kind = key.split(":", 1)[0]
        if kind == "a":
            return self.per_address
        if kind == "u":
            return self.per_account
        return self.per_account_address  # "ua" and "d"

    def delay(self, key: str, failures: int) -> float:
        """Seconds the bucket ``key`` waits after its ``failures``-th failure: growing for an
        account's buckets, a constant ``address_delay`` for the shared address bucket."""
        free = self.free_failures(key)
        if key.startswith("a:"):
            return self.address_delay if failures >= free else 0.0
        return delay_after(failures, free, self)


@dataclass(frozen=True)
class Bucket:
    """One throttling key's state: failures counted, no attempt before ``blocked_until``."""

    key: str
    failures: int = 0
    blocked_until: float = 0.0
    last_failure: float = 0.0


@dataclass(frozen=True)
class Reservation:
    """A sign-in attempt allowed by :func:`reserve`, to be settled with :func:`settle`."""

    attempt_id: int
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Refused:
    """A sign-in attempt refused by :func:`reserve`: try again in ``wait`` seconds."""

    wait: int


def delay_after(failures: int, free: int, policy: Policy) -> float:
    """Seconds to wait after the ``failures``-th failure of a bucket allowing ``free``."""
    if failures < free:
        return 0.0
    return min(policy.max_delay, policy.base_delay * 2.0 ** min(failures - free, 40))


def wait_seconds(buckets: Iterable[Bucket], now: float) -> int | None:
    """Whole seconds until every bucket allows an attempt, or ``None`` when they all do now."""
    until = max((b.blocked_until for b in buckets), default=0.0)
    return max(1, math.ceil(until - now)) if until > now else None


def after_failure(bucket: Bucket, now: float, policy: Policy) -> Bucket:
    """The bucket once one more failure is counted (older failures forgotten if stale)."""
    kept = bucket.failures if now - bucket.last_failure <= policy.forget_seconds else 0
    failures = kept + 1
    delay = policy.delay(bucket.key, failures)
    # a failure within the free ones sets no wait: ``now`` is read before the rows are locked,
    # so a "wait until now" would refuse a parallel attempt that read the clock a moment earlier
    blocked = max(bucket.blocked_until, now + delay) if delay > 0 else bucket.blocked_until
    return Bucket(bucket.key, failures, blocked, now)


def after_success(bucket: Bucket, now: float, policy: Policy) -> Bucket | None:
    """The bucket once a right password gives back the failure :func:`reserve` charged.

    ``None`` (the bucket is cleared) for the account's own buckets (``ua:``, ``d:``); the shared
    ones (``a:``, ``u:``) only lose that one failure, and their wait when that takes them back
    under their free failures (past them, the right password's check used up the slot like any
    other: at most one check per wait).
    """
    if bucket.key.startswith(("ua:", "d:")):
        return None
    failures = max(bucket.failures - 1, 0)
    blocked = bucket.blocked_until
    if failures < policy.free_failures(bucket.key):
        blocked = 0.0
    return replace(bucket, failures=failures, blocked_until=blocked)


def untrusted_keys(username: str, address: str, *, known_address: bool) -> tuple[str, ...]:
    """The buckets of an attempt without a usable known-device marker: only the account's own
    one at this address when the account is known here, else also the account's bucket for
    unknown addresses and the address's shared bucket."""
    own = f"ua:{username}|{address}"
    if known_address:
        return (own,)
    return (own, f"a:{address}", f"u:{username}")


def _insert(conn: Connection) -> Any:
    return (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(signin_limits)


def _lock(conn: Connection, keys: Iterable[str]) -> dict[str, Bucket]:
    """Create the missing rows of ``keys`` and lock them all, in key order (no deadlocks)."""
    ordered = sorted(set(keys))
    conn.execute(
        _insert(conn)
        .values(
            [{"key": k, "failures": 0, "blocked_until": 0.0, "last_failure": 0.0} for k in ordered]
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = conn.execute(
        select(signin_limits)
        .where(signin_limits.c.key.in_(ordered))
        .order_by(signin_limits.c.key)
        .with_for_update()
    ).all()
    return {r.key: Bucket(r.key, r.failures, r.blocked_until, r.last_failure) for r in rows}


def _store(conn: Connection, bucket: Bucket) -> None:
    conn.execute(
        update(signin_limits)
        .where(signin_limits.c.key == bucket.key)
        .values(
            failures=bucket.failures,
            blocked_until=bucket.blocked_until,
            last_failure=bucket.last_failure,
        )
    )


def _known_address(conn: Connection, username: str, address: str, since: float) -> bool:
    return (
        conn.execute(
            select(signin_attempts.c.id)
            .where(signin_attempts.c.username == username)
            .where(signin_attempts.c.remote_addr == address)
            .where(signin_attempts.c.success.is_(True))
            .where(signin_attempts.c.at_epoch > since)
            .limit(1)
        ).first()
        is not None
    )


def reserve(
    conn: Connection,
    username: str,
    address: str,
    *,
    device: str | None,
    policy: Policy,
    now: float | None = None,
) -> Reservation | Refused:
    """Check and charge the attempt's buckets in the caller's write transaction.

    ``device`` is the id of a valid known-device marker of ``username`` (or ``None``). Allowed:
    every bucket is charged one failure and a ``signin_attempts`` row is written; refused:
    nothing is written.
    """
    now = time.time() if now is None else now
    username, address = username[:64], address[:64]
    keys: tuple[str, ...] = ()
    buckets: dict[str, Bucket] = {}
    if device:
        keys = (f"d:{device}"[:300],)
        buckets = _lock(conn, keys)
        if wait_seconds(buckets.values(), now) is not None:
            keys = ()  # a marker that is itself waiting counts for nothing
    if not keys:
        since = now - policy.known_address_days * DAY
        keys = untrusted_keys(
            username, address, known_address=_known_address(conn, username, address, since)
        )
        buckets = _lock(conn, keys)
        wait = wait_seconds(buckets.values(), now)
        if wait is not None:
            return Refused(wait)
    for key in keys:
        _store(conn, after_failure(buckets[key], now, policy))
    attempt_id = conn.execute(
        signin_attempts.insert().values(
            username=username, remote_addr=address, at_epoch=now, success=False
        )
    ).inserted_primary_key[0]
    _prune(conn, now, policy)
    return Reservation(int(attempt_id), keys)


def settle(
    conn: Connection,
    reservation: Reservation,
    success: bool,
    *,
    policy: Policy,
    now: float | None = None,
) -> None:
    """After the password check: a right password marks the attempt successful and gives the
    charged failure back (:func:`after_success`); a wrong one leaves the failure counted."""
    if not success:
        return
    now = time.time() if now is None else now
    conn.execute(
        update(signin_attempts)
        .where(signin_attempts.c.id == reservation.attempt_id)
        .values(success=True)
    )
    for key, bucket in _lock(conn, reservation.keys).items():
        kept = after_success(bucket, now, policy)
        if kept is None:
            conn.execute(delete(signin_limits).where(signin_limits.c.key == key))
        else:
            _store(conn, kept)


def _prune(conn: Connection, now: float, policy: Policy) -> None:
    """Forget stale buckets, old failures and successes older than the known-address time."""
    stale = now - max(policy.forget_seconds, policy.max_delay)
    # rows other transactions hold locked are left for later (no lock waits, no deadlocks)
    idle = (
        select(signin_limits.c.key)
        .where(signin_limits.c.last_failure < stale)
        .where(signin_limits.c.blocked_until < now)
        .with_for_update(skip_locked=True)
    )
    conn.execute(delete(signin_limits).where(signin_limits.c.key.in_(idle)))
    conn.execute(
        delete(signin_attempts).where(
            or_(
                and_(signin_attempts.c.success.is_(False), signin_attempts.c.at_epoch < stale),
                signin_attempts.c.at_epoch < now - policy.known_address_days * DAY,
            )
        )
    )
