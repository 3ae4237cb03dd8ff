"""The forms list, the entries table, the entry page, review (one or many) and supervisor edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import attachments as files
from .. import audit
from .. import entries as entries_mod
from ..attachment_access import proven_hashes
from ..attachment_integrity import forget_lost
from ..attachment_serving import send_attachment
from ..db import read_tx
from ..entry_filters import EntryFilter, FilterError, apply_user_scope, from_args, to_args
from ..schema import entries, revisions
from ..service_errors import ServiceError
from ..state import state
from . import bp
from .answer_input import parse_answer
from .answer_paths import parse_path, with_answer
from .auth import current_web_user, safe_next, web_login_required
from .common import (
    engine,
    flash_service_error,
    form_versions,
    get_form,
    latest_versions,
    seen_rev_error,
    status_label,
)
from .diffs import history_with_diffs, human_path
from .entry_columns import region_label, table_cells, table_columns
from .entry_display import answer_blocks, meta_fields, score_summary
from .i18n import current_language
from .pages_columns import calculated_labels, chosen_questions, total_labels
from .table import SORTS, counts_exclude, encode_cursor, fetch_page, status_counts


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {
        "web_user": current_web_user,
        "status_label": status_label,
        "lang": current_language,
        "human_path": human_path,
    }


@bp.get("/review")
def review_home() -> Response:
    """``/review`` (the address ``make run`` prints) leads to the forms list."""
    return redirect(url_for("review.index"))


@bp.get("/")
@web_login_required()
def index() -> str:
    """The published forms with how many entries the user can see in each."""
    user = current_web_user()
    with read_tx(engine()) as conn:
        forms = latest_versions(conn)
        stmt = select(entries.c.form_id, func.count()).where(entries.c.deleted_at.is_(None))
        stmt = apply_user_scope(stmt, user).group_by(entries.c.form_id)
        counts = dict(conn.execute(stmt).all())
    return render_template("review/index.html", forms=forms, counts=counts)


def _export_links(form_id: str, flt: EntryFilter) -> dict[str, str]:
    args = {k: v for k, v in to_args(flt).items() if k != "form_id"}
    query = ("?" + urlencode(args)) if args else ""
    return {
        "csv": f"/export/{form_id}.csv{query}",
        "zip": f"/export/{form_id}.zip{query}",
        "xlsx": f"/export/{form_id}.xlsx{query}",
        "size": f"/export/{form_id}/size{query}",
    }


@bp.get("/forms/<form_id>/entries")
@web_login_required()
def entries_table(form_id: str) -> str | tuple[str, int]:
    """The entries of one form: filters, counts per status, sorting and keyset pages."""
    user = current_web_user()
    versions = []
    error = None
    try:
        flt = from_args(request.args, form_id=form_id)
    except FilterError as exc:
        error = exc.messages[current_language()]
        flt = EntryFilter(form_id=form_id)
    sort = request.args.get("sort", "submitted")
    descending = request.args.get("dir", "desc") != "asc"
    with read_tx(engine()) as conn:
        versions = form_versions(conn, form_id)
        if not versions:
            abort(404)
        form = get_form(conn, form_id, versions[0]["version"])
        page = fetch_page(
            conn,
            user,
            flt,
            sort=sort,
            descending=descending,
            cursor=request.args.get("after") or None,
        )
        counts = status_counts(conn, user, flt)
        chosen = chosen_questions(conn, form, form_id)
    lang = current_language()
    kecamatan = form.question("kecamatan") if form.has_question("kecamatan") else None
    columns = table_columns(form, chosen, lang, calculated_labels())
    cells = {
        row["entry_id"]: table_cells(form, columns, page.answers.get(row["entry_id"], {}), lang)
        for row in page.rows
    }
    regions_shown = {row["region"]: region_label(form, row["region"], lang) for row in page.rows}
    # the table's own parameters only: the template passes them to url_for(), whose own
    # arguments (form_id, _method, endpoint, ...) must never come from the query string
    args = {k: v for k, v in to_args(flt).items() if k != "form_id"}
    args.update({k: request.args[k] for k in ("sort", "dir") if k in request.args})
    regions = [
        (code, region_label(form, code, lang))
        for code in (sorted(user.regions) if user.role != "admin" else [])
    ]
    kecamatan_choices = []
    if kecamatan is not None and kecamatan.list_name:
        for choice in form.choices.get(kecamatan.list_name, []):
            parent = choice.columns.get("kabkota") or choice.name.rsplit(".", 1)[0]
            if user.role == "admin" or parent in user.regions:
                kecamatan_choices.append((choice.name, choice.label(lang, form.default_language)))
    return render_template(
        "review/entries.html",
        form=form,
        form_id=form_id,
        flt=flt,
        page=page,
        counts=counts,
        total=sum(counts.values()),
        counts_partial=counts_exclude(flt),
        columns=columns,
        cells=cells,
        region_labels=regions_shown,
        list_query=urlencode(args),
        args=args,
        sorts=list(SORTS),
        error=error,
        regions=regions,
        kecamatan_choices=kecamatan_choices,
        export=_export_links(form_id, flt),
    ), (400 if error else 200)


#: longest ``list`` parameter (the entries table's query string) carried by the entry pages
_MAX_LIST = 2000


def _list_query() -> str:
    """The entries table's query string the entry page was opened from (``list``), or ""."""
    raw = request.values.get("list", "")
    return raw if len(raw) <= _MAX_LIST else ""


def neighbours(conn: Any, user: Any, entry_id: str, form_id: str, query: str) -> dict[str, Any]:
    """The previous and next entry ids of ``entry_id`` in the entries table opened with
    ``query`` (its filters, sort and direction), and the table's address; ``None`` where there
    is none (or the query is not a valid filter)."""
    args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=False).items()}
    out: dict[str, Any] = {"previous": None, "next": None}
    out["table"] = url_for("review.entries_table", form_id=form_id) + ("?" + query if query else "")
    try:
        flt = from_args(args, form_id=form_id)
    except FilterError:
        return out
    sort = args.get("sort", "submitted")
    sort = sort if sort in SORTS else "submitted"
    descending = args.get("dir", "desc") != "asc"
    value = conn.execute(select(SORTS[sort]).where(entries.c.entry_id == entry_id)).scalar()
    cursor = encode_cursor(value, entry_id)
    for key, direction in (("next", descending), ("previous", not descending)):
        page = fetch_page(conn, user, flt, sort=sort, descending=direction, cursor=cursor, limit=1)
        out[key] = page.rows[0]["entry_id"] if page.rows else None
    return out


def entry_name(conn: Any, entry_id: str) -> str:
    """The entry's name (``entries.entry_name``), or "" when it has none."""
    found = conn.execute(select(entries.c.entry_name).where(entries.c.entry_id == entry_id))
    return found.scalar() or ""


def _entry_url(entry_id: str, query: str) -> str:
    base = url_for("review.entry_page", entry_id=entry_id)
    return base + ("?" + urlencode({"list": query}) if query else "")


def _revision_answers(entry_id: str) -> dict[str, dict[str, Any]]:
    with read_tx(engine()) as conn:
        rows = conn.execute(
            select(revisions.c.rev, revisions.c.answers).where(revisions.c.entry_id == entry_id)
        )
        return {row.rev: json.loads(row.answers) for row in rows}


@bp.get("/entries/<entry_id>")
@web_login_required()
def entry_page(entry_id: str) -> str:
    """One entry: answers grouped as in the form, photos, GPS, metadata, history, review."""
    user = current_web_user()
    lang = current_language()
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, user, entry_id)
        form = get_form(conn, entry["form_id"], entry["form_version"])
        comments = [
            row for row in audit.history(conn, "entry", entry_id) if row["details"].get("comment")
        ]
        query = _list_query()
        around = neighbours(conn, user, entry_id, entry["form_id"], query)
        name = entry_name(conn, entry_id)
    if form is None:
        abort(404)
    history = history_with_diffs(entry["revisions"], _revision_answers(entry_id))
    return render_template(
        "review/entry.html",
        entry=entry,
        form=form,
        blocks=answer_blocks(form, entry["answers"], lang),
        meta_answers=meta_fields(form, entry["answers"]),
        history=list(reversed(history)),
        settable=entries_mod.SETTABLE_STATUSES,
        comments=list(reversed(comments)),
        scores=score_summary(form, entry["answers"], lang, total_labels()),
        around=around,
        list_query=query,
        region_name=region_label(form, entry["region"], lang),
        entry_name=name,
        entry_url=_entry_url,
    )


@bp.post("/entries/<entry_id>/review")
@web_login_required()
def entry_review(entry_id: str) -> Response:
    """Set the review status (with a comment that goes back to the officer's tablet)."""
    status = request.form.get("status", "")
    comment = request.form.get("comment", "").strip()[:5000] or None
    query = _list_query()
    here = _entry_url(entry_id, query)
    if status == "needs_correction" and not comment:
        flash(_("Write what the officer must correct."), "error")
        return redirect(here)
    user = current_web_user()
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, user, entry_id)
        # the next entry of the list as it was before this review (a status filter or sort
        # would otherwise move this entry out of its place)
        around = neighbours(conn, user, entry_id, entry["form_id"], query)
    try:
        entries_mod.set_review(engine(), user, entry_id, status, comment)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash_service_error(exc)
        return redirect(here)
    flash(_("Review saved: %(status)s.", status=status_label(status)), "success")
    if request.form.get("stay") or not around["next"]:
        if not around["next"] and not request.form.get("stay"):
            flash(_("That was the last entry of the list."), "info")
            return redirect(around["table"])
        return redirect(here)
    return redirect(_entry_url(around["next"], query))


@bp.post("/forms/<form_id>/entries/review")
@web_login_required()
def bulk_review(form_id: str) -> Response:
    """Review the selected entries at once; reports how many were saved and which failed."""
    status = request.form.get("status", "")
    comment = request.form.get("comment", "").strip()[:5000] or None
    ids = request.form.getlist("entry_id")[:500]
    back = safe_next(request.form.get("back"), url_for("review.entries_table", form_id=form_id))
    if not ids:
        flash(_("Select at least one entry."), "error")
        return redirect(back)
    if status == "needs_correction" and not comment:
        flash(_("Write what the officer must correct."), "error")
        return redirect(back)
    done, failed = 0, []
    for entry_id in ids:
        try:
            entries_mod.set_review(engine(), current_web_user(), entry_id, status, comment)
            done += 1
        except ServiceError as exc:
            failed.append(f"{entry_id[:8]}: {exc.code}")
    if done:
        flash(
            ngettext(
                "%(num)s entry set to %(status)s.",
                "%(num)s entries set to %(status)s.",
                done,
                status=status_label(status),
            ),
            "success",
        )
    if failed:
        flash(_("Not changed: %(list)s", list=", ".join(failed)), "error")
    return redirect(back)


@bp.post("/entries/<entry_id>/edit")
@web_login_required()
def entry_edit(entry_id: str) -> Response:
    """A supervisor edit of one answer: a new revision, validated against the form. The posted
    ``parent_rev`` (the revision the supervisor saw) is required and must still be the head."""
    user = current_web_user()
    name = request.form.get("name", "")
    raw = request.form.get("value", "")
    comment = request.form.get("comment", "").strip()[:5000] or None
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, user, entry_id)
        form = get_form(conn, entry["form_id"], entry["form_version"])
    target = url_for("review.entry_page", entry_id=entry_id)
    try:
        if form is None:
            raise ValueError("form not published")
        question, steps = parse_path(form, name[:500])
    except ValueError:
        flash(_("Unknown question."), "error")
        return redirect(target)
    try:
        value = parse_answer(question.type, raw)
    except ValueError:
        flash(_("“%(value)s” is not a valid value for this question.", value=raw[:80]), "error")
        return redirect(target)
    try:
        answers = with_answer(entry["answers"], steps, question.name, value)
    except ValueError:
        flash(_("Unknown question."), "error")
        return redirect(target)
    parent_rev = request.form.get("parent_rev", "")[:100]
    stale = seen_rev_error(parent_rev, entry["rev"])  # nothing is saved over an unseen write
    if stale is not None:
        flash_service_error(stale)
        return redirect(target)
    try:
        entries_mod.edit_entry(
            engine(), state().forms, user, entry_id, parent_rev, answers, comment
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash_service_error(exc)
    else:
        flash(_("Answer changed; a new revision was made."), "success")
    return redirect(target)


@bp.get("/entries/<entry_id>/files/<sha256>")
@web_login_required()
def entry_file(entry_id: str, sha256: str) -> Response:
    """A photo of an entry, shown inline when its bytes are a JPEG, PNG or WebP image (else a
    download); only for users who can read the entry. A photo not on the server (not sent yet,
    or its file lost or damaged: then the tablets are asked for it again) is a 404 page saying
    so in Indonesian and English."""
    with read_tx(engine()) as conn:
        entry = entries_mod.get_entry(conn, current_web_user(), entry_id)
        proven = proven_hashes(conn, entry_id)  # named with its bytes, not only its hash
    refs = {ref["sha256"]: ref for ref in entry["attachments"]}
    if sha256 not in refs or sha256 not in proven or not files.SHA256_RE.match(sha256):
        abort(404)
    root = Path(state().config["ATTACHMENTS_DIR"])
    path = files.file_path(root, sha256)
    forget_lost(engine(), root, [sha256], deep=True)
    with read_tx(engine()) as conn:
        held = files.missing(conn, current_web_user(), [sha256]) == []
    if not held or not path.is_file():
        return render_template("review/photo_missing.html"), 404
    return send_attachment(path, inline=True, download_name=refs[sha256].get("filename") or None)
