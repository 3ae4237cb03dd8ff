"""An admin chooses the key-question columns of a form's entries table (``form_columns``)."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Connection, delete, insert, select
from werkzeug.wrappers import Response

from .. import audit
from ..clock import now_iso
from ..db import read_tx, write_tx
from ..schema import form_columns
from . import bp
from .auth import current_web_user, web_login_required
from .common import engine, form_versions, get_form
from .entry_columns import (
    MAX_COLUMNS,
    check_questions,
    choosable_questions,
    default_questions,
)
from .i18n import current_language

__all__ = ["calculated_labels", "chosen_questions", "total_labels"]


def total_labels() -> dict[str, str]:
    """Labels of the pilot's overall results (calculations without a label in the form),
    shown at the top of an entry page, in the page's language."""
    return {
        "skor_total": _("Overall score (weighted mean)"),
        "ikm": _("IKM (satisfaction index)"),
        "mutu_ikm": _("IKM grade"),
    }


def calculated_labels() -> dict[str, str]:
    """Column labels for calculations without a label, in the page's language."""
    labels = total_labels()
    labels["today"] = _("Interview date")
    for k in range(1, 7):
        labels[f"skor_k{k}"] = _("Score of component %(n)s", n=k)
    return labels


def chosen_questions(conn: Connection, form: Any, form_id: str) -> list[str]:
    """The admin's key questions of ``form_id`` still valid in ``form``, else the defaults."""
    row = conn.execute(
        select(form_columns.c.questions).where(form_columns.c.form_id == form_id)
    ).first()
    if row is not None:
        names = [n for n in json.loads(row.questions) if isinstance(n, str)]
        valid = [n for n in names if not check_questions(form, [n])]
        if valid:
            return valid[:MAX_COLUMNS]
    return default_questions(form, form_id)


@bp.route("/admin/forms/<form_id>/columns", methods=["GET", "POST"])
@web_login_required("admin")
def admin_form_columns(form_id: str) -> str | Response | tuple[str, int]:
    """Choose (POST ``question`` values, in order) or reset (``reset``) a form's columns."""
    with read_tx(engine()) as conn:
        versions = form_versions(conn, form_id)
        if not versions:
            abort(404)
        form = get_form(conn, form_id, versions[0]["version"])
        chosen = chosen_questions(conn, form, form_id)
    error = None
    if request.method == "POST":
        names = [n.strip() for n in request.form.getlist("question") if n.strip()][:50]
        names = list(dict.fromkeys(names))
        bad = check_questions(form, names)
        if request.form.get("reset"):
            names = []
        elif bad:
            error = _("These questions cannot be columns: %(names)s", names=", ".join(bad)[:300])
        elif len(names) > MAX_COLUMNS:
            error = ngettext(
                "Choose at most %(num)s question.", "Choose at most %(num)s questions.", MAX_COLUMNS
            )
        if error is None:
            user = current_web_user()
            with write_tx(engine()) as conn:
                conn.execute(delete(form_columns).where(form_columns.c.form_id == form_id))
                if names:
                    conn.execute(
                        insert(form_columns).values(
                            form_id=form_id,
                            questions=json.dumps(names),
                            updated_by=user.username,
                            updated_at=now_iso(),
                        )
                    )
                audit.record(
                    conn, user.username, "form.columns", "form", form_id, {"questions": names}
                )
            flash(_("Columns saved."), "success")
            return redirect(url_for("review.entries_table", form_id=form_id))
        chosen = [n for n in names if n not in bad]
    lang = current_language()
    labels = calculated_labels()
    options = [
        (q.name, q.label(lang, form.default_language) or labels.get(q.name, ""))
        for q in choosable_questions(form)
    ]
    page = render_template(
        "review/form_columns.html",
        form=form,
        form_id=form_id,
        chosen=chosen,
        options=options,
        slots=MAX_COLUMNS,
        error=error,
    )
    return (page, 400) if error else page
