"""Storing pushed revisions: new entries, duplicates, fast-forwards and merges.

Write transactions are :func:`sync_server.db.write_tx` (``BEGIN IMMEDIATE`` on SQLite, so writers
queue instead of failing). On PostgreSQL the entry row is locked with ``SELECT ... FOR UPDATE``;
storing the same revision twice is prevented by the unique constraints on ``entries.entry_id``
and ``revisions(entry_id, rev)``: a concurrent insert that loses the race fails with an
``IntegrityError``, its savepoint is rolled back and the revision is answered as a duplicate.

Every change writes a row to the ``changes`` feed (the pull cursor) and to the audit log in the
same transaction. Feed rows are written last, under a transaction-wide lock on PostgreSQL, so
that sequence numbers become visible in order and a cursor never skips a change.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from survey_forms.recompute import (
    calculation_differences,
    recompute_calculations,
    validate_and_recalculate,
)

from .clock import now_iso
from .db import read_tx, write_tx
from .entry_rows import (
    PendingRows,
    feed_row,
    file_refs,
    flush_pending,
    head_fields,
    head_filter_values,
    head_refs,
    issue_dict,
    lock_entry,
    revision_row,
    set_entry_attachments,
)
from .entry_scores import head_answers_of, store_scores
from .forms_store import FormCache
from .instance_key_rules import dropped_key_path, has_keyless_instance
from .merge_checks import has_open_conflicts, tolerated_issues
from .messages import message
from .payload import (
    Limits,
    Rejected,
    Revision,
    canonical_answers_json,
    parse_revision,
)
from .push_attachments import add_missing_attachments, missing_attachments_by_entry
from .push_head import advance_head, calculations_for
from .push_rows import (
    audit_corrections,
    filter_columns,
    form_summary,
    held_revisions,
    new_entry_row,
    store_new_entries_in_bulk,
)
from .push_time import finalized_moment
from .region_rules import region_mismatch
from .schema import entries, revisions
from .users import User

__all__ = ["MAX_ISSUES", "missing_attachments_by_entry", "push"]

log = logging.getLogger(__name__)

#: at most this many validation issues are listed per rejected revision (``issue_count`` and
#: ``issues_truncated`` tell how many there were), so one huge invalid revision cannot make a
#: huge response
MAX_ISSUES = 50


def _rejected(
    item: Any, code: str, text_code: str | None = None, **params: object
) -> dict[str, Any]:
    text_ = message(text_code or code, **params)
    entry_id = item.get("entry_id") if isinstance(item, dict) else None
    rev = item.get("rev") if isinstance(item, dict) else None
    return {
        "entry_id": entry_id if isinstance(entry_id, str) else None,
        "rev": rev if isinstance(rev, str) else None,
        "status": "rejected",
        "error": code,
        "message": text_["en"],
        "message_id": text_["id"],
    }


def _apply(
    conn: Connection,
    user: User,
    rev: Revision,
    now: str,
    tx: PendingRows,
    forms: FormCache | None = None,
) -> dict[str, Any]:
    """Store one checked, valid revision; returns its result (stored/duplicate/merged/...)."""
    base = {"entry_id": rev.entry_id, "rev": rev.rev}
    entry = lock_entry(conn, rev.entry_id)
    if entry is None:
        if rev.parent_rev is not None:
            return _rejected(base, "unknown_parent", parent_rev=rev.parent_rev)
        entry = new_entry_row(rev, user.username, now, form_summary(conn, forms, rev))
        conn.execute(entries.insert(), entry)
        conn.execute(revisions.insert(), revision_row(rev, user.username, "device", now))
        store_scores(conn, [(entry, rev.rev, rev.answers)], fresh=True)
        set_entry_attachments(
            conn, rev.entry_id, file_refs(rev.answers, rev.attachments), fresh=True
        )
        tx.feed.append(feed_row(entry, rev.__dict__, now))
        tx.audit.append((user.username, "entry.create", "entry", rev.entry_id, {"rev": rev.rev}))
        audit_corrections(tx, user, rev)
        return {**base, "status": "stored", "head_rev": rev.rev}

    if entry["officer"] != user.username:
        return _rejected(base, "not_owner")
    if entry["form_id"] != rev.form_id or entry["region"] != rev.region:
        # an entry id belongs to one form and one region: another form's answers would be
        # merged into it (a new form_version of the same form stays allowed)
        return _rejected(
            base,
            "entry_mismatch",
            entry_id=rev.entry_id,
            entry_form=entry["form_id"],
            entry_region=entry["region"],
            form_id=rev.form_id,
            region=rev.region,
        )
    known = (
        conn.execute(
            select(revisions.c.rev).where(
                revisions.c.entry_id == rev.entry_id,
                revisions.c.rev.in_([r for r in (rev.rev, rev.parent_rev) if r]),
            )
        )
        .scalars()
        .all()
    )
    if rev.rev in known:
        return {**base, "status": "duplicate", "head_rev": entry["head_rev"]}
    if entry["deleted_at"] is not None:
        return _rejected(base, "entry_deleted")
    if rev.parent_rev is not None and rev.parent_rev not in known:
        return _rejected(base, "unknown_parent", parent_rev=rev.parent_rev)
    dropped = _dropped_key(conn, rev)
    if dropped is not None:  # an app from before instance keys, on a keyed entry
        return _rejected(base, "repeat_keys_missing", "repeat_keys_missing_app", path=dropped)

    conn.execute(revisions.insert(), revision_row(rev, user.username, "device", now))
    tx.audit.append(
        (
            user.username,
            "entry.revise",
            "entry",
            rev.entry_id,
            {"rev": rev.rev, "parent_rev": rev.parent_rev},
        )
    )
    audit_corrections(tx, user, rev)
    if rev.parent_rev == entry["head_rev"] and not has_open_conflicts(entry["conflicts"]):
        # A device edit on top of the head adds no conflict and resolves none.
        head_rev, merged = rev.rev, False
        plan_conflicts = json.loads(entry["conflicts"])
    else:
        calculations = calculations_for(conn, forms, rev.form_id) if forms is not None else None
        head_rev, plan_conflicts, merged = advance_head(
            conn, entry, user.username, now, tx, calculations
        )
    head = head_fields(conn, rev.entry_id, head_rev)
    values: dict[str, Any] = {
        "head_rev": head_rev,
        "form_version": head["form_version"],
        "region": head["region"],
        "updated_at": now,
    }
    # The open conflicts follow from the revisions (whatever order they came in): the status is
    # "conflict" while there are any; otherwise new content from the field needs a new review
    # (e.g. the fix after needs_correction), the supervisor's last comment kept for reference.
    values["conflicts"] = json.dumps(plan_conflicts, ensure_ascii=False)
    values["review_status"] = "conflict" if plan_conflicts else "received"
    if head_rev != entry["head_rev"]:
        values.update(
            filter_columns(rev, form_summary(conn, forms, rev))
            if head_rev == rev.rev
            else head_filter_values(
                conn,
                rev.entry_id,
                head_rev,
                form_summary(conn, forms, rev, head["form_version"]),
            )
        )
        conn.execute(update(entries).where(entries.c.entry_id == rev.entry_id).values(**values))
        entry.update(values)
        head_answers = rev.answers if head_rev == rev.rev else head_answers_of(conn, entry)
        store_scores(conn, [(entry, head_rev, head_answers)])
        refs = (
            file_refs(rev.answers, rev.attachments)
            if head_rev == rev.rev
            else head_refs(conn, rev.entry_id, head_rev)
        )
        set_entry_attachments(conn, rev.entry_id, refs, fresh=False)
        tx.feed.append(feed_row(entry, head, now))
    result = {**base, "head_rev": head_rev}
    if plan_conflicts and merged:
        return {**result, "status": "conflict", "conflicts": plan_conflicts}
    if merged and head_rev != rev.rev:
        return {**result, "status": "merged"}
    return {**result, "status": "stored"}


def _dropped_key(conn: Connection, rev: Revision) -> str | None:
    """Where ``rev`` drops an instance key its parent holds (see
    :mod:`sync_server.instance_key_rules`); the parent is read only when ``rev`` has a keyless
    instance at all."""
    if rev.parent_rev is None or not has_keyless_instance(rev.answers):
        return None
    parent = conn.execute(
        select(revisions.c.answers).where(
            revisions.c.entry_id == rev.entry_id, revisions.c.rev == rev.parent_rev
        )
    ).scalar_one()
    return dropped_key_path(json.loads(parent), rev.answers)


def push(
    engine: Engine,
    forms: FormCache,
    user: User,
    items: list[Any],
    limits: Limits | None = None,
) -> list[dict[str, Any]]:
    """Store a batch of pushed revisions; one result per item, in order.

    Shape, region, form and validation checks run before the write transaction; each accepted
    revision is then applied in its own savepoint, so one failure never affects the others.
    """
    limits = limits or Limits()
    results: list[dict[str, Any] | None] = [None] * len(items)
    accepted: list[tuple[int, Revision]] = []
    with read_tx(engine) as conn:
        checked: list[tuple[int, Revision, Any]] = []
        for i, item in enumerate(items):
            try:
                rev = parse_revision(item, limits)
            except Rejected as exc:
                results[i] = _rejected(item, exc.code, exc.text_code, **exc.params)
                continue
            # who pushed is known from the token, not from what the tablet says (the pages and
            # the export read the entry's officer; the pull feed and the API show the meta)
            rev.meta["officer"] = user.username
            if user.role != "admin" and rev.region not in user.regions:
                results[i] = _rejected(item, "region_forbidden", region=rev.region)
                continue
            form = forms.get(conn, rev.form_id, rev.form_version)
            if form is None:
                results[i] = _rejected(
                    item, "unknown_form", form_id=rev.form_id, version=rev.form_version
                )
                continue
            mismatch = region_mismatch(form, rev.region, rev.answers)
            if mismatch is not None:  # filed under one region, answered for another
                results[i] = _rejected(item, "region_mismatch", **mismatch)
                continue
            checked.append((i, rev, form))
        # A revision the server already holds was validated when it was stored: resends after
        # a cut connection (common in the field) skip the costly validation.
        held = held_revisions(conn, [rev for _, rev, _ in checked])
        batch = {rev.rev: rev for _, rev, _ in checked}  # parents sent in the same batch
        for i, rev, form in checked:
            if (rev.entry_id, rev.rev) not in held:
                try:
                    moment = finalized_moment(rev.meta)
                    issues, computed = validate_and_recalculate(form, rev.answers, moment)
                except Exception:  # a validator bug must not sink the rest of the batch
                    log.exception("validation crashed on %s %s", rev.entry_id, rev.rev)
                    results[i] = _rejected(
                        rev.__dict__, "malformed", detail="the answers could not be validated"
                    )
                    continue
                if issues and tolerated_issues(conn, forms, rev, issues, batch):
                    # on an invalid head: accepted when it adds no invalid path, with the
                    # server's calculated values all the same (a score is never taken on trust)
                    fixed = recompute_calculations(form, rev.answers)
                    accepted.append((i, _with_server_calculations(rev, fixed)))
                    continue
                if issues or computed is None:
                    results[i] = _invalid(rev, issues)
                    continue
                rev = _with_server_calculations(rev, computed)
            accepted.append((i, rev))
    if accepted:
        _store_accepted(engine, user, accepted, results, forms)
        add_missing_attachments(engine, results)
    return [r for r in results if r is not None]


#: How far a tablet's finalization time may run ahead of the server's clock and still be
#: believed (a tablet clock a little fast, or in another zone, must not refuse valid entries).
def _invalid(rev: Revision, issues: list[Any]) -> dict[str, Any]:
    """The rejection of an invalid revision, listing at most :data:`MAX_ISSUES` issues."""
    result = _rejected(rev.__dict__, "invalid", count=len(issues))
    result["issues"] = [issue_dict(issue) for issue in issues[:MAX_ISSUES]]
    result["issue_count"] = len(issues)
    if len(issues) > MAX_ISSUES:
        result["issues_truncated"] = True
    return result


def _with_server_calculations(rev: Revision, computed: dict[str, Any]) -> Revision:
    """``rev`` carrying the server's calculated values (``computed``: its answers with every
    reproducible calculation evaluated by the server).

    The tablet runs the same engine, so they normally agree and ``rev`` is returned as it is.
    Otherwise the server's values are stored under the tablet's revision id (the id names the
    tablet's edit, see docs/architecture.md) and the differences are kept for the audit log.
    """
    if computed is rev.answers:
        return rev
    corrections = calculation_differences(rev.answers, computed)
    if not corrections:
        return rev
    return replace(
        rev,
        answers=computed,
        answers_json=canonical_answers_json(computed, rev.floats),
        corrections=corrections,
    )


def _store_accepted(
    engine: Engine,
    user: User,
    accepted: list[tuple[int, Revision]],
    results: list[dict[str, Any] | None],
    forms: FormCache | None = None,
) -> None:
    now = now_iso()
    with write_tx(engine) as conn:
        tx = PendingRows()
        # Fast path: first revisions of entries the server has never seen, all at once.
        ids = list({rev.entry_id for _, rev in accepted})
        existing: set[str] = set()
        for start in range(0, len(ids), 500):
            existing.update(
                conn.execute(
                    select(entries.c.entry_id).where(
                        entries.c.entry_id.in_(ids[start : start + 500])
                    )
                ).scalars()
            )
        seen: set[str] = set()
        fresh: list[tuple[int, Revision]] = []
        rest: list[tuple[int, Revision]] = []
        for i, rev in accepted:
            if rev.parent_rev is None and rev.entry_id not in existing and rev.entry_id not in seen:
                fresh.append((i, rev))
            else:
                rest.append((i, rev))
            seen.add(rev.entry_id)
        if fresh and not store_new_entries_in_bulk(conn, user, fresh, results, now, tx, forms):
            rest = sorted(fresh + rest, key=lambda pair: pair[0])
        for i, rev in rest:
            for attempt in range(3):
                feed_mark, audit_mark = len(tx.feed), len(tx.audit)
                savepoint = conn.begin_nested()
                try:
                    results[i] = _apply(conn, user, rev, now, tx, forms)
                    savepoint.commit()
                    break
                except IntegrityError:
                    # Another connection stored this entry or revision first: look again.
                    savepoint.rollback()
                    del tx.feed[feed_mark:], tx.audit[audit_mark:]
                    if attempt == 2:
                        raise
        flush_pending(conn, tx)
