"""Editing an entry through its form (supervisors of its region, admins): the same questions,
labels, choices, skip logic, constraints and repeats as the tablet, rebuilt by the server on
each round trip (:mod:`.form_editor`), saved as one revision by
:func:`sync_server.entries.edit_entry` (validated and recalculated on the server)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey_forms.session import TooManyInstancesError

from .. import entries as entries_mod
from ..db import read_tx
from ..service_errors import ServiceError
from ..state import state
from . import bp
from .auth import current_web_user, web_login_required
from .common import engine, flash_service_error, get_form, service_message
from .form_editor import apply_action, apply_posted, form_items
from .i18n import current_language
from .pages_entries import entry_name

__all__ = ["entry_form", "entry_form_post"]

#: the most field keys one round trip reads (the pilot's observation form has about 120)
MAX_FIELDS = 3000


def _editable_entry(entry_id: str) -> tuple[dict[str, Any], Any]:
    """The entry and its form version, for a user who may edit it (404/403/409 otherwise)."""
    user = current_web_user()
    if user.role == "officer":
        abort(403)
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, user, entry_id)
        form = get_form(conn, entry["form_id"], entry["form_version"])
        entry["name"] = entry_name(conn, entry_id)
    if form is None:
        abort(404)
    if entry["deleted"] or entry["review_status"] == "conflict":
        abort(409)
    return entry, form


def _render(
    entry: dict[str, Any],
    form: Any,
    session: Any,
    *,
    parent_rev: str,
    comment: str = "",
    problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    lang = current_language()
    page = render_template(
        "review/entry_form.html",
        entry=entry,
        form=form,
        items=form_items(form, session, lang),
        state_json=json.dumps(session.answers(), ensure_ascii=False, separators=(",", ":")),
        parent_rev=parent_rev,
        comment=comment,
        problems=problems or [],
        list_query=request.values.get("list", "")[:2000],
    )
    return page, status


@bp.get("/entries/<entry_id>/form")
@web_login_required()
def entry_form(entry_id: str) -> tuple[str, int]:
    """The entry's answers in its form, ready to edit."""
    entry, form = _editable_entry(entry_id)
    session = form.new_session(entry["answers"])
    return _render(entry, form, session, parent_rev=entry["rev"])


def _issue_texts(details: Any, lang: str, form: Any) -> list[str]:
    """"<question label> (#n): <message>" for each validation issue (path ``a[0]/b``)."""
    out = []
    for issue in details if isinstance(details, list) else []:
        message = issue.get("message") or {}
        text = str(message.get(lang) or message.get("en", ""))
        path = str(issue.get("path", ""))
        name = re.sub(r"\[\d+\]", "", path.rsplit("/", 1)[-1])
        where = path
        if name and form.has_question(name):
            where = form.question(name).label(lang, form.default_language) or name
            numbers = [int(n) + 1 for n in re.findall(r"\[(\d+)\]", path)]
            where += "".join(f" #{n}" for n in numbers)
        out.append(f"{where}: {text}" if where else text)
    return out


@bp.post("/entries/<entry_id>/form")
@web_login_required()
def entry_form_post(entry_id: str) -> Response | tuple[str, int]:
    """One round trip: the posted answers put into the form, then ``do``: ``update`` (show the
    form again: skip logic, choice filters, errors), ``add:...``/``remove:...`` (a repeat
    instance) or ``save`` (one new revision, then back to the entry page)."""
    entry, form = _editable_entry(entry_id)
    lang = current_language()
    # the revision the supervisor opened: the save is refused (409) if the entry changed since
    parent_rev = request.form.get("parent_rev", "")[:100]
    comment = request.form.get("comment", "").strip()[:5000]
    try:
        working = json.loads(request.form.get("state", ""))
        if not isinstance(working, dict):
            raise ValueError("not an object")
        session = form.new_session(working)
    except (ValueError, TypeError, RecursionError):
        flash(_("The form could not be read back; it was reloaded from the entry."), "error")
        return redirect(url_for("review.entry_form", entry_id=entry_id))
    keys = request.form.getlist("f")[:MAX_FIELDS]
    apply_posted(form, session, keys, request.form.getlist)
    action = request.form.get("do", "update")[:200]
    problems: list[str] = []
    if action.startswith(("add:", "remove:")):
        try:
            apply_action(session, action)
        except TooManyInstancesError:
            problems.append(_("The entry already has as many repeat items as it may have."))
        except ValueError:
            problems.append(_("That repeat item is not there any more."))
    if action != "save":
        return _render(
            entry, form, session, parent_rev=parent_rev, comment=comment, problems=problems
        )
    errors = session.errors()
    if errors:
        problems = _issue_texts([e.to_json() for e in errors[:20]], lang, form)
        problems.insert(0, _("Not saved: correct the answers marked below."))
        return _render(
            entry, form, session, parent_rev=parent_rev, comment=comment, problems=problems,
            status=422,
        )  # fmt: skip
    try:
        entries_mod.edit_entry(
            engine(),
            state().forms,
            current_web_user(),
            entry_id,
            parent_rev or None,
            session.answers(),
            comment or None,
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        if exc.code in ("stale_parent", "parent_rev_required", "region_change_needs_move"):
            # nothing saved, and the supervisor's answers stay on the page (to compare with the
            # entry's new revision, opened again from the entry page)
            problems = [service_message(exc)]
            return _render(
                entry, form, session, parent_rev=parent_rev, comment=comment,
                problems=problems, status=exc.status,
            )  # fmt: skip
        if exc.code == "invalid":
            problems = [_("Not saved: correct the answers marked below.")]
            problems += _issue_texts(exc.details, lang, form)
            return _render(
                entry, form, session, parent_rev=parent_rev, comment=comment,
                problems=problems, status=422,
            )  # fmt: skip
        flash_service_error(exc)
        return redirect(url_for("review.entry_form", entry_id=entry_id))
    flash(_("Entry saved through the form; a new revision was made."), "success")
    target = url_for("review.entry_page", entry_id=entry_id)
    query = request.form.get("list", "")[:2000]
    return redirect(target + ("?" + urlencode({"list": query}) if query else ""))
