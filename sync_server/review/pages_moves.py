"""The admin's form on the entry page that moves an entry to another region or officer."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..entry_moves import move_entry
from ..service_errors import ServiceError
from ..state import state
from . import bp
from .auth import current_web_user, web_login_required
from .common import engine, flash_service_error


@bp.post("/entries/<entry_id>/move")
@web_login_required("admin")
def entry_move(entry_id: str) -> Response:
    """Move the entry (admins); the officer's tablet receives the change at its next sync."""
    region = request.form.get("region", "").strip()[:32] or None
    officer = request.form.get("officer", "").strip()[:64] or None
    target = url_for("review.entry_page", entry_id=entry_id)
    if region is None and officer is None:
        flash(_("Give a region or an officer."), "error")
        return redirect(target)
    try:
        moved = move_entry(
            engine(), state().forms, current_web_user(), entry_id, region=region, officer=officer
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash_service_error(exc)
    else:
        flash(
            _(
                "Entry moved: region %(region)s, officer %(officer)s.",
                region=moved["region"],
                officer=moved["officer"],
            ),
            "success",
        )
    return redirect(target)
