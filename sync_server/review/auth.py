"""Cookie sign-in for the web pages (supervisors and admins; officers are refused).

The Flask session cookie holds the user name and a stamp of the password hash, so resetting a
password signs out every browser of that account. :func:`current_web_user` returns the signed-in
:class:`~sync_server.users.User` (or ``None``); :func:`web_login_required` guards a view. The
export blueprint uses the same helper for cookie-authenticated downloads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select

from .. import users as users_mod
from ..db import read_tx
from ..schema import users
from ..state import state

__all__ = [
    "WEB_ROLES",
    "current_web_user",
    "password_stamp",
    "safe_next",
    "sign_in_session",
    "sign_out_session",
    "web_login_required",
]

WEB_ROLES = ("supervisor", "admin")
F = TypeVar("F", bound=Callable[..., Any])


def password_stamp(password_hash: str) -> str:
    """A short digest of the stored password hash, kept in the session cookie."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _stored_stamp(username: str) -> str | None:
    with read_tx(state().engine) as conn:
        row = conn.execute(
            select(users.c.password_hash).where(users.c.username == username)
        ).first()
    return password_stamp(row.password_hash) if row else None


def current_web_user() -> users_mod.User | None:
    """The supervisor or admin signed in with the session cookie, or ``None``.

    ``None`` also when the account was deactivated, lost its web role, or its password was reset
    since the session began.
    """
    if "web_user" in g:
        return g.web_user
    user = None
    username = session.get("user")
    if isinstance(username, str):
        with read_tx(state().engine) as conn:
            found = users_mod.get_user(conn, username)
        if (
            found is not None
            and found.active
            and found.role in WEB_ROLES
            and session.get("stamp") == _stored_stamp(username)
        ):
            user = found
    g.web_user = user
    return user


def sign_in_session(user: users_mod.User) -> None:
    """Start a fresh session for ``user`` (the old session's content is dropped)."""
    lang = session.get("lang")
    session.clear()
    session["user"] = user.username
    session["stamp"] = _stored_stamp(user.username)
    if lang:
        session["lang"] = lang
    session.permanent = True
    g.web_user = user


def sign_out_session() -> None:
    """End the session (the language choice is kept)."""
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
