"""Refuse a NUL character anywhere in a request's path, query or form fields, up front.

No answer, name, comment or filter of this server can hold U+0000 (PostgreSQL's text cannot
store it, SQLite's would compare it unlike PostgreSQL), so a request carrying one is a broken
or hostile client: 400, in JSON under ``/api/`` and as the error page elsewhere, before any
database work. JSON bodies are checked where they are read (:mod:`.requests_json` for top-level
fields, :mod:`.payload` for answers); a NUL that still reaches the database is answered 400 by
the error handler (:mod:`.errors`), never 500.
"""

from __future__ import annotations

from flask import Flask, abort, request

from .errors import ApiError

__all__ = ["has_nul", "init_app"]


def has_nul() -> bool:
    """Whether the current request's path, query string or form fields hold a NUL."""
    if "\x00" in request.path:
        return True
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return True
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
    return False


def _refuse_nul() -> None:
    if has_nul():
        if request.path.startswith("/api/"):
            raise ApiError(400, "bad_request", detail="the request holds a NUL character")
        abort(400)


def init_app(app: Flask) -> None:
    """Check every request of ``app`` before its view runs."""
    app.before_request(_refuse_nul)
