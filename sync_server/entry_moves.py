"""An admin moves an entry to another region or officer (e.g. an officer moved to another region).

A move is one write transaction:

* **officer**: the entry's owner changes; from then on the new officer's tablet pulls it and may
  push revisions of it (the old owner's are refused as ``not_owner``).
* **region**: the region is part of a revision's content (it is in the revision id), so the move
  writes a new head revision (author ``admin``, kind ``supervisor``) whose region is the new one
  and whose region question (``kabkota``, see :mod:`sync_server.region_rules`) answers it. The
  moved answers must still be valid (a district of the old region is not): else 422 ``invalid``
  with the issues, and the entry is first corrected (or given to an officer of its region).

Either way a change is appended to the pull feed with the entry's new officer and region, so
the officer's tablet receives it, and the move is recorded in the audit log (``entry.move``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select, update

from .clock import now_iso
from .db import write_tx
from .entry_rows import (
    PendingRows,
    feed_row,
    flush_pending,
    head_fields,
    issue_dict,
    lock_entry,
)
from .entry_scores import store_scores
from .forms_store import FormCache
from .region_rules import with_region
from .schema import entries, revisions
from .service_errors import ServiceError
from .users import User, get_user

__all__ = ["move_entry"]


def move_entry(
    engine: Engine,
    forms: FormCache,
    user: User,
    entry_id: str,
    *,
    region: str | None = None,
    officer: str | None = None,
) -> dict[str, Any]:
    """Move an entry to ``region`` and/or ``officer`` (admins only); return its new state.

    Errors: 403 ``forbidden`` (not an admin), 404 ``not_found``, 409 ``entry_deleted``,
    422 ``unknown_officer`` (no such active officer), 422 ``officer_region`` (the officer does
    not work in the entry's new region), 422 ``invalid`` (the moved answers do not validate),
    400 ``nothing_to_move``.
    """
    from survey_forms.revisions import revision_id

    if user.role != "admin":
        raise ServiceError(403, "forbidden")
    now = now_iso()
    with write_tx(engine) as conn:
        entry = lock_entry(conn, entry_id)
        if entry is None:
            raise ServiceError(404, "not_found")
        if entry["deleted_at"] is not None:
            raise ServiceError(409, "entry_deleted")
        head = head_fields(conn, entry_id, entry["head_rev"])
        new_region = region or head["region"]
        new_officer = officer or entry["officer"]
        if new_region == head["region"] and new_officer == entry["officer"]:
            raise ServiceError(400, "nothing_to_move")
        account = get_user(conn, new_officer)
        if account is None or not account.active or account.role != "officer":
            raise ServiceError(422, "unknown_officer", officer=new_officer)
        if new_region not in account.regions:
            raise ServiceError(422, "officer_region", officer=new_officer, region=new_region)
        tx = PendingRows()
        values: dict[str, Any] = {"officer": new_officer, "region": new_region, "updated_at": now}
        rev_id = entry["head_rev"]
        if new_region != head["region"]:
            row = (
                conn.execute(
                    select(revisions.c.answers, revisions.c.meta, revisions.c.attachments).where(
                        revisions.c.entry_id == entry_id, revisions.c.rev == entry["head_rev"]
                    )
                )
                .mappings()
                .one()
            )
            answers = json.loads(row["answers"])
            form = forms.get(conn, head["form_id"], head["form_version"])
            if form is not None:
                answers = with_region(form, answers, new_region)
                issues = form.validate(answers)
                if issues:  # e.g. a district (kecamatan) of the old region: edit, then move
                    raise ServiceError(
                        422, "invalid", details=[issue_dict(i) for i in issues], count=len(issues)
                    )
            rev_id = revision_id(
                entry["head_rev"], head["form_id"], head["form_version"], new_region, answers
            )
            conn.execute(
                revisions.insert().values(
                    entry_id=entry_id,
                    rev=rev_id,
                    parent_rev=entry["head_rev"],
                    merge_parent_rev=None,
                    generation=int(rev_id.split("-", 1)[0]),
                    form_id=head["form_id"],
                    form_version=head["form_version"],
                    region=new_region,
                    answers=json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
                    meta=row["meta"],
                    attachments=row["attachments"],
                    author=user.username,
                    author_kind="supervisor",
                    conflicts="[]",
                    created_at=now,
                )
            )
            values["head_rev"] = rev_id
        conn.execute(update(entries).where(entries.c.entry_id == entry_id).values(**values))
        moved = {**entry, **values}
        if rev_id != entry["head_rev"]:
            store_scores(conn, [(moved, rev_id, answers)])
        tx.feed.append(feed_row(moved, {**head, "rev": rev_id, "region": new_region}, now))
        tx.audit.append(
            (
                user.username,
                "entry.move",
                "entry",
                entry_id,
                {
                    "from_region": head["region"],
                    "to_region": new_region,
                    "from_officer": entry["officer"],
                    "to_officer": new_officer,
                    "rev": rev_id,
                },
            )
        )
        flush_pending(conn, tx)
    return {
        "entry_id": entry_id,
        "region": new_region,
        "officer": new_officer,
        "head_rev": rev_id,
        "review_status": entry["review_status"],
    }
