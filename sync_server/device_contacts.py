"""When each account's tablet last called the sync API, and what it said was waiting on it.

Every API call made with a device token counts as contact (push, pull, forms, attachments,
account): :func:`note_contact` is called by :func:`sync_server.auth.require_auth`. The tablet
adds an optional header to its sync calls::

    X-Device-Report: waiting=3, drafts=1

(``waiting``: finalized entries not yet accepted by the server; ``drafts``: unfinished entries;
both whole numbers of at most 7 digits, in this order; anything else is refused so a
mistake is noticed). One
``device_contacts`` row per account and device keeps the last contact and the last report
(migration 0011). So that a sync of many calls does not write a row per call, a process writes
a contact again only after :data:`WRITE_EVERY` seconds, or at once when the reported counts
changed; the dashboard's "last contact" is therefore exact to about a minute.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from .clock import now_iso
from .db import is_sqlite, write_tx
from .schema import device_contacts

__all__ = [
    "HEADER",
    "MAX_COUNT",
    "REPORT_PATTERN",
    "WRITE_EVERY",
    "contacts_of",
    "note_contact",
    "parse_report",
]

HEADER = "X-Device-Report"
#: the header's shape (also the OpenAPI document's pattern)
REPORT_PATTERN = r"^ *waiting *= *([0-9]{1,7}) *, *drafts *= *([0-9]{1,7}) *$"
_REPORT_RE = re.compile(
    r" *waiting *= *(?P<waiting>[0-9]{1,7}) *, *drafts *= *(?P<drafts>[0-9]{1,7}) *", re.ASCII
)
MAX_COUNT = 9_999_999
MAX_HEADER = 200
#: seconds between two writes of the same contact by one process (reports that changed are
#: written at once)
WRITE_EVERY = 60.0

#: per engine (a database), per (account, device): when this process last wrote the contact
#: and the counts it wrote. Keyed by the engine object itself, not ``id(engine)``: an id is
#: reused once an engine is gone, and a new database (a restored one, or the next test's)
#: would then inherit another database's write times and miss its first contacts.
_written: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], tuple[float, Any]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def parse_report(value: str | None) -> dict[str, int] | None:
    """The counts of an ``X-Device-Report`` header (``None`` when absent).

    Raises ``ValueError`` with an English reason for anything but ``waiting=<n>, drafts=<n>``
    (this order, blanks around the signs allowed, each 0-9999999): exactly the pattern of the
    OpenAPI document (:data:`REPORT_PATTERN`)."""
    if value is None:
        return None
    if len(value) > MAX_HEADER:
        raise ValueError(f"longer than {MAX_HEADER} characters")
    match = _REPORT_RE.fullmatch(value)
    if match is None:
        raise ValueError("expected 'waiting=<n>, drafts=<n>' with whole numbers of 1-7 digits")
    return {"waiting": int(match["waiting"]), "drafts": int(match["drafts"])}


def _upsert(conn: Connection, row: dict[str, Any]) -> None:
    dialect = sqlite if is_sqlite(conn) else postgresql
    stmt = dialect.insert(device_contacts).values(**row)
    changed = {k: stmt.excluded[k] for k in row if k not in ("username", "device_id")}
    conn.execute(stmt.on_conflict_do_update(index_elements=["username", "device_id"], set_=changed))


def note_contact(
    engine: Engine, username: str, device_id: str, report: dict[str, int] | None
) -> bool:
    """Record that ``username``'s device ``device_id`` called the API now (with its report);
    returns whether a row was written (see :data:`WRITE_EVERY`)."""
    key = (username, device_id)
    counts = (report["waiting"], report["drafts"]) if report else None
    moment = time.monotonic()
    with _lock:
        written = _written.setdefault(engine, {})
        last = written.get(key)
        recent = last is not None and moment - last[0] < WRITE_EVERY
        if recent and (counts is None or counts == last[1]):
            return False
        written[key] = (moment, counts if counts is not None else (last[1] if last else None))
        if len(written) > 10_000:  # a bounded memory: forget the oldest half
            for old in sorted(written, key=lambda k: written[k][0])[:5_000]:
                del written[old]
    now = now_iso()
    row: dict[str, Any] = {"username": username, "device_id": device_id, "last_contact_at": now}
    if report is not None:
        row.update(reported_at=now, waiting=report["waiting"], drafts=report["drafts"])
    with write_tx(engine) as conn:
        _upsert(conn, row)
    return True


def forget_written() -> None:
    """Forget this process's write times (tests; a restored database)."""
    with _lock:
        _written.clear()


def contacts_of(conn: Connection, usernames: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each account's devices with their last contact and report, newest contact first."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not usernames:
        return out
    for start in range(0, len(usernames), 500):
        rows = conn.execute(
            select(device_contacts).where(
                device_contacts.c.username.in_(usernames[start : start + 500])
            )
        ).mappings()
        for row in rows:
            out.setdefault(row["username"], []).append(dict(row))
    for rows in out.values():
        rows.sort(key=lambda r: r["last_contact_at"], reverse=True)
    return out
