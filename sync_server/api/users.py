"""Accounts over the API: the signed-in account (``/users/me``); admins revoke device tokens."""

from __future__ import annotations

from flask import Response, g, jsonify

from .. import users as users_mod
from ..auth import require_auth
from ..db import write_tx
from ..errors import ApiError
from ..state import state
from . import bp


@bp.post("/users/<username>/revoke-tokens")
@require_auth("admin")
def user_revoke_tokens(username: str) -> Response:
    """Revoke every device token of ``username``; the tablets must sign in again."""
    try:
        with write_tx(state().engine) as conn:
            count = users_mod.revoke_user_tokens(conn, username, g.user.username)
    except users_mod.UserError:
        raise ApiError(404, "not_found") from None
    return jsonify({"username": username, "revoked": count})


@bp.get("/users/me")
@require_auth()
def user_me() -> Response:
    """The signed-in account as it is now (regions, role, full name): tablets refresh it at
    every sync, so an officer moved to another region works there without signing in again."""
    return jsonify(g.user.public())
