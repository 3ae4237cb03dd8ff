"""The entries table: one page of entries with keyset pagination, sorting and status counts.

The page query is ``WHERE <filters> AND <user scope> [AND (sort_key, entry_id) < cursor]
ORDER BY sort_key DESC, entry_id DESC LIMIT n+1``: no ``OFFSET``, so page 500 costs what page 1
costs, and the order is walked through an index on ``(form_id, <sort column>, entry_id)``
(migration 0002). Filters come from :mod:`sync_server.entry_filters`, shared with the export.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, tuple_

from ..entry_filters import EntryFilter, apply_filter, apply_user_scope
from ..schema import REVIEW_STATUSES, entries, revisions

__all__ = [
    "SORTS",
    "Page",
    "counts_exclude",
    "decode_cursor",
    "encode_cursor",
    "fetch_page",
    "status_counts",
]

SORTS = {
    "submitted": entries.c.created_at,
    "officer": entries.c.officer,
    "region": entries.c.region,
    "status": entries.c.review_status,
    "name": entries.c.entry_name,
    "entry_date": entries.c.entry_date,
}
PAGE_SIZE = 50


@dataclass
class Page:
    """One page of the table: rows (dicts), the cursor of the next page (or ``None``)."""

    rows: list[dict[str, Any]]
    next_cursor: str | None
    sort: str
    descending: bool
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


def encode_cursor(value: Any, entry_id: str) -> str:
    """An opaque URL-safe cursor for the position after ``(value, entry_id)``."""
    raw = json.dumps([value, entry_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str] | None:
    """The ``(value, entry_id)`` of a cursor, or ``None`` when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, entry_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError):
        return None
    if not isinstance(entry_id, str) or not isinstance(value, str | None):
        return None
    return value, entry_id


def fetch_page(
    conn: Connection,
    user: Any,
    flt: EntryFilter,
    *,
    sort: str = "submitted",
    descending: bool = True,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """One page of the entries ``user`` may read that match ``flt``.

    ``limit`` defaults to :data:`PAGE_SIZE`. Each row also gets the head revision's answers in
    ``Page.answers`` (one extra query for the page's rows only), for summary columns such as the
    kecamatan.
    """
    limit = limit or PAGE_SIZE
    key = SORTS.get(sort, SORTS["submitted"])
    sort = sort if sort in SORTS else "submitted"
    stmt = select(
        entries.c.entry_id,
        entries.c.form_id,
        entries.c.form_version,
        entries.c.region,
        entries.c.officer,
        entries.c.head_rev,
        entries.c.review_status,
        entries.c.review_comment,
        entries.c.created_at,
        entries.c.updated_at,
        entries.c.deleted_at,
        entries.c.entry_name,
        entries.c.entry_date,
    )
    stmt = apply_user_scope(apply_filter(stmt, flt), user)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        pair = tuple_(key, entries.c.entry_id)
        stmt = stmt.where(pair < position if descending else pair > position)
    if descending:
        stmt = stmt.order_by(key.desc(), entries.c.entry_id.desc())
    else:
        stmt = stmt.order_by(key.asc(), entries.c.entry_id.asc())
    rows = [dict(r) for r in conn.execute(stmt.limit(limit + 1)).mappings()]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last[key.name], last["entry_id"])
    return Page(rows, next_cursor, sort, descending, _head_answers(conn, rows))


def _head_answers(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    if not rows:
        return {}
    heads = {r["entry_id"]: r["head_rev"] for r in rows}
    # ``entry_id IN (...)`` walks the (entry_id, rev) unique index; a row-value IN does not.
    found = conn.execute(
        select(revisions.c.entry_id, revisions.c.rev, revisions.c.answers).where(
            revisions.c.entry_id.in_(list(heads))
        )
    )
    return {
        row.entry_id: json.loads(row.answers) for row in found if heads[row.entry_id] == row.rev
    }


def counts_exclude(flt: EntryFilter) -> bool:
    """True when the counts leave out some of ``flt`` (its text filter)."""
    return flt.text is not None


def status_counts(conn: Connection, user: Any, flt: EntryFilter) -> dict[str, int]:
    """How many readable entries match ``flt`` per review status, ignoring its status and its
    text filter (see :func:`counts_exclude`).

    Grouped by region and status so the count reads the covering index
    ``(form_id, region, review_status, deleted_at, officer, created_at)`` in order, or with a
    kecamatan filter the ``(form_id, kecamatan, entry_id)`` index (``entries.kecamatan``). The
    text filter would still scan ``entries.search_text`` of every entry of the supervisor on each
    page view, while the page itself stops after 50 matches, so it is left out of the counts.
    """
    without_status = EntryFilter(**{**flt.__dict__, "review_status": None, "text": None})
    stmt = select(entries.c.region, entries.c.review_status, func.count()).group_by(
        entries.c.region, entries.c.review_status
    )
    stmt = apply_user_scope(apply_filter(stmt, without_status), user)
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    for _region, status, count in conn.execute(stmt):
        counts[status] = counts.get(status, 0) + count
    return counts
