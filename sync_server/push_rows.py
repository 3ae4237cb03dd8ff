"""The ``entries`` rows of new entries and the bulk insert of first revisions (split from
:mod:`sync_server.push`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from .entry_names import EntrySummary, entry_summary
from .entry_rows import (
    PendingRows,
    feed_row,
    file_refs,
    head_filter_columns,
    revision_row,
    summary_fields,
)
from .entry_scores import store_scores
from .forms_store import FormCache
from .payload import Revision
from .schema import entries, entry_attachments, revisions
from .users import User

__all__ = [
    "audit_corrections",
    "filter_columns",
    "form_summary",
    "held_revisions",
    "new_entry_row",
    "store_new_entries_in_bulk",
]


def new_entry_row(
    rev: Revision, officer: str, now: str, summary: EntrySummary | None = None
) -> dict[str, Any]:
    return {
        "entry_id": rev.entry_id,
        "form_id": rev.form_id,
        "form_version": rev.form_version,
        "region": rev.region,
        "officer": officer,
        "head_rev": rev.rev,
        "review_status": "received",
        "review_comment": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "conflicts": "[]",
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "deleted_by": None,
        **filter_columns(rev, summary),
    }


def filter_columns(rev: Revision, summary: EntrySummary | None = None) -> dict[str, Any]:
    """The ``entries`` filter columns when ``rev`` is the head."""
    return head_filter_columns(rev.answers, *summary_fields(summary, rev.answers, rev.meta))


def form_summary(
    conn: Connection, forms: FormCache | None, rev: Revision, version: str | None = None
) -> EntrySummary | None:
    """The name and date rules of ``rev``'s form version (cached per version; ``None``
    without a form cache or when the version is not published)."""
    if forms is None:
        return None
    summary: EntrySummary | None = forms.derived(
        conn, rev.form_id, version or rev.form_version, "entry_summary", entry_summary
    )
    return summary


def store_new_entries_in_bulk(
    conn: Connection,
    user: User,
    candidates: list[tuple[int, Revision]],
    results: list[dict[str, Any] | None],
    now: str,
    tx: PendingRows,
    forms: FormCache | None = None,
) -> bool:
    """Insert first revisions of entries the server does not have, a few statements for all.

    Returns False (and changes nothing) when another connection inserted one of them first;
    the caller then stores them one by one.
    """
    entry_rows = [
        new_entry_row(rev, user.username, now, form_summary(conn, forms, rev))
        for _, rev in candidates
    ]
    revision_rows = [revision_row(rev, user.username, "device", now) for _, rev in candidates]
    attachment_rows = [  # one row per file name (a photo in two questions: two names)
        {"entry_id": rev.entry_id, **ref}
        for _, rev in candidates
        if rev.attachments
        for ref in file_refs(rev.answers, rev.attachments)
    ]
    savepoint = conn.begin_nested()
    try:
        conn.execute(entries.insert(), entry_rows)
        conn.execute(revisions.insert(), revision_rows)
        heads = zip(candidates, entry_rows, strict=True)
        store_scores(conn, [(row, rev.rev, rev.answers) for (_, rev), row in heads], fresh=True)
        if attachment_rows:
            conn.execute(entry_attachments.insert(), attachment_rows)
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return False
    for (i, rev), entry in zip(candidates, entry_rows, strict=True):
        tx.feed.append(feed_row(entry, rev.__dict__, now))
        tx.audit.append((user.username, "entry.create", "entry", rev.entry_id, {"rev": rev.rev}))
        audit_corrections(tx, user, rev)
        results[i] = {
            "entry_id": rev.entry_id,
            "rev": rev.rev,
            "status": "stored",
            "head_rev": rev.rev,
        }
    return True


def audit_corrections(tx: PendingRows, user: User, rev: Revision) -> None:
    """An audit row for calculated values the server stored instead of the tablet's."""
    if rev.corrections:
        tx.audit.append(
            (
                user.username,
                "entry.recalculate",
                "entry",
                rev.entry_id,
                {"rev": rev.rev, "fields": rev.corrections},
            )
        )


def held_revisions(conn: Connection, revs: list[Revision]) -> set[tuple[str, str]]:
    """The (entry_id, rev) pairs among ``revs`` that the server already stores."""
    ids = sorted({rev.entry_id for rev in revs})
    held: set[tuple[str, str]] = set()
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(revisions.c.entry_id, revisions.c.rev).where(
                revisions.c.entry_id.in_(ids[start : start + 500])
            )
        )
        held.update((row.entry_id, row.rev) for row in rows)
    return held
