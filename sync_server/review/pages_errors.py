"""Error pages of the web pages: a friendly page in the current language, never a traceback."""

from __future__ import annotations

import logging

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..service_errors import ServiceError
from . import bp
from .common import service_message

log = logging.getLogger(__name__)


def _page(status: int, text: str) -> tuple[str, int]:
    return render_template("review/error.html", status=status, text=text), status


@bp.app_errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return _page(
        400, _("The form expired or was sent from another site. Reload the page and try again.")
    )


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> tuple[str, int]:
    return _page(exc.status, service_message(exc))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int]:
    status = exc.code or 500
    texts = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("Not found, or you do not have access to it."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
    }
    return _page(status, texts.get(status, _("Something went wrong.")))


@bp.errorhandler(Exception)
def _crash(exc: Exception) -> tuple[str, int]:
    log.exception("unhandled error in the review pages")
    return _page(500, _("Something went wrong on the server. The error was logged."))
