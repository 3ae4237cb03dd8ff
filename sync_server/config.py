"""Configuration of the sync server: defaults, then the instance file, then the environment.

Order of precedence (later wins):

1. :data:`DEFAULTS` below;
2. ``<instance>/config.py`` (a Python file of upper-case names), when it exists;
3. the environment variables of :data:`ENV_VARS` (``SURVEY_DATABASE_URL``, ...,
   ``SURVEY_METRICS_TOKEN``), each documented in docs/server.md and
   deploy/kpk-survey.env.example (tests/deploy/test_settings_documented.py);
4. the ``config`` mapping given to :func:`sync_server.create_app` (tests).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["DEFAULTS", "ENV_VARS", "env_overrides", "finalise"]

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # generated into the instance folder on first start when unset
    "DATABASE_URL": None,  # None: SQLite file ``survey.sqlite3`` in the instance folder
    "ATTACHMENTS_DIR": None,  # None: ``attachments/`` in the instance folder
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # bytes; larger requests get 413
    "MAX_STRING_LENGTH": 20_000,  # longest text accepted inside an entry
    "MAX_ANSWERS_BYTES": 2 * 1024 * 1024,  # largest serialised answers object of one revision
    "MAX_BATCH": 500,  # revisions per push request
    "PULL_LIMIT_DEFAULT": 200,
    "PULL_LIMIT_MAX": 1000,
    # A pull page stops once its changes pass this many bytes (always at least one change).
    "PULL_PAGE_BYTES": 4 * 1024 * 1024,
    # Attachment uploads per account (sync_server.upload_quota): bytes of uploaded files that no
    # entry refers to yet, bytes uploaded within an hour, and the days before
    # `survey-server clean-uploads` removes a file that no entry refers to.
    "UPLOAD_QUOTA_BYTES": 200 * 1024 * 1024,
    "UPLOAD_BYTES_PER_HOUR": 1024 * 1024 * 1024,
    "UPLOAD_GRACE_DAYS": 7,
    "TOKEN_LIFETIME_DAYS": 180,
    # Sign-in throttling (sync_server.ratelimit): failures allowed before growing delays start,
    "SIGNIN_MAX_FAILURES": 10,  # ... per account from one address (or one known device),
    "SIGNIN_MAX_FAILURES_PER_ACCOUNT": 100,  # ... per account from all unknown addresses;
    "SIGNIN_DELAY_SECONDS": 30,  # then the wait doubles with each failure from this ...
    "SIGNIN_MAX_DELAY_SECONDS": 900,  # ... up to this.
    # Per client address, attempts on user names not known at that address (signed in from it
    # within SIGNIN_KNOWN_ADDRESS_DAYS) share a high cap, past which such attempts from the
    # address are spaced this many seconds apart (never more; known names are never slowed).
    "SIGNIN_MAX_FAILURES_PER_ADDRESS": 300,
    "SIGNIN_ADDRESS_DELAY_SECONDS": 30,
    "SIGNIN_WINDOW_SECONDS": 3600,  # failures are forgotten after this long without a new one.
    "SIGNIN_KNOWN_ADDRESS_DAYS": 30,  # an address the account signed in from is known this long
    "SIGNIN_KNOWN_DEVICE_DAYS": 365,  # lifetime of a known-device marker
    # Reverse proxies in front of the server whose X-Forwarded-For / X-Forwarded-Proto are
    # trusted (werkzeug ProxyFix); 0: none, the client address is the TCP peer's.
    "TRUSTED_PROXY_COUNT": 0,
    "SQLITE_BUSY_TIMEOUT_MS": 30_000,
    "DB_POOL_SIZE": 10,
    # /api/v1/health says "degraded" when the instance or attachments folder has less free space
    "HEALTH_MIN_FREE_BYTES": 512 * 1024 * 1024,
    # The export cells are laid out in the background once no change has come in for this long
    # (sync_server.export.cell_worker); 0 or less: no background worker.
    "EXPORT_CELLS_IDLE_SECONDS": 2.0,
    "EXPORT_CELLS_ERROR_BACKOFF": 30.0,  # seconds before trying again after a failed pass
    "JSON_SORT_KEYS": False,
    # Web pages' session cookie: not readable by scripts, not sent on cross-site posts. Secure
    # (HTTPS only) by default; set SESSION_COOKIE_SECURE = False in the instance config only for
    # plain-HTTP loopback use such as `make run` and tests.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,  # seconds a web sign-in lasts
    # Bearer token of the Prometheus scraper for GET /metrics; None: /metrics is a 404.
    "METRICS_TOKEN": None,
}

ENV_VARS: dict[str, tuple[str, type]] = {
    "SURVEY_DATABASE_URL": ("DATABASE_URL", str),
    "SURVEY_SECRET_KEY": ("SECRET_KEY", str),
    "SURVEY_ATTACHMENTS_DIR": ("ATTACHMENTS_DIR", str),
    "SURVEY_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "SURVEY_TOKEN_LIFETIME_DAYS": ("TOKEN_LIFETIME_DAYS", int),
    "SURVEY_METRICS_TOKEN": ("METRICS_TOKEN", str),
    "SURVEY_TRUSTED_PROXY_COUNT": ("TRUSTED_PROXY_COUNT", int),
}


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the configuration keys set by ``SURVEY_*`` environment variables."""
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for var, (key, kind) in ENV_VARS.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        try:
            out[key] = kind(raw)
        except ValueError as exc:
            raise ValueError(f"{var} must be a {kind.__name__}, got {raw!r}") from exc
    return out


def finalise(config: dict[str, Any], instance_path: Path) -> None:
    """Fill the instance-relative defaults (database file, attachments dir, secret key)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'survey.sqlite3'}"
    if not config.get("ATTACHMENTS_DIR"):
        config["ATTACHMENTS_DIR"] = str(instance_path / "attachments")
    # the photos' folder readable by the server's user only, whatever the umask (a configured
    # folder whose parent is missing, e.g. an unmounted disk, is left for the admin to make)
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        Path(config["ATTACHMENTS_DIR"]).mkdir(mode=0o700)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path / "secret_key")


def _instance_secret(key_file: Path) -> str:
    """Read the instance's secret key, creating it once (safe when several workers start)."""
    import secrets
    import time

    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            key = key_file.read_text(encoding="utf-8").strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{key_file} is empty: delete it or set SURVEY_SECRET_KEY") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
