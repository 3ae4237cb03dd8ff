"""Supervisor and admin actions on entries: read, review, edit, resolve a conflict, soft delete.

Plain functions over an engine (or a connection); the API views and the review pages call them.
Each action is one write transaction that also appends its feed row (so the tablet pulls the new
state) and its audit row. Storing what tablets push lives in :mod:`sync_server.push`; ``push``
and ``missing_attachments_by_entry`` are re-exported here for callers that use this module.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from .clock import now_iso
from .db import write_tx
from .entry_names import entry_summary
from .entry_rows import (
    PendingRows,
    can_read,
    feed_row,
    flush_pending,
    head_fields,
    head_filter_columns,
    issue_dict,
    lock_entry,
    set_entry_attachments,
    summary_fields,
)
from .entry_scores import set_scores_deleted, store_scores
from .forms_store import FormCache
from .instance_key_rules import dropped_key_path
from .payload import Limits, Rejected, attachment_refs, check_answers
from .push import MAX_ISSUES, missing_attachments_by_entry, push
from .region_rules import region_mismatch
from .schema import entries, revisions
from .service_errors import ServiceError
from .users import User

__all__ = [
    "SETTABLE_STATUSES",
    "edit_entry",
    "get_entry",
    "missing_attachments_by_entry",
    "push",
    "resolve_conflict",
    "restore_entry",
    "set_review",
    "soft_delete_entry",
]

SETTABLE_STATUSES = ("received", "approved", "needs_correction", "rejected")


def _require_entry(
    conn: Connection, entry_id: str, user: User, *, write: bool, deleted_ok: bool = False
) -> dict[str, Any]:
    """The entry row (locked when ``write``), or 404/403; a write to a soft-deleted entry is
    409 ``entry_deleted`` (restore it first) unless ``deleted_ok`` (delete and restore)."""
    entry = lock_entry(conn, entry_id) if write else None
    if not write:
        row = conn.execute(select(entries).where(entries.c.entry_id == entry_id)).mappings().first()
        entry = dict(row) if row else None
    if entry is None or not can_read(user, entry["region"], entry["officer"]):
        raise ServiceError(404, "not_found")
    if write and user.role == "officer":
        raise ServiceError(403, "forbidden")
    if write and not deleted_ok and entry["deleted_at"] is not None:
        raise ServiceError(409, "entry_deleted")
    return entry


def get_entry(conn: Connection, user: User, entry_id: str) -> dict[str, Any]:
    """An entry with its head content, review state, conflicts and revision history."""
    entry = _require_entry(conn, entry_id, user, write=False)
    rows = (
        conn.execute(
            select(revisions).where(revisions.c.entry_id == entry_id).order_by(revisions.c.id)
        )
        .mappings()
        .all()
    )
    history = []
    head: dict[str, Any] = {}
    for row in rows:
        item = {
            "rev": row["rev"],
            "parent_rev": row["parent_rev"],
            "merge_parent_rev": row["merge_parent_rev"],
            "author": row["author"],
            "author_kind": row["author_kind"],
            "created_at": row["created_at"],
        }
        history.append(item)
        if row["rev"] == entry["head_rev"]:
            head = dict(row)
    return {
        "entry_id": entry_id,
        "form_id": head["form_id"],
        "form_version": head["form_version"],
        "region": head["region"],
        "officer": entry["officer"],
        "rev": head["rev"],
        "parent_rev": head["parent_rev"],
        "answers": json.loads(head["answers"]),
        "meta": json.loads(head["meta"]),
        "attachments": json.loads(head["attachments"]),
        "review_status": entry["review_status"],
        "review_comment": entry["review_comment"],
        "reviewed_by": entry["reviewed_by"],
        "reviewed_at": entry["reviewed_at"],
        "conflicts": json.loads(entry["conflicts"]),
        "deleted": entry["deleted_at"] is not None,
        "created_at": entry["created_at"],
        "updated_at": entry["updated_at"],
        "revisions": history,
    }


def set_review(
    engine: Engine, user: User, entry_id: str, status: str, comment: str | None
) -> dict[str, Any]:
    """Set an entry's review status with a comment (supervisors of its region, admins).

    A conflict is cleared only by :func:`resolve_conflict`.
    """
    if status not in SETTABLE_STATUSES:
        raise ServiceError(400, "invalid_status", status=status)
    now = now_iso()
    with write_tx(engine) as conn:
        tx = PendingRows()
        entry = _require_entry(conn, entry_id, user, write=True)
        if entry["review_status"] == "conflict":
            raise ServiceError(409, "unresolved_conflict")
        values = {
            "review_status": status,
            "review_comment": comment or None,
            "reviewed_by": user.username,
            "reviewed_at": now,
            "updated_at": now,
        }
        conn.execute(update(entries).where(entries.c.entry_id == entry_id).values(**values))
        entry.update(values)
        head = head_fields(conn, entry_id, entry["head_rev"])
        tx.feed.append(feed_row(entry, head, now))
        tx.audit.append(
            (
                user.username,
                "entry.review",
                "entry",
                entry_id,
                {"status": status, "comment": comment or ""},
            )
        )
        flush_pending(conn, tx)
    return {
        "entry_id": entry_id,
        "review_status": status,
        "review_comment": comment or None,
        "head_rev": entry["head_rev"],
    }


def _new_edit(
    engine: Engine,
    forms: FormCache,
    user: User,
    entry_id: str,
    parent_rev: str | None,
    answers: Any,
    comment: str | None,
    *,
    resolving: bool,
    limits: Limits | None = None,
) -> dict[str, Any]:
    from survey_forms.recompute import validate_and_recalculate
    from survey_forms.revisions import revision_id

    now = now_iso()
    with write_tx(engine) as conn:
        tx = PendingRows()
        entry = _require_entry(conn, entry_id, user, write=True)
        if resolving and entry["review_status"] != "conflict":
            raise ServiceError(409, "no_conflict")
        if not resolving and entry["review_status"] == "conflict":
            raise ServiceError(409, "unresolved_conflict")
        if parent_rev is None:  # without it, a write the user never saw would be overwritten
            raise ServiceError(422, "parent_rev_required")
        if parent_rev != entry["head_rev"]:
            raise ServiceError(409, "stale_parent", head_rev=entry["head_rev"])
        head = head_fields(conn, entry_id, entry["head_rev"])
        form = forms.get(conn, head["form_id"], head["form_version"])
        if form is None:
            raise ServiceError(
                422, "unknown_form", form_id=head["form_id"], version=head["form_version"]
            )
        try:
            check_answers(answers, limits or Limits())
            attachment_refs(answers)
        except Rejected as exc:
            raise ServiceError(400, exc.code, **exc.params) from None
        mismatch = region_mismatch(form, head["region"], answers)
        if mismatch is not None:  # the push's rule: the region changes only through a move
            raise ServiceError(422, "region_change_needs_move", **mismatch)
        head_row = (
            conn.execute(
                select(revisions.c.answers, revisions.c.meta).where(
                    revisions.c.entry_id == entry_id, revisions.c.rev == entry["head_rev"]
                )
            )
            .mappings()
            .one()
        )
        dropped = dropped_key_path(json.loads(head_row["answers"]), answers)
        if dropped is not None:  # see sync_server.instance_key_rules: keys are never guessed
            raise ServiceError(422, "repeat_keys_missing", path=dropped)
        # the scores and other calculations follow the edited answers (never typed by hand):
        # the server's values are stored, whatever the request held
        issues, computed = validate_and_recalculate(form, answers)
        if issues or computed is None:
            raise ServiceError(
                422,
                "invalid",
                details=[issue_dict(i) for i in issues[:MAX_ISSUES]],
                count=len(issues),
            )
        answers = computed
        rev_id = revision_id(
            entry["head_rev"], head["form_id"], head["form_version"], head["region"], answers
        )
        if rev_id == entry["head_rev"]:
            raise ServiceError(400, "bad_request", detail="nothing changed")
        head_meta = head_row["meta"]
        refs = attachment_refs(answers)
        conn.execute(
            revisions.insert().values(
                entry_id=entry_id,
                rev=rev_id,
                parent_rev=entry["head_rev"],
                merge_parent_rev=None,
                generation=int(rev_id.split("-", 1)[0]),
                form_id=head["form_id"],
                form_version=head["form_version"],
                region=head["region"],
                answers=json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
                meta=head_meta,
                attachments=json.dumps(refs),
                author=user.username,
                author_kind="supervisor",
                conflicts="[]",
                created_at=now,
            )
        )
        values: dict[str, Any] = {
            "head_rev": rev_id,
            "updated_at": now,
            **head_filter_columns(
                answers, *summary_fields(entry_summary(form), answers, json.loads(head_meta))
            ),
        }
        if resolving:
            values.update(
                review_status="received",
                conflicts="[]",
                review_comment=comment or None,
                reviewed_by=user.username,
                reviewed_at=now,
            )
        elif comment:
            values.update(review_comment=comment, reviewed_by=user.username, reviewed_at=now)
        conn.execute(update(entries).where(entries.c.entry_id == entry_id).values(**values))
        entry.update(values)
        store_scores(conn, [(entry, rev_id, answers)])
        set_entry_attachments(conn, entry_id, refs, fresh=False)
        tx.feed.append(feed_row(entry, {**head, "rev": rev_id}, now))
        tx.audit.append(
            (
                user.username,
                "entry.resolve" if resolving else "entry.edit",
                "entry",
                entry_id,
                {"rev": rev_id, "parent_rev": head["rev"], "comment": comment or ""},
            )
        )
        flush_pending(conn, tx)
    return {"entry_id": entry_id, "head_rev": rev_id, "review_status": entry["review_status"]}


def edit_entry(
    engine: Engine,
    forms: FormCache,
    user: User,
    entry_id: str,
    parent_rev: str | None,
    answers: Any,
    comment: str | None = None,
) -> dict[str, Any]:
    """A supervisor's edit: a new revision on top of the head, validated against the form.

    ``parent_rev`` is the revision the user looked at: it must be the current head, else 409
    ``stale_parent`` (``None``: 422 ``parent_rev_required``). The edit may not change the
    region question (422 ``region_change_needs_move``: moves are :mod:`sync_server.entry_moves`)
    nor drop the head's instance keys (422 ``repeat_keys_missing``).
    """
    return _new_edit(engine, forms, user, entry_id, parent_rev, answers, comment, resolving=False)


def resolve_conflict(
    engine: Engine,
    forms: FormCache,
    user: User,
    entry_id: str,
    answers: Any,
    comment: str | None = None,
    parent_rev: str | None = None,
) -> dict[str, Any]:
    """Resolve an entry's conflict: the supervisor's answers become a new revision, the
    conflicts are cleared and the status returns to ``received``. ``parent_rev`` (the head the
    supervisor looked at) is required and checked as in :func:`edit_entry`, so a tablet write
    that arrived after the supervisor looked is never discarded silently (409)."""
    return _new_edit(engine, forms, user, entry_id, parent_rev, answers, comment, resolving=True)


def _set_deleted(engine: Engine, user: User, entry_id: str, deleted: bool) -> dict[str, Any]:
    if user.role != "admin":
        raise ServiceError(403, "forbidden")
    now = now_iso()
    with write_tx(engine) as conn:
        tx = PendingRows()
        entry = _require_entry(conn, entry_id, user, write=True, deleted_ok=True)
        values = (
            {"deleted_at": now, "deleted_by": user.username, "updated_at": now}
            if deleted
            else {"deleted_at": None, "deleted_by": None, "updated_at": now}
        )
        if (entry["deleted_at"] is not None) != deleted:
            conn.execute(update(entries).where(entries.c.entry_id == entry_id).values(**values))
            set_scores_deleted(conn, entry_id, deleted)
            entry.update(values)
            head = head_fields(conn, entry_id, entry["head_rev"])
            tx.feed.append(feed_row(entry, head, now))
            tx.audit.append(
                (
                    user.username,
                    "entry.delete" if deleted else "entry.restore",
                    "entry",
                    entry_id,
                    {},
                )
            )
            flush_pending(conn, tx)
    return {"entry_id": entry_id, "deleted": deleted}


def soft_delete_entry(engine: Engine, user: User, entry_id: str) -> dict[str, Any]:
    """Mark an entry deleted (admins only); nothing is removed and it can be restored."""
    return _set_deleted(engine, user, entry_id, True)


def restore_entry(engine: Engine, user: User, entry_id: str) -> dict[str, Any]:
    """Undo :func:`soft_delete_entry` (admins only)."""
    return _set_deleted(engine, user, entry_id, False)
