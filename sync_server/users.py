"""Accounts, roles, regions and device tokens.

* Passwords are hashed with werkzeug's scrypt.
* A device token is 32 random bytes (URL-safe base64) given to the tablet once; the server keeps
  only its SHA-256 (a fast hash is enough for a random secret of this size), with an expiry time,
  and an admin can revoke it.
* A password reset (or change) and a deactivation end the account's access everywhere: every
  device token is revoked and every web session (:mod:`sync_server.web_sessions`) ended, so
  reactivating the account later brings none of them back.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, web_sessions
from .clock import later, now_iso
from .schema import ROLES, device_tokens, user_regions, users

__all__ = [
    "User",
    "UserError",
    "authenticate",
    "check_password",
    "create_user",
    "get_user",
    "get_user_by_id",
    "issue_token",
    "list_users",
    "password_unchanged",
    "resolve_token",
    "revoke_token",
    "revoke_user_access",
    "revoke_user_tokens",
    "set_password",
    "token_hash",
    "update_user",
]

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
REGION_RE = re.compile(r"^\d{2}(\.\d{2}){0,3}$")
# A fixed hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class UserError(ValueError):
    """An account operation that cannot be done (bad role, region, duplicate name)."""


@dataclass(frozen=True)
class User:
    """A signed-in account as the views see it."""

    id: int
    username: str
    full_name: str
    role: str
    regions: tuple[str, ...]
    active: bool = True

    def can_read_region(self, region: str) -> bool:
        """Supervisors and officers read their regions; admins read all."""
        return self.role == "admin" or region in self.regions

    def public(self) -> dict[str, Any]:
        """The JSON shape given to the tablet at sign-in."""
        return {
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role,
            "regions": list(self.regions),
        }


def token_hash(token: str) -> str:
    """The stored form of a device token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    regions: list[str] | tuple[str, ...] = (),
    full_name: str = "",
    actor: str = "system",
) -> User:
    """Create an account. Raises :class:`UserError` for a bad name, role, region or duplicate."""
    if not USERNAME_RE.match(username):
        raise UserError(
            f"user name {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'"
        )
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise UserError("password: at least 8 characters")
    bad = [r for r in regions if not REGION_RE.match(r)]
    if bad:
        raise UserError(f"region code {bad[0]!r}: use Kemendagri codes such as 16.71")
    if role in ("officer", "supervisor") and not regions:
        raise UserError(f"a {role} needs at least one region (--region)")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise UserError(f"user {username!r} already exists")
    user_id = conn.execute(
        users.insert().values(
            username=username,
            full_name=full_name,
            role=role,
            password_hash=generate_password_hash(password, method="scrypt"),
            active=True,
            created_at=now_iso(),
        )
    ).inserted_primary_key[0]
    unique_regions = sorted(set(regions))
    if unique_regions:
        conn.execute(
            user_regions.insert(), [{"user_id": user_id, "region": r} for r in unique_regions]
        )
    audit.record(
        conn, actor, "user.create", "user", username, {"role": role, "regions": unique_regions}
    )
    return User(user_id, username, full_name, role, tuple(unique_regions))


def _load(conn: Connection, row: Any) -> User:
    regions = conn.execute(
        select(user_regions.c.region)
        .where(user_regions.c.user_id == row.id)
        .order_by(user_regions.c.region)
    ).scalars()
    return User(row.id, row.username, row.full_name, row.role, tuple(regions), bool(row.active))


def get_user(conn: Connection, username: str) -> User | None:
    """The account called ``username``, or ``None``."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _load(conn, row) if row else None


def get_user_by_id(conn: Connection, user_id: int) -> User | None:
    """The account with id ``user_id``, or ``None``."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _load(conn, row) if row else None


def list_users(conn: Connection) -> list[User]:
    """All accounts, by user name."""
    rows = conn.execute(select(users).order_by(users.c.username)).all()
    return [_load(conn, row) for row in rows]


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The active account if ``password`` is right, else ``None`` (same work either way)."""
    found = check_password(conn, username, password)
    return found[0] if found else None


def check_password(conn: Connection, username: str, password: str) -> tuple[User, str] | None:
    """Like :func:`authenticate`, with the password hash that was checked (for
    :func:`password_unchanged`)."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row.password_hash, password) or not row.active:
        return None
    return _load(conn, row), row.password_hash


def password_unchanged(conn: Connection, user_id: int, checked_hash: str) -> bool:
    """In a write transaction: is the account still active with the password hash that was
    checked? Locks the account's row, so a concurrent reset waits for this transaction (and then
    revokes what it created) or has already happened (and this returns False)."""
    row = conn.execute(
        select(users.c.password_hash, users.c.active).where(users.c.id == user_id).with_for_update()
    ).first()
    return row is not None and bool(row.active) and row.password_hash == checked_hash


def issue_token(conn: Connection, user: User, device_id: str, lifetime_days: int) -> str:
    """Create a device token for ``user`` and return it (the only time it is seen in clear)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        device_tokens.insert().values(
            user_id=user.id,
            token_hash=token_hash(token),
            device_id=device_id,
            created_at=now_iso(),
            expires_at=later(days=lifetime_days),
        )
    )
    audit.record(
        conn, user.username, "session.create", "user", user.username, {"device_id": device_id}
    )
    return token


def resolve_token(conn: Connection, token: str) -> tuple[User, str] | None:
    """The account and device id of a valid (known, unexpired, unrevoked) token, or ``None``."""
    row = conn.execute(
        select(device_tokens, users)
        .join(users, users.c.id == device_tokens.c.user_id)
        .where(device_tokens.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    m = row._mapping
    if (
        m[device_tokens.c.revoked_at] is not None
        or m[device_tokens.c.expires_at] <= now_iso()
        or not m[users.c.active]
    ):
        return None
    return _load(conn, _UserRow(row)), m[device_tokens.c.device_id]


class _UserRow:
    """Adapter giving a joined token/user row the attributes :func:`_load` reads."""

    def __init__(self, row: Any) -> None:
        m = row._mapping
        self.id = m[users.c.id]
        self.username = m[users.c.username]
        self.full_name = m[users.c.full_name]
        self.role = m[users.c.role]
        self.active = m[users.c.active]


def revoke_token(conn: Connection, token: str, actor: str) -> bool:
    """Revoke one token (sign-out). True when it was active."""
    result = conn.execute(
        update(device_tokens)
        .where(device_tokens.c.token_hash == token_hash(token))
        .where(device_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_iso())
    )
    if result.rowcount:
        audit.record(conn, actor, "session.delete", "user", actor, {})
    return bool(result.rowcount)


def revoke_user_tokens(conn: Connection, username: str, actor: str) -> int:
    """Revoke every active token of ``username``; returns how many. Raises for unknown users."""
    user = get_user(conn, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    result = conn.execute(
        update(device_tokens)
        .where(device_tokens.c.user_id == user.id)
        .where(device_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_iso())
    )
    audit.record(conn, actor, "tokens.revoke", "user", username, {"count": result.rowcount})
    return result.rowcount


def revoke_user_access(conn: Connection, user_id: int) -> dict[str, int]:
    """Revoke every active device token and end every web session of ``user_id``.

    Returns ``{"tokens_revoked": n, "web_sessions_ended": m}`` (for the audit row)."""
    result = conn.execute(
        update(device_tokens)
        .where(device_tokens.c.user_id == user_id)
        .where(device_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_iso())
    )
    return {
        "tokens_revoked": result.rowcount,
        "web_sessions_ended": web_sessions.end_for_user(conn, user_id),
    }


def update_user(
    conn: Connection,
    username: str,
    *,
    role: str,
    regions: list[str] | tuple[str, ...],
    full_name: str,
    active: bool,
    actor: str,
) -> User:
    """Change an account's role, regions, full name and active flag (same checks as
    :func:`create_user`). Raises :class:`UserError`."""
    user = get_user(conn, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    bad = [r for r in regions if not REGION_RE.match(r)]
    if bad:
        raise UserError(f"region code {bad[0]!r}: use Kemendagri codes such as 16.71")
    if role in ("officer", "supervisor") and not regions:
        raise UserError(f"a {role} needs at least one region (--region)")
    conn.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(role=role, full_name=full_name, active=active)
    )
    ended = {} if active else revoke_user_access(conn, user.id)
    unique_regions = sorted(set(regions))
    conn.execute(user_regions.delete().where(user_regions.c.user_id == user.id))
    if unique_regions:
        conn.execute(
            user_regions.insert(), [{"user_id": user.id, "region": r} for r in unique_regions]
        )
    audit.record(
        conn,
        actor,
        "user.update",
        "user",
        username,
        {"role": role, "regions": unique_regions, "active": active, **ended},
    )
    return User(user.id, username, full_name, role, tuple(unique_regions), active)


def set_password(conn: Connection, username: str, password: str, actor: str) -> None:
    """Reset or change an account's password (at least 8 characters); every device token and
    web session of the account ends with it. Raises :class:`UserError`."""
    if len(password) < 8:
        raise UserError("password: at least 8 characters")
    user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is None:
        raise UserError(f"no user {username!r}")
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=generate_password_hash(password, method="scrypt"))
    )
    ended = revoke_user_access(conn, user_id)
    audit.record(conn, actor, "user.password_reset", "user", username, ended)
