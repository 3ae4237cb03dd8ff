"""The supervisor web pages: sign-in, entries table, entry page, review, conflicts, dashboard,
administration (the ``review`` blueprint, server-rendered, no internet needed).

:func:`init_app` wires Flask-Babel (Indonesian by default, English switch), CSRF protection for
every form (the JSON API, which uses bearer tokens, is exempt) and the blueprint.
:func:`current_web_user` gives the signed-in supervisor/admin to other blueprints (export).
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from .auth import current_web_user, web_login_required

bp = Blueprint("review", __name__)
csrf = CSRFProtect()
babel = Babel()

# The view modules register their routes on bp.
from . import (  # noqa: E402
    pages_admin,
    pages_auth,
    pages_columns,
    pages_conflicts,
    pages_dashboard,
    pages_entries,
    pages_entry_form,
    pages_errors,
    pages_moves,
)

__all__ = [
    "bp",
    "current_web_user",
    "init_app",
    "pages_admin",
    "pages_auth",
    "pages_columns",
    "pages_conflicts",
    "pages_dashboard",
    "pages_entries",
    "pages_entry_form",
    "pages_errors",
    "pages_moves",
    "web_login_required",
]


def init_app(app: Flask) -> None:
    """Register the pages, translations and CSRF protection on ``app``."""
    from .i18n import select_locale, wib

    app.config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's lifetime
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    for name in ("api", "auth"):
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            csrf.exempt(blueprint)
    app.register_blueprint(bp)
    app.add_template_filter(wib, "wib")
