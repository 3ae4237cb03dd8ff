"""One password sign-in, shared by the API (``POST /api/v1/sessions``) and the web sign-in page.

1. the attempt's throttling buckets are checked and charged in one write transaction
   (:func:`sync_server.ratelimit.reserve`); a refused attempt checks no password;
2. the password is checked (outside any transaction: scrypt takes a while);
3. a second write transaction settles the attempt and, for a right password, runs the caller's
   ``on_success`` (issue the device token, open the web session) and makes a fresh known-device
   marker for the client to show at its next sign-in.

A known-device marker is a string signed with the server's secret key holding the user name and
a random id; it grants nothing by itself, it only lets that device's sign-ins be throttled by
its own failures instead of those of its address or of other addresses
(see :mod:`sync_server.ratelimit`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, Engine

from . import ratelimit
from . import users as users_mod
from .db import read_tx, write_tx

__all__ = ["SignInResult", "check_marker", "make_marker", "sign_in"]

_MARKER_SALT = "sync-server.known-device"


@dataclass(frozen=True)
class SignInResult:
    """What came of one attempt: ``wait`` seconds when refused; else the user (``None`` for a
    wrong password), the ``on_success`` result and a new known-device ``marker``."""

    user: users_mod.User | None = None
    wait: int | None = None
    value: Any = None
    marker: str | None = None


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_MARKER_SALT)


def make_marker(secret_key: str, username: str) -> str:
    """A new known-device marker for ``username``."""
    return str(_serializer(secret_key).dumps({"u": username, "n": secrets.token_urlsafe(16)}))


def check_marker(
    secret_key: str, marker: str | None, username: str, max_age_days: float
) -> str | None:
    """The id of ``marker`` when it is a valid, unexpired marker of ``username``, else ``None``."""
    if not marker or len(marker) > 500:
        return None
    try:
        data = _serializer(secret_key).loads(marker, max_age=int(max_age_days * 86_400))
    except BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("u") != username
        or not isinstance(data.get("n"), str)
    ):
        return None
    return str(data["n"])


def sign_in(
    engine: Engine,
    config: Mapping[str, Any],
    username: str,
    password: str,
    address: str,
    marker: str | None = None,
    on_success: Callable[[Connection, users_mod.User], Any] | None = None,
) -> SignInResult:
    """Run one throttled sign-in attempt for ``username`` from ``address``."""
    policy = ratelimit.Policy.from_config(config)
    secret = str(config["SECRET_KEY"])
    device = check_marker(secret, marker, username, config["SIGNIN_KNOWN_DEVICE_DAYS"])
    with write_tx(engine) as conn:
        reservation = ratelimit.reserve(conn, username, address, device=device, policy=policy)
    if isinstance(reservation, ratelimit.Refused):
        return SignInResult(wait=reservation.wait)
    with read_tx(engine) as conn:
        found = users_mod.check_password(conn, username, password)
    user, value = None, None
    with write_tx(engine) as conn:
        # a reset or deactivation that landed during the check makes the old password wrong
        if found is not None and users_mod.password_unchanged(conn, found[0].id, found[1]):
            user = found[0]
        ratelimit.settle(conn, reservation, user is not None, policy=policy)
        if user is not None and on_success is not None:
            value = on_success(conn, user)
    if user is None:
        return SignInResult()
    return SignInResult(user=user, value=value, marker=make_marker(secret, username))
