"""The pull feed: what changed for a user since a cursor.

Every change (an entry's new head or review state, a new form version) is a row of the
``changes`` table with a global, increasing ``seq``, written in the same transaction as the change
itself. An entry change keeps a snapshot of the head revision id and the review state at that
moment, and revisions are never altered, so reading the same cursor twice gives the same answer.

Who sees what: an officer sees changes to the entries they own and every new form version; a
supervisor sees changes in their regions; an admin sees everything. The cursor is the last
``seq`` delivered, as an opaque string.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import Connection, and_, select

from .schema import changes, forms, revisions
from .service_errors import ServiceError
from .users import User

__all__ = ["decode_cursor", "encode_cursor", "pull", "pull_json"]


def encode_cursor(seq: int) -> str:
    """The opaque cursor for "after ``seq``"."""
    return f"c{seq}"


def decode_cursor(cursor: str | None) -> int:
    """The ``seq`` of a cursor (``""`` or ``None``: the start); 400 ``bad_cursor`` if invalid."""
    if not cursor:
        return 0
    digits = cursor[1:]
    if cursor[:1] != "c" or not (digits.isascii() and digits.isdigit()) or len(cursor) > 20:
        raise ServiceError(400, "bad_cursor")
    return int(cursor[1:])


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


def pull_json(conn: Connection, user: User, since: str | None, limit: int) -> str:
    """Up to ``limit`` changes after the cursor ``since``, in ``seq`` order, and the next cursor,
    as the JSON text of the response body."""
    after = decode_cursor(since)
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
            changes.outerjoin(
                revisions,
                and_(revisions.c.entry_id == changes.c.entry_id, revisions.c.rev == changes.c.rev),
            ).outerjoin(
                forms,
                and_(
                    changes.c.kind == "form",
                    forms.c.form_id == changes.c.form_id,
                    forms.c.version == changes.c.form_version,
                ),
            )
        )
        .where(changes.c.seq > after)
        .order_by(changes.c.seq)
        .limit(limit + 1)
    )
    visible = _visible_seqs(conn, user, after, limit + 1)
    if visible is not None:
        query = query.where(changes.c.seq.in_(visible))
    rows = conn.execute(query).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    parts = [_change_json(row) for row in rows]
    next_seq = rows[-1]["seq"] if rows else after
    tail = json.dumps({"next": encode_cursor(next_seq), "more": more})
    return '{"changes":[' + ",".join(parts) + "]," + tail[1:]


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
    # The stored documents were written by the server as JSON and are valid JSON text, unless
    # a number that is not finite got stored (the server refuses them on entry since): such a
    # document is written again as standard JSON.
    return (
        f'{head[:-1]},"answers":{_standard(row["answers"])},"meta":{_standard(row["meta"])},'
        f'"attachments":{_standard(row["attachments"])},'
        f'"conflicts":{_standard(row["conflicts"])}}}'
    )


def _standard(text: str) -> str:
    """A stored JSON document as standard JSON: ``NaN`` and infinities become ``null``."""
    if "NaN" not in text and "Infinity" not in text:
        return text  # the common case: no number that is not finite (nor such text)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return "null"
    return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def pull(conn: Connection, user: User, since: str | None, limit: int) -> dict[str, Any]:
    """Like :func:`pull_json`, decoded: ``{"changes": [...], "next": cursor, "more": bool}``."""
    return json.loads(pull_json(conn, user, since, limit))
