"""Small helpers shared by the page modules: the engine, forms, messages, query arguments."""

from __future__ import annotations

from typing import Any

from flask import flash, g
from flask_babel import gettext as _
from sqlalchemy import Connection, Engine, func, select

from ..messages import message
from ..schema import forms
from ..service_errors import ServiceError
from ..state import state
from .i18n import current_language

__all__ = [
    "STATUS_LABELS",
    "engine",
    "flash_service_error",
    "form_versions",
    "get_form",
    "latest_versions",
    "seen_rev_error",
    "service_message",
    "status_label",
]


def engine() -> Engine:
    """The database engine of this app."""
    return state().engine


def get_form(conn: Connection, form_id: str, version: str) -> Any | None:
    """The compiled ``survey_forms.Form`` of a published version (cached), or ``None``."""
    return state().forms.get(conn, form_id, version)


def latest_versions(conn: Connection) -> list[dict[str, Any]]:
    """One row per form: ``form_id``, newest ``version``, its ``title`` and the version count."""
    newest = (
        select(forms.c.form_id, func.max(forms.c.version).label("version"), func.count().label("n"))
        .group_by(forms.c.form_id)
        .subquery()
    )
    rows = conn.execute(
        select(forms.c.form_id, forms.c.version, forms.c.title, newest.c.n)
        .join(
            newest,
            (newest.c.form_id == forms.c.form_id) & (newest.c.version == forms.c.version),
        )
        .order_by(forms.c.form_id)
    ).mappings()
    return [dict(r) for r in rows]


def form_versions(conn: Connection, form_id: str) -> list[dict[str, Any]]:
    """Every published version of ``form_id``, newest first."""
    rows = conn.execute(
        select(
            forms.c.form_id,
            forms.c.version,
            forms.c.title,
            forms.c.published_at,
            forms.c.published_by,
            forms.c.source_filename,
            forms.c.sha256,
        )
        .where(forms.c.form_id == form_id)
        .order_by(forms.c.version.desc())
    ).mappings()
    return [dict(r) for r in rows]


def service_message(exc: ServiceError) -> str:
    """The message of a refused service call in the current language."""
    return message(exc.code, **exc.params)[current_language()]


def seen_rev_error(posted: str | None, current: str) -> ServiceError | None:
    """Why a web write must not go on: the page posted no ``parent_rev`` (the revision the
    supervisor saw), or the entry has changed since (``current`` is the head the server just
    read and built the new answers on). ``None`` when the write may go on; the service checks
    ``parent_rev`` against the head again inside its write transaction."""
    if not posted:
        return ServiceError(422, "parent_rev_required")
    if posted != current:
        return ServiceError(409, "stale_parent", head_rev=current)
    return None


def flash_service_error(exc: ServiceError) -> None:
    """Show a refused service call (and its validation issues) as an error box."""
    text = service_message(exc)
    if isinstance(exc.details, list):
        lang = current_language()
        lines = [
            f"{d.get('path')}: {d.get('message', {}).get(lang, d.get('code'))}"
            for d in exc.details
            if isinstance(d, dict)
        ]
        if lines:
            text += " " + "; ".join(lines)
    flash(text, "error")


def status_label(status: str) -> str:
    """The review status in the current language (the labels are looked up once per request)."""
    labels = g.get("status_labels")
    if labels is None:
        labels = g.status_labels = {
            "received": _("Received"),
            "approved": _("Approved"),
            "needs_correction": _("Needs correction"),
            "rejected": _("Rejected"),
            "conflict": _("Conflict"),
        }
    return labels.get(status, status)


STATUS_LABELS = ("received", "approved", "needs_correction", "rejected", "conflict")
