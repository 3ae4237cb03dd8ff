"""The Flask application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_mod
from .db import make_engine
from .errors import SyncServerFlask, register_error_handlers
from .state import ServerState

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the sync server application.

    ``config`` may hold ``INSTANCE_PATH`` (default: ``$SURVEY_INSTANCE_PATH`` or ``./instance``)
    and any configuration key; it wins over the instance file and the environment. The database
    schema is not created here: run ``survey-server init-db``
    (or :func:`sync_server.migrate.upgrade`).
    """
    config = dict(config or {})
    instance = Path(
        config.pop("INSTANCE_PATH", None)
        or os.environ.get("SURVEY_INSTANCE_PATH")
        or Path.cwd() / "instance"
    ).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app = SyncServerFlask(
        "sync_server", instance_path=str(instance), instance_relative_config=True
    )
    app.config.from_mapping(config_mod.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_mod.env_overrides())
    app.config.update(config)
    config_mod.finalise(app.config, instance)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _trust_proxies(app)

    engine = make_engine(
        app.config["DATABASE_URL"],
        busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        pool_size=app.config["DB_POOL_SIZE"],
    )
    app.extensions["sync_server"] = ServerState(engine=engine, config=app.config)

    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .export.views import bp as export_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(export_bp)
    register_error_handlers(app)

    from .review import init_app as init_review_pages

    init_review_pages(app)

    from .observability import init_app as init_observability

    init_observability(app)
    _add_security_headers(app)

    from .input_guard import init_app as init_input_guard

    init_input_guard(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Take the client address (and scheme) from ``X-Forwarded-For`` (``-Proto``) as set by the
    ``TRUSTED_PROXY_COUNT`` reverse proxies in front; with 0 (the default) those headers are
    ignored and the client address is the TCP peer's."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def _add_security_headers(app: Flask) -> None:
    """CSP, framing, sniffing and referrer headers on every response (security_headers)."""
    from .security_headers import init_app as init_security_headers

    init_security_headers(app)
