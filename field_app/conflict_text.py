"""What the conflict banner on the tablet says: whose each value is, who and when.

The server records a conflict as ``{"path", "base", "ours", "theirs"}`` where "ours" and
"theirs" follow its merge order, not the people; with each side's writer (``ours_by`` /
``theirs_by``: author, kind, device, times; see ``sync_server.conflict_sides``). The officer
needs to read "your value (this tablet, 13-08-2024 09:40): X; the supervisor's value (spv,
13-08-2024 10:02): Y". Pure functions over the conflict dicts and the catalogs.

When the server sent no writer (conflicts recorded before it kept them), the officer's own value
is still recognised by comparing with what this tablet sent last; the other value is then
"another value" without a name.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from field_app.messages import text

__all__ = ["conflict_line", "local_time", "side_owner", "top_level_value"]

_MISSING = object()


def local_time(iso: str | None) -> str:
    """``13-08-2024 09:40`` in the tablet's time zone (``""`` when unknown or unreadable)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d-%m-%Y %H:%M")


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def side_owner(writer: dict[str, Any] | None, officer: str, device_id: str) -> str:
    """Who wrote a side, as a key: ``this_device``, ``other_device``, ``supervisor``,
    ``other_officer`` or ``unknown``."""
    if not isinstance(writer, dict):
        return "unknown"
    if writer.get("kind") == "supervisor":
        return "supervisor"
    if writer.get("author") == officer:
        return "this_device" if writer.get("device_id") in (None, device_id) else "other_device"
    return "other_officer"


def top_level_value(answers: Any, path: str) -> Any:
    """The value of a top-level question in ``answers`` (paths into repeats: unknown)."""
    if "/" in path or "[" in path or not isinstance(answers, dict):
        return _MISSING
    return answers.get(path)


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if "filename" in value:
            return str(value["filename"])
        if "latitude" in value:
            return f"{value.get('latitude')}, {value.get('longitude')}"
    return str(value)


def conflict_line(conflict: dict[str, Any], field: str, lang: str, *, officer: str,
                  device_id: str, sent_value: Any = _MISSING) -> str:
    """One line per conflicting field: the officer's value first, then the other, each with
    who and when. ``sent_value`` is the value this tablet sent last (a fallback when the
    server did not say who wrote a side)."""
    sides = []
    for side in ("ours", "theirs"):
        writer = conflict.get(f"{side}_by")
        owner = side_owner(writer, officer, device_id)
        if owner == "unknown" and sent_value is not _MISSING and _same(conflict.get(side),
                                                                       sent_value):
            owner = "this_device"
        sides.append((owner, writer if isinstance(writer, dict) else {}, conflict.get(side)))
    mine = [s for s in sides if s[0] in ("this_device", "other_device")]
    others = [s for s in sides if s not in mine]
    parts = []
    for owner, writer, value in mine + others:
        when = local_time(writer.get("made_at") or writer.get("at"))
        who = writer.get("author") or ""
        device = (writer.get("device_id") or "")[:8]
        key = f"conflict.side.{owner}" + ("" if when else "_undated")
        parts.append(text(key, lang, who=who, when=when, device=device, value=_plain(value)))
    return text("conflict.line", lang, field=field, sides="; ".join(parts))
