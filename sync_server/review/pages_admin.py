"""Administration (admins only): users, forms (upload an XLSForm, versions, load errors with
their sheet and row) and the audit log."""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import users as users_mod
from ..db import read_tx, write_tx
from ..forms_store import (
    FormIncompatibleError,
    FormVersionExistsError,
    load_form_source,
    publish,
)
from ..schema import ROLES, audit_log, device_tokens
from . import bp
from .auth import current_web_user, web_login_required
from .common import engine, form_versions, latest_versions

FORM_TYPES = ("xlsx", "xls", "csv", "md")
AUDIT_PAGE = 100


def _regions(raw: str) -> list[str]:
    return [r for r in re.split(r"[\s,;]+", raw.strip()) if r]


@bp.get("/admin/users")
@web_login_required("admin")
def admin_users() -> str:
    """Every account with its role, regions and active device tokens."""
    with read_tx(engine()) as conn:
        people = users_mod.list_users(conn)
        tokens: dict[int, int] = {}
        for row in conn.execute(
            select(device_tokens.c.user_id).where(device_tokens.c.revoked_at.is_(None))
        ):
            tokens[row.user_id] = tokens.get(row.user_id, 0) + 1
    return render_template("review/admin_users.html", people=people, tokens=tokens, roles=ROLES)


def _user_error(exc: users_mod.UserError) -> None:
    flash(_("Not saved: %(detail)s", detail=str(exc)), "error")


@bp.post("/admin/users")
@web_login_required("admin")
def admin_user_create() -> Response:
    """Create an account from the form."""
    form = request.form
    try:
        with write_tx(engine()) as conn:
            users_mod.create_user(
                conn,
                form.get("username", "").strip().lower(),
                form.get("password", ""),
                form.get("role", ""),
                _regions(form.get("regions", "")),
                form.get("full_name", "").strip()[:200],
                actor=current_web_user().username,
            )
    except users_mod.UserError as exc:
        _user_error(exc)
    else:
        flash(_("User %(name)s created.", name=form.get("username", "").strip().lower()), "success")
    return redirect(url_for("review.admin_users"))


@bp.post("/admin/users/<username>")
@web_login_required("admin")
def admin_user_update(username: str) -> Response:
    """Change role, regions, name and active flag; or reset the password; or revoke tokens."""
    actor = current_web_user().username
    action = request.form.get("action", "update")
    try:
        with write_tx(engine()) as conn:
            if action == "password":
                users_mod.set_password(conn, username, request.form.get("password", ""), actor)
                message = _("Password of %(name)s reset.", name=username)
            elif action == "revoke":
                count = users_mod.revoke_user_tokens(conn, username, actor)
                message = ngettext(
                    "%(num)s device token of %(name)s revoked.",
                    "%(num)s device tokens of %(name)s revoked.",
                    count,
                    name=username,
                )
            else:
                users_mod.update_user(
                    conn,
                    username,
                    role=request.form.get("role", ""),
                    regions=_regions(request.form.get("regions", "")),
                    full_name=request.form.get("full_name", "").strip()[:200],
                    active=request.form.get("active") == "1",
                    actor=actor,
                )
                message = _("User %(name)s saved.", name=username)
    except users_mod.UserError as exc:
        _user_error(exc)
    else:
        flash(message, "success")
    return redirect(url_for("review.admin_users"))


@bp.get("/admin/forms")
@web_login_required("admin")
def admin_forms() -> str:
    """The forms with every published version, and the upload box."""
    with read_tx(engine()) as conn:
        forms = [
            {**f, "versions": form_versions(conn, f["form_id"])} for f in latest_versions(conn)
        ]
    return render_template("review/admin_forms.html", forms=forms, load_error=None)


def _incompatibility_text(old_version: str, problem: Any) -> str:
    """One translated line for a ``survey_forms.compat.Incompatibility``."""
    if problem.kind == "type":
        return _(
            "Question %(name)s (row %(row)s) changes type from %(before)s to %(after)s "
            "(published in version %(old)s); only a change to text, or integer to decimal, "
            "is allowed.",
            name=problem.name,
            row=problem.row,
            before=problem.before,
            after=problem.after,
            old=old_version,
        )
    if problem.kind == "repeat":
        return _(
            "Question %(name)s (row %(row)s) moves from repeat %(before)s to %(after)s "
            "(published in version %(old)s).",
            name=problem.name,
            row=problem.row,
            before=problem.before or "-",
            after=problem.after or "-",
            old=old_version,
        )
    return problem.describe()


#: How many of a published form's load warnings are flashed (the rest are counted).
MAX_WARNINGS_SHOWN = 10


@bp.post("/admin/forms")
@web_login_required("admin")
def admin_form_upload() -> Response | tuple[str, int]:
    """Load an uploaded XLSForm and publish it; load errors are shown with sheet and row."""
    from survey_forms import FormError

    upload = request.files.get("file")
    name = PurePath(upload.filename or "").name if upload else ""
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    error = None
    if not upload or not name:
        error = {"message": _("Choose a file to upload.")}
    elif kind not in FORM_TYPES:
        error = {"message": _("Upload an XLSForm file: .xlsx, .xls, .csv or .md.")}
    else:
        data = upload.read()
        media = {
            PurePath(item.filename).name: item.read()
            for item in request.files.getlist("media")
            if item and item.filename
        }
        try:
            form = load_form_source(data, kind, form_id=name.rsplit(".", 1)[0], media=media)
            with write_tx(engine()) as conn:
                result = publish(conn, form, data, name, current_web_user().username)
        except FormError as exc:
            # Indonesian first, then English (each names the sheet, row and what to change)
            text = exc.message
            error = {
                "message": text["id"],
                "details": [text["en"]],
                "sheet": exc.sheet,
                "row": exc.row,
            }
        except FormVersionExistsError as exc:
            error = {
                "message": _(
                    "Version %(version)s of %(form)s is already published with other content; "
                    "raise the version in the settings sheet.",
                    version=exc.version,
                    form=exc.form_id,
                )
            }
        except FormIncompatibleError as exc:
            error = {
                "message": _(
                    "Version %(version)s of %(form)s would break the data of earlier versions; "
                    "nothing was published. Give a changed question a new name instead.",
                    version=exc.version,
                    form=exc.form_id,
                ),
                "details": [_incompatibility_text(old, problem) for old, problem in exc.problems],
            }
        else:
            if result["status"] == "unchanged":
                flash(_("This version was already published; nothing changed."), "info")
            else:
                flash(
                    _(
                        "Form %(form)s version %(version)s published.",
                        form=result["form_id"],
                        version=result["version"],
                    ),
                    "success",
                )
                if result["media"]:
                    flash(
                        _("Kept with it: %(files)s.", files=", ".join(result["media"])), "info"
                    )
            for warning in form.warnings[:MAX_WARNINGS_SHOWN]:
                flash(f"{warning.message['id']} / {warning.message['en']}", "info")
            if len(form.warnings) > MAX_WARNINGS_SHOWN:
                more = len(form.warnings) - MAX_WARNINGS_SHOWN
                flash(ngettext("… and %(num)s more warning, not shown.",
                               "… and %(num)s more warnings, not shown.", more), "info")
            return redirect(url_for("review.admin_forms"))
    with read_tx(engine()) as conn:
        forms = [
            {**f, "versions": form_versions(conn, f["form_id"])} for f in latest_versions(conn)
        ]
    error["filename"] = name
    return render_template("review/admin_forms.html", forms=forms, load_error=error), 400


@bp.get("/admin/audit")
@web_login_required("admin")
def admin_audit() -> str:
    """The audit log, newest first, 100 rows a page (keyset on the row id)."""
    before = request.args.get("before", "")
    stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(AUDIT_PAGE + 1)
    if before.isascii() and before.isdigit() and len(before) <= 18:
        stmt = stmt.where(audit_log.c.id < int(before))
    actor = (request.args.get("actor") or "").strip()[:64]
    if actor:
        stmt = stmt.where(audit_log.c.actor == actor)
    with read_tx(engine()) as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    for row in rows:
        details = json.loads(row["details"] or "{}")
        row["details_text"] = ", ".join(f"{k}={v}" for k, v in details.items())
    return render_template(
        "review/admin_audit.html",
        rows=rows,
        next_before=rows[-1]["id"] if more and rows else None,
        actor=actor,
    )
