"""The form's metadata questions (``start``, ``end``, ``today``, ``deviceid``, ``username``).

ODK Collect records them on its own: ``start``, ``today``, ``deviceid`` and ``username`` when an
entry is created, ``end`` each time it is finalized (again after a correction). The tablet does
the same whatever answers a new entry starts with (the app pre-fills e.g. ``kabkota``, so the
form session, which stamps only an entry started with no answers at all, never did it).

Pure functions over plain answers; the form is a ``survey_forms.Form``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CREATED", "stamp_created", "stamp_finalized"]

#: Metadata recorded when an entry is created.
CREATED = ("start", "today", "deviceid", "username")


def _top_level(form: Any, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(name, type)`` of the form's metadata questions of ``kinds`` outside repeats."""
    return [
        (node.name, node.type)
        for node in form.graph.nodes.values()
        if node.type in kinds and not node.depth
    ]


def stamp_created(
    form: Any, answers: dict[str, Any], now: str, device_id: str, username: str
) -> dict[str, Any]:
    """Return ``answers`` with the creation metadata filled (answers already there are kept).

    ``now`` is the local time as ISO 8601 with its offset (``2024-08-13T09:02:11.315+07:00``);
    ``today`` is its date, the officer's date.
    """
    stamps = {"start": now, "today": now[:10], "deviceid": device_id, "username": username}
    filled = dict(answers)
    for name, kind in _top_level(form, CREATED):
        if stamps[kind] and filled.get(name) in (None, ""):
            filled[name] = stamps[kind]
    return filled


def stamp_finalized(form: Any, answers: dict[str, Any], now: str) -> dict[str, Any]:
    """Return ``answers`` with every ``end`` question set to ``now`` (each finalize)."""
    filled = dict(answers)
    for name, _kind in _top_level(form, ("end",)):
        filled[name] = now
    return filled
