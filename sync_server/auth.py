"""Device sign-in and bearer-token authentication (the ``auth`` blueprint).

``POST /api/v1/sessions`` exchanges user name, password and device id for a device token;
``DELETE /api/v1/sessions/current`` revokes the token used. Views elsewhere use
:func:`require_auth` to get the signed-in :class:`~sync_server.users.User` in ``g.user``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request

from . import ratelimit
from . import users as users_mod
from .db import read_tx, write_tx
from .errors import ApiError
from .requests_json import read_json_object, require_fields
from .state import state

__all__ = ["bp", "require_auth"]

bp = Blueprint("auth", __name__, url_prefix="/api/v1/sessions")

F = TypeVar("F", bound=Callable[..., Any])


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def require_auth(*roles: str) -> Callable[[F], F]:
    """Decorator: a valid bearer token (and, when given, one of ``roles``) is required."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _bearer_token()
            with read_tx(state().engine) as conn:
                found = users_mod.resolve_token(conn, token)
            if found is None:
                raise ApiError(
                    401,
                    "invalid_token",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            g.user, g.device_id = found
            g.token = token
            if roles and g.user.role not in roles:
                raise ApiError(403, "forbidden")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@bp.post("")
def sign_in() -> tuple[Response, int]:
    """Sign in from a tablet: ``{"username", "password", "device_id"}`` gives a token."""
    body = read_json_object()
    require_fields(body, {"username": str, "password": str, "device_id": str}, optional={})
    username = body["username"].strip().lower()
    device_id = body["device_id"].strip()
    if not (0 < len(username) <= 64) or not (0 < len(device_id) <= 200):
        raise ApiError(400, "bad_request", detail="username and device_id: 1-64 / 1-200 chars")
    if len(body["password"]) > 1024:
        raise ApiError(400, "bad_request", detail="password too long")
    cfg = state().config
    addr = request.remote_addr or "unknown"
    engine = state().engine
    with read_tx(engine) as conn:
        wait = ratelimit.retry_after(
            conn,
            username,
            addr,
            max_failures=cfg["SIGNIN_MAX_FAILURES"],
            window_seconds=cfg["SIGNIN_WINDOW_SECONDS"],
            max_failures_per_address=cfg.get("SIGNIN_MAX_FAILURES_PER_ADDRESS"),
        )
    if wait is not None:
        raise ApiError(429, "rate_limited", headers={"Retry-After": str(wait)}, seconds=wait)
    with read_tx(engine) as conn:
        user = users_mod.authenticate(conn, username, body["password"])
    with write_tx(engine) as conn:
        ratelimit.record_attempt(
            conn, username, addr, user is not None, window_seconds=cfg["SIGNIN_WINDOW_SECONDS"]
        )
        if user is None:
            token = None
        else:
            token = users_mod.issue_token(conn, user, device_id, cfg["TOKEN_LIFETIME_DAYS"])
    if user is None or token is None:
        raise ApiError(401, "invalid_credentials")
    return jsonify({"token": token, "user": user.public()}), 201


@bp.delete("/current")
@require_auth()
def sign_out() -> tuple[str, int]:
    """Revoke the token of this request."""
    with write_tx(state().engine) as conn:
        users_mod.revoke_token(conn, g.token, g.user.username)
    return "", 204
