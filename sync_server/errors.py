"""API errors and the JSON error renderer.

Every error leaving ``/api/`` is a JSON body ``{"error", "message", "message_id"}`` (plus optional
``"details"``). Views raise :class:`ApiError`; werkzeug's HTTP errors (404, 405, 413, ...) and
unexpected exceptions are turned into the same shape by :func:`register_error_handlers`.

A full disk (:mod:`sync_server.storage_full`: ``ENOSPC``/``EDQUOT``, SQLite's "database or
disk is full", PostgreSQL's ``disk_full``) on any write becomes ``ServiceError(507,
"storage_full")`` before an error handler is chosen (:class:`SyncServerFlask`), so the API
answers it as JSON and the web pages with their own error page; it is logged as one line naming
what was full, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .messages import message
from .service_errors import ServiceError
from .storage_full import describe, is_storage_full

__all__ = ["ApiError", "SyncServerFlask", "error_response", "register_error_handlers"]

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ApiError(ServiceError):
    """An error answered as JSON with an HTTP status and a catalog message code."""


class SyncServerFlask(Flask):
    """The server's Flask: a full disk raised by a view becomes 507 ``storage_full``."""

    def handle_user_exception(self, e: Exception) -> Any:
        """Turn a full disk into ``ServiceError(507, "storage_full")`` (logged once, no
        traceback), then let the handler of the API or of the web pages render it."""
        if not isinstance(e, ServiceError | HTTPException) and is_storage_full(e):
            log.error(
                "server storage full: %s %s refused with 507 (%s); free disk space for the "
                "attachments folder %s and the database",
                request.method, request.path, describe(e), self.config.get("ATTACHMENTS_DIR"),
            )
            e = ServiceError(507, "storage_full")
        return super().handle_user_exception(e)


def error_response(
    status: int,
    code: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    /,
    **params: object,
) -> Response:
    """Build the JSON error response for ``code``."""
    text = message(code, **params)
    body: dict[str, Any] = {"error": code, "message": text["en"], "message_id": text["id"]}
    if details is not None:
        body["details"] = details
    resp = jsonify(body)
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _is_nul_refusal(exc: BaseException) -> bool:
    """PostgreSQL refusing a NUL character in text (psycopg's DataError, wrapped by
    SQLAlchemy), anywhere in the exception's chain."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if "NUL (0x00)" in str(current) or "contain NUL" in str(current):
            return True
        current = current.__cause__ or getattr(current, "orig", None)
        seen += 1
    return False


def register_error_handlers(app: Flask) -> None:
    """Render :class:`ApiError`, HTTP errors and crashes as JSON bodies."""

    @app.errorhandler(ServiceError)
    def _api_error(exc: ServiceError) -> Response:
        return error_response(exc.status, exc.code, exc.details, exc.headers, **exc.params)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        status = exc.code or 500
        if not request.path.startswith("/api/") and status not in (413,):
            return exc
        code = _HTTP_CODES.get(status)
        if status == 413:
            return error_response(413, "too_large", limit=app.config["MAX_CONTENT_LENGTH"])
        if code == "bad_request":
            return error_response(400, code, detail=exc.description or "")
        if code is None:
            return error_response(status, "bad_request", detail=exc.name)
        return error_response(status, code)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response | tuple[str, int]:
        if _is_nul_refusal(exc):  # bad input that slipped past the checks: a 400, not a 500
            log.warning("NUL character reached the database on %s %s", request.method, request.path)
            if request.path.startswith("/api/"):
                return error_response(400, "bad_request", detail="text holds a NUL character")
            return (
                "Permintaan tidak valid: teks berisi karakter NUL. / "
                "Bad request: text holds a NUL character.",
                400,
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error")
