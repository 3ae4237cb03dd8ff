"""The conflict queue and the conflict page: base value and both sides side by side per field;
the supervisor picks one or types a value, and the core's ``resolve_conflict`` makes the new
revision that flows back to the tablet.

A merged head that does not validate has conflicts of kind ``"invalid"`` (the path and why);
their rows show the issue and the current value, and the page has extra rows to change any
other answer (e.g. add the note a merged answer now requires). The resolution is validated as a
whole by ``resolve_conflict``."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import entries as entries_mod
from ..db import read_tx
from ..entry_filters import apply_user_scope
from ..schema import entries
from ..service_errors import ServiceError
from ..state import state
from . import bp
from .answer_input import parse_answer, raw_text
from .auth import current_web_user, web_login_required
from .common import engine, flash_service_error, get_form, seen_rev_error
from .diffs import set_path
from .entry_display import display_value
from .i18n import current_language

CHOICES = ("ours", "theirs", "base", "custom")
EXTRA_ROWS = 3  # "also change another answer" rows on the conflict page


@bp.get("/conflicts")
@web_login_required()
def conflicts_queue() -> str:
    """Entries in conflict that the user may resolve, most recently changed first."""
    stmt = (
        select(
            entries.c.entry_id,
            entries.c.form_id,
            entries.c.region,
            entries.c.officer,
            entries.c.conflicts,
            entries.c.updated_at,
        )
        .where(entries.c.review_status == "conflict", entries.c.deleted_at.is_(None))
        .order_by(entries.c.updated_at.desc(), entries.c.entry_id)
        .limit(500)
    )
    with read_tx(engine()) as conn:
        rows = [
            dict(r) for r in conn.execute(apply_user_scope(stmt, current_web_user())).mappings()
        ]
    for row in rows:
        row["n_conflicts"] = row.pop("conflicts").count('"path"')
    return render_template("review/conflicts.html", rows=rows)


def _question_of(form: Any, path: str) -> Any | None:
    name = re.sub(r"\[\d+\]", "", path.rsplit("/", 1)[-1])
    return form.question(name) if form is not None and form.has_question(name) else None


def _side_text(form: Any, question: Any, value: Any, lang: str) -> str:
    if value is None:
        return ""
    if question is None or question.is_group:
        return raw_text("text", value)
    return display_value(form, question, value, lang)


@bp.get("/entries/<entry_id>/conflict")
@web_login_required()
def conflict_page(entry_id: str) -> str | Response:
    """Each conflicting field: base, one side, the other side, and a box to type a value."""
    lang = current_language()
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, current_web_user(), entry_id)
        form = get_form(conn, entry["form_id"], entry["form_version"])
    if entry["review_status"] != "conflict":
        flash(_("This entry has no conflict to resolve."), "info")
        return redirect(url_for("review.entry_page", entry_id=entry_id))
    items = []
    for i, conflict in enumerate(entry["conflicts"]):
        question = _question_of(form, conflict["path"])
        kind = question.type if question is not None else "text"
        message = conflict.get("message") if conflict.get("kind") == "invalid" else None
        items.append(
            {
                "index": i,
                "kind": conflict.get("kind", "field"),
                "issue": message.get(lang, message.get("en", "")) if message else "",
                "path": conflict["path"],
                "label": question.label(lang, form.default_language) if question else "",
                "sides": {
                    side: _side_text(form, question, conflict.get(side), lang)
                    for side in ("base", "ours", "theirs")
                },
                "raw": raw_text(kind, conflict.get("ours")),
            }
        )
    return render_template(
        "review/conflict.html", entry=entry, items=items, extra_rows=range(EXTRA_ROWS)
    )


def _index_key(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", path)]


def _apply_values(answers: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """Set every ``(path, value)`` (a later change of the same path wins, so the extra rows
    override a conflict row); removals last, highest repeat index first, so removing one
    instance never shifts another change onto the wrong instance."""
    final = dict(changes)
    sets = [(p, v) for p, v in final.items() if v is not None]
    removals = sorted((p for p, v in final.items() if v is None), key=_index_key, reverse=True)
    for path, value in sets:
        answers = set_path(answers, path, value)
    for path in removals:
        answers = set_path(answers, path, None)
    return answers


_BAD: Any = object()


def _parsed(form: Any, path: str, raw: str) -> Any:
    """The typed value for ``raw`` at ``path`` (``_BAD`` after flashing why it is not)."""
    question = _question_of(form, path)
    kind = question.type if question is not None else "text"
    try:
        return parse_answer(kind, raw)
    except ValueError:
        flash(_("“%(value)s” is not a valid value for this question.", value=raw[:80]), "error")
        return _BAD


@bp.post("/entries/<entry_id>/resolve")
@web_login_required()
def conflict_resolve(entry_id: str) -> Response:
    """Apply the chosen value of every conflicting field and resolve with a new revision."""
    user = current_web_user()
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, user, entry_id)
        form = get_form(conn, entry["form_id"], entry["form_version"])
    back = url_for("review.conflict_page", entry_id=entry_id)
    parent_rev = request.form.get("parent_rev", "")[:100]
    stale = seen_rev_error(parent_rev, entry["rev"])  # the choices were made on that revision
    if stale is not None:
        flash_service_error(stale)
        return redirect(back)
    changes: list[tuple[str, Any]] = []
    for i, conflict in enumerate(entry["conflicts"]):
        choice = request.form.get(f"choice_{i}", "ours")
        if choice not in CHOICES:
            choice = "ours"
        if choice == "custom":
            raw = request.form.get(f"value_{i}", "")
            value = _parsed(form, conflict["path"], raw)
            if value is _BAD:
                return redirect(back)
        else:
            value = conflict.get(choice)
        changes.append((conflict["path"], value))
    for n in range(EXTRA_ROWS):
        path = request.form.get(f"extra_path_{n}", "").strip()
        if not path:
            continue
        value = _parsed(form, path, request.form.get(f"extra_value_{n}", ""))
        if value is _BAD:
            return redirect(back)
        changes.append((path, value))
    try:
        answers = _apply_values(entry["answers"], changes)
    except ValueError:
        flash(_("The entry changed meanwhile; look at the conflict again."), "error")
        return redirect(back)
    comment = request.form.get("comment", "").strip()[:5000] or None
    try:
        entries_mod.resolve_conflict(
            engine(),
            state().forms,
            user,
            entry_id,
            answers,
            comment,
            parent_rev=parent_rev,
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash_service_error(exc)
        return redirect(back)
    flash(_("Conflict resolved; the new revision goes back to the tablet."), "success")
    return redirect(url_for("review.entry_page", entry_id=entry_id))
