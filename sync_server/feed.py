"""The pull feed: what changed for a user since a cursor.

Every change (an entry's new head or review state, a new form version) is a row of the
``changes`` table with a global, increasing ``seq``, written in the same transaction as the change
itself. An entry change keeps a snapshot of the head revision id and the review state at that
moment, and revisions are never altered, so reading the same cursor twice gives the same answer.

A page holds at most ``limit`` changes and, past its first change, at most ``max_bytes``
(``PULL_PAGE_BYTES``, 4 MiB by default) of them, so a page of large entries neither builds a huge
response nor holds many large rows in memory: the sizes are read first, then only the rows that
fit.

Who sees what: an officer sees changes to the entries they own and every new form version; a
supervisor sees changes in their regions; an admin sees everything. The cursor is the last
``seq`` delivered, with the server's id and epoch, as an opaque string; a cursor of another
server or epoch restarts the feed (:mod:`sync_server.server_identity`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, and_, func, select

from . import cursors
from .cursors import NO_CHECK
from .schema import changes, forms, revisions
from .server_identity import next_cursor, resolve_cursor
from .users import User

__all__ = ["decode_cursor", "encode_cursor", "pull", "pull_json"]


def encode_cursor(seq: int, server_id: str, epoch: str, check: str = NO_CHECK) -> str:
    """The opaque cursor for "after ``seq``" in this server's epoch (:mod:`sync_server.cursors`)."""
    return cursors.encode(seq, server_id, epoch, check)


def decode_cursor(cursor: str | None) -> int:
    """The ``seq`` of a cursor (``""`` or ``None``: the start); 400 ``bad_cursor`` if invalid.

    Whether the cursor belongs to this server and epoch is :func:`resolve_cursor`'s question.
    """
    return cursors.parse(cursor).seq


def _streams(user: User) -> list[Any] | None:
    """The conditions whose union is what ``user`` may see (``None``: everything).

    Each condition has an index ``(column, seq)``; reading each stream separately by that index
    and merging is fast, where one ``OR`` query would collect and sort every matching row.
    """
    if user.role == "admin":
        return None
    streams = [changes.c.kind == "form"]
    if user.role == "supervisor":
        streams += [changes.c.region == region for region in user.regions]
    else:
        streams.append(changes.c.officer == user.username)
    return streams


def _visible_seqs(conn: Connection, user: User, after: int, limit: int) -> list[int] | None:
    streams = _streams(user)
    if streams is None:
        return None
    seqs: set[int] = set()
    for condition in streams:
        seqs.update(
            conn.execute(
                select(changes.c.seq)
                .where(condition, changes.c.seq > after)
                .order_by(changes.c.seq)
                .limit(limit)
            ).scalars()
        )
    return sorted(seqs)[:limit]


#: Default bound of one page's changes, in bytes (``PULL_PAGE_BYTES``).
PAGE_BYTES = 4 * 1024 * 1024
#: Bytes counted for a change besides its stored documents (ids, status, keys of the JSON).
_CHANGE_OVERHEAD = 512


def pull_json(
    conn: Connection, user: User, since: str | None, limit: int, max_bytes: int = PAGE_BYTES
) -> str:
    """Up to ``limit`` changes after the cursor ``since``, in ``seq`` order, and the next cursor,
    as the JSON text of the response body.

    A page also stops before the change that would take its changes past ``max_bytes``; it
    always holds at least one change (when there is one), so the cursor moves on even past an
    entry larger than ``max_bytes``. ``more`` tells the client to ask again.
    """
    position = resolve_cursor(conn, since)  # a cursor of another server or epoch: the start
    after = position.seq
    joined = changes.outerjoin(
        revisions,
        and_(revisions.c.entry_id == changes.c.entry_id, revisions.c.rev == changes.c.rev),
    )
    visible = _visible_seqs(conn, user, after, limit + 1)
    sizes = (
        select(changes.c.seq, _stored_size())
        .select_from(joined)
        .where(changes.c.seq > after)
        .order_by(changes.c.seq)
        .limit(limit + 1)
    )
    if visible is not None:
        sizes = sizes.where(changes.c.seq.in_(visible))
    candidates = conn.execute(sizes).all()
    chosen = _fit(candidates[:limit], max_bytes)
    query = (
        select(
            changes,
            revisions.c.parent_rev,
            revisions.c.answers,
            revisions.c.meta,
            revisions.c.author,
            revisions.c.attachments,
            forms.c.title,
        )
        .select_from(
            joined.outerjoin(
                forms,
                and_(
                    changes.c.kind == "form",
                    forms.c.form_id == changes.c.form_id,
                    forms.c.version == changes.c.form_version,
                ),
            )
        )
        .where(changes.c.seq.in_(chosen))
        .order_by(changes.c.seq)
    )
    parts: list[str] = []
    total = 0
    next_seq = after
    for row in conn.execute(query).mappings():
        part = _change_json(row)
        size = len(part.encode("utf-8"))
        if parts and total + size > max_bytes:
            break  # the stored sizes are counted in characters; the bytes decide
        parts.append(part)
        total += size
        next_seq = row["seq"]
    more = len(candidates) > len(parts)
    tail = json.dumps(
        {"next": next_cursor(conn, position, next_seq), "more": more, **position.report()}
    )
    return '{"changes":[' + ",".join(parts) + "]," + tail[1:]


def _stored_size() -> Any:
    """The characters of a change's stored documents (an estimate of its bytes in a page)."""
    return (
        func.coalesce(func.length(revisions.c.answers), 0)
        + func.coalesce(func.length(revisions.c.meta), 0)
        + func.coalesce(func.length(revisions.c.attachments), 0)
        + func.coalesce(func.length(changes.c.conflicts), 0)
        + func.coalesce(func.length(changes.c.review_comment), 0)
    )


def _fit(candidates: list[Any], max_bytes: int) -> list[int]:
    """The leading ``seq``s of ``(seq, size)`` rows whose sizes fit in ``max_bytes`` (at least
    one)."""
    chosen: list[int] = []
    total = 0
    for seq, size in candidates:
        size = int(size or 0) + _CHANGE_OVERHEAD
        if chosen and total + size > max_bytes:
            break
        chosen.append(seq)
        total += size
    return chosen


def _change_json(row: Any) -> str:
    """One change as JSON text; stored JSON documents are spliced in without re-encoding."""
    if row["kind"] == "form":
        return json.dumps(
            {
                "kind": "form",
                "seq": row["seq"],
                "form_id": row["form_id"],
                "version": row["form_version"],
                "title": row["title"],
            },
            ensure_ascii=False,
        )
    head = json.dumps(
        {
            "kind": "entry",
            "seq": row["seq"],
            "entry_id": row["entry_id"],
            "rev": row["rev"],
            "parent_rev": row["parent_rev"],
            "form_id": row["form_id"],
            "form_version": row["form_version"],
            "region": row["region"],
            "review_status": row["review_status"],
            "review_comment": row["review_comment"],
            "deleted": bool(row["deleted"]),
            "author": row["author"],
        },
        ensure_ascii=False,
    )
    # The stored documents were written by the server as JSON and are valid JSON text.
    return (
        f'{head[:-1]},"answers":{row["answers"]},"meta":{row["meta"]},'
        f'"attachments":{row["attachments"]},"conflicts":{row["conflicts"]}}}'
    )


def pull(
    conn: Connection, user: User, since: str | None, limit: int, max_bytes: int = PAGE_BYTES
) -> dict[str, Any]:
    """Like :func:`pull_json`, decoded: ``{"changes": [...], "next": cursor, "more": bool}``."""
    return json.loads(pull_json(conn, user, since, limit, max_bytes))
