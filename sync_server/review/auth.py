"""Cookie sign-in for the web pages (supervisors and admins; officers are refused).

The Flask session cookie holds only a random session id (and the language choice); the server
keeps the session in ``web_sessions`` (:mod:`sync_server.web_sessions`) and checks on every
request that it still exists and has not expired. Signing out, a password reset and a
deactivation delete it, so a captured cookie stops working. :func:`current_web_user` returns the
signed-in :class:`~sync_server.users.User` (or ``None``); :func:`web_login_required` guards a
view. The export blueprint uses the same helper for cookie-authenticated downloads.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for

from .. import users as users_mod
from .. import web_sessions
from ..db import read_tx, write_tx
from ..state import state

__all__ = [
    "WEB_ROLES",
    "current_web_user",
    "safe_next",
    "sign_in_session",
    "sign_out_session",
    "web_login_required",
]

WEB_ROLES = ("supervisor", "admin")
F = TypeVar("F", bound=Callable[..., Any])


def current_web_user() -> users_mod.User | None:
    """The supervisor or admin signed in with the session cookie, or ``None``.

    ``None`` also when the session was ended (sign-out, password reset, deactivation) or has
    expired, or the account was deactivated or lost its web role since.
    """
    if "web_user" in g:
        return g.web_user
    user = None
    session_id = session.get("sid")
    if isinstance(session_id, str):
        with read_tx(state().engine) as conn:
            user_id = web_sessions.live_user_id(conn, session_id)
            found = users_mod.get_user_by_id(conn, user_id) if user_id is not None else None
        if found is not None and found.active and found.role in WEB_ROLES:
            user = found
    g.web_user = user
    return user


def sign_in_session(conn: Any, user: users_mod.User) -> None:
    """Start a fresh session for ``user`` in the write transaction ``conn`` (the old session's
    content is dropped; the language choice is kept)."""
    lifetime = state().config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if hasattr(lifetime, "total_seconds") else lifetime
    session_id = web_sessions.start(conn, user.id, float(seconds))
    lang = session.get("lang")
    session.clear()
    session["sid"] = session_id
    if lang:
        session["lang"] = lang
    session.permanent = True
    g.web_user = user


def sign_out_session() -> None:
    """End the session on the server and in the cookie (the language choice is kept)."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        with write_tx(state().engine) as conn:
            web_sessions.end(conn, session_id)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.web_user = None


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def web_login_required(*roles: str) -> Callable[[F], F]:
    """Decorator: redirect to the sign-in page when nobody is signed in; 403 for other roles."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_web_user()
            if user is None:
                return redirect(url_for("review.signin", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
