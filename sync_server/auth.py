"""Device sign-in and bearer-token authentication (the ``auth`` blueprint).

``POST /api/v1/sessions`` exchanges user name, password and device id for a device token;
``DELETE /api/v1/sessions/current`` revokes the token used. Sign-in attempts are throttled by
:mod:`sync_server.signin` / :mod:`sync_server.ratelimit`. Views elsewhere use
:func:`require_auth` to get the signed-in :class:`~sync_server.users.User` in ``g.user``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request

from . import signin
from . import users as users_mod
from .api_limits import MAX_DEVICE_ID, MAX_PASSWORD, MAX_USERNAME
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
            _note_contact(g.user.username, g.device_id)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _note_contact(username: str, device_id: str) -> None:
    """Record the device's contact and its ``X-Device-Report`` (a malformed one is a 400)."""
    from . import device_contacts

    try:
        report = device_contacts.parse_report(request.headers.get(device_contacts.HEADER))
    except ValueError as exc:
        raise ApiError(400, "invalid_device_report", detail=str(exc)) from None
    device_contacts.note_contact(state().engine, username, device_id, report)


@bp.post("")
def sign_in() -> tuple[Response, int]:
    """Sign in from a tablet: ``{"username", "password", "device_id"}`` (and, optionally, the
    ``device_marker`` of an earlier sign-in) gives a token and a new ``device_marker``.

    Throttled by :mod:`sync_server.ratelimit`: 429 ``rate_limited`` with ``Retry-After``."""
    body = read_json_object()
    require_fields(
        body,
        {"username": str, "password": str, "device_id": str},
        optional={"device_marker": str},
    )
    username = body["username"].strip().lower()
    device_id = body["device_id"].strip()
    if not (0 < len(username) <= MAX_USERNAME) or not (0 < len(device_id) <= MAX_DEVICE_ID):
        raise ApiError(
            400,
            "bad_request",
            detail=f"username and device_id: 1-{MAX_USERNAME} / 1-{MAX_DEVICE_ID} chars",
        )
    if len(body["password"]) > MAX_PASSWORD:
        raise ApiError(400, "bad_request", detail="password too long")
    cfg = state().config
    lifetime = cfg["TOKEN_LIFETIME_DAYS"]
    result = signin.sign_in(
        state().engine,
        cfg,
        username,
        body["password"],
        request.remote_addr or "unknown",
        marker=body.get("device_marker"),
        on_success=lambda conn, user: users_mod.issue_token(conn, user, device_id, lifetime),
    )
    if result.wait is not None:
        raise ApiError(
            429, "rate_limited", headers={"Retry-After": str(result.wait)}, seconds=result.wait
        )
    if result.user is None:
        raise ApiError(401, "invalid_credentials")
    return (
        jsonify(
            {"token": result.value, "user": result.user.public(), "device_marker": result.marker}
        ),
        201,
    )


@bp.delete("/current")
@require_auth()
def sign_out() -> tuple[str, int]:
    """Revoke the token of this request."""
    with write_tx(state().engine) as conn:
        users_mod.revoke_token(conn, g.token, g.user.username)
    return "", 204
