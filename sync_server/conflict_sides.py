"""Who wrote each side of a conflict, and when: for the officer's tablet and the review pages.

A conflict (:mod:`sync_server.merge`) holds a field's ``base``, ``ours`` and ``theirs`` values;
which side is which follows the merge order, not the people. :func:`with_sides` adds, per side,
the revision that wrote that value: ``"ours_by"`` / ``"theirs_by"`` =
``{"rev", "author", "kind", "device_id", "at", "made_at"}`` (``kind`` ``device`` or
``supervisor``; ``at`` when the server received it, ``made_at`` the device's finalize time when
it has one). So a tablet can say "your value" and "the supervisor's value, 13 Aug 10:02".

Pure over plain data: the revisions of the entry (their answers, parents, author, meta). The
writer of a value is the newest edit revision (device or supervisor; highest generation, then
revision id, so the choice never depends on the order revisions arrived in) holding that value
at the path whose parents did not (so a value carried along by later edits keeps its first
writer). Repeat instances are followed by their ``"@key"`` from the head, as the merge matches
them. Only ``at`` (the time this server received the revision) differs between two servers
that hold the same revisions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .meta_times import parse_meta_time

__all__ = ["with_sides"]

_SEGMENT = re.compile(r"^([^\[\]/]+)(?:\[(\d+)\])?$")
_MISSING = object()
EDIT_KINDS = ("device", "supervisor")


def _steps(path: str) -> list[tuple[str, int | None]] | None:
    steps = []
    for part in path.split("/"):
        found = _SEGMENT.match(part)
        if found is None:
            return None
        steps.append((found.group(1), int(found.group(2)) if found.group(2) else None))
    return steps


def _keys_in_head(head: Any, steps: list[tuple[str, int | None]]) -> list[tuple[str, Any]] | None:
    """The path with each repeat index replaced by the instance's identity in the head."""
    out: list[tuple[str, Any]] = []
    value = head
    for name, index in steps:
        value = value.get(name, _MISSING) if isinstance(value, dict) else _MISSING
        if index is None:
            out.append((name, None))
            continue
        if not isinstance(value, list) or not 0 <= index < len(value):
            return None
        item = value[index]
        key = item.get("@key") if isinstance(item, dict) else None
        out.append((name, key if isinstance(key, str) else f"#{index}"))
        value = item
    return out


def _value_at(answers: Any, keyed: list[tuple[str, Any]]) -> Any:
    value = answers
    for name, key in keyed:
        value = value.get(name, _MISSING) if isinstance(value, dict) else _MISSING
        if key is None:
            continue
        if not isinstance(value, list):
            return _MISSING
        found = _MISSING
        for position, item in enumerate(value):
            own = item.get("@key") if isinstance(item, dict) else None
            if (own if isinstance(own, str) else f"#{position}") == key:
                found = item
                break
        value = found
    return value


def _same(value: Any, wanted: Any) -> bool:
    if value is _MISSING:
        return wanted is None
    return json.dumps(value, sort_keys=True) == json.dumps(wanted, sort_keys=True)


def _meta(row: Mapping[str, Any]) -> dict[str, Any]:
    meta = row.get("meta")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = {}
    return meta if isinstance(meta, dict) else {}


def _order(row: Mapping[str, Any]) -> tuple[int, str]:
    """Newest first by generation, then revision id: the same choice whatever order the
    revisions arrived in (a descendant always has a higher generation than its ancestors)."""
    rev = str(row["rev"])
    head, _, _ = rev.partition("-")
    return (int(head) if head.isdigit() else 0, rev)


def _writer(rows: Sequence[Mapping[str, Any]], by_rev: Mapping[str, Mapping[str, Any]],
            keyed: list[tuple[str, Any]], wanted: Any) -> dict[str, Any] | None:
    best: Mapping[str, Any] | None = None
    for row in rows:
        if row.get("author_kind") not in EDIT_KINDS:
            continue
        if not _same(_value_at(row["answers"], keyed), wanted):
            continue
        parents = [by_rev[p] for p in (row.get("parent_rev"), row.get("merge_parent_rev"))
                   if p and p in by_rev]
        if parents and all(_same(_value_at(p["answers"], keyed), wanted) for p in parents):
            continue  # carried along, not written here
        if best is None or _order(row) > _order(best):
            best = row
    if best is None:
        return None
    # A supervisor's revision carries the entry's meta along (the officer's tablet and
    # finalize time): only a device's own revision says which device made it and when.
    meta = _meta(best) if best.get("author_kind") == "device" else {}
    return {
        "rev": best["rev"],
        "author": best.get("author"),
        "kind": best.get("author_kind"),
        "device_id": meta.get("device_id") if isinstance(meta.get("device_id"), str) else None,
        "at": str(best.get("created_at") or "") or None,
        # only a plausible moment (sync_server.meta_times): the tablet formats it as a time
        "made_at": meta.get("finalized_at") if parse_meta_time(meta.get("finalized_at"))
        else None,
    }


def with_sides(conflicts: list[dict[str, Any]], head_answers: Any,
               rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The conflicts with ``ours_by``/``theirs_by`` added where the writer is found.

    ``rows``: the entry's revisions as mappings with ``rev``, ``parent_rev``,
    ``merge_parent_rev``, ``author``, ``author_kind``, ``created_at``, ``meta`` (dict or JSON
    text) and decoded ``answers``. Conflicts of kind ``invalid`` are returned unchanged.
    """
    by_rev = {row["rev"]: row for row in rows}
    out = []
    for conflict in conflicts:
        conflict = dict(conflict)
        steps = _steps(str(conflict.get("path", "")))
        keyed = _keys_in_head(head_answers, steps) if steps else None
        if conflict.get("kind") != "invalid" and keyed is not None:
            for side in ("ours", "theirs"):
                writer = _writer(rows, by_rev, keyed, conflict.get(side))
                if writer is not None:
                    conflict[f"{side}_by"] = writer
        out.append(conflict)
    return out
