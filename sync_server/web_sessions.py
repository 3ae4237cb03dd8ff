"""Server-side web sessions (table ``web_sessions``).

The signed session cookie of the web pages carries only a random session id; the server keeps
its SHA-256 with the user and the expiry time (``PERMANENT_SESSION_LIFETIME`` from sign-in).
Each request looks the id up, so a session ends for good when its row is deleted: at sign-out,
at a password reset or change, and when the account is deactivated. A captured cookie is worth
nothing after that.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, delete, select

from .clock import later, now_iso
from .schema import web_sessions

__all__ = ["end", "end_for_user", "live_user_id", "start"]


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(conn: Connection, user_id: int, lifetime_seconds: float) -> str:
    """Open a session for ``user_id`` and return its id (for the cookie); expired rows go."""
    now = now_iso()
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    conn.execute(
        web_sessions.insert().values(
            id_hash=_hash(session_id),
            user_id=user_id,
            created_at=now,
            expires_at=later(seconds=lifetime_seconds),
        )
    )
    return session_id


def live_user_id(conn: Connection, session_id: str) -> int | None:
    """The user id of a session that exists and has not expired, else ``None``."""
    return conn.execute(
        select(web_sessions.c.user_id)
        .where(web_sessions.c.id_hash == _hash(session_id))
        .where(web_sessions.c.expires_at > now_iso())
    ).scalar()


def end(conn: Connection, session_id: str) -> bool:
    """End one session (sign-out); True when it existed."""
    result = conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session_id)))
    return bool(result.rowcount)


def end_for_user(conn: Connection, user_id: int) -> int:
    """End every session of ``user_id``; returns how many there were."""
    return conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount
