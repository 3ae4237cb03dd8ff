"""Recomputing an entry's calculated values from its answers (for revisions made on a server).

A tablet stores each ``calculate`` question's value in the entry (the pilot's indicator scores,
for instance). When an entry's answers change anywhere else (a supervisor's edit, a merge of
two tablets' edits, a conflict resolution), those stored values would go stale;
:func:`recompute_calculations` gives the answers with every *reproducible* calculation
evaluated again from the other answers, and everything else exactly as it was.

A calculation is reproducible unless it (or a calculation it reads, transitively) calls
``now()``, ``today()``, ``once()``, ``random()`` or ``uuid()``, or reads device metadata
(``start``, ``end``, ``today``, ``deviceid``, ``username``): those were fixed on the tablet
and are kept as stored.
"""

from __future__ import annotations

from typing import Any

from survey_forms.model import Form

__all__ = ["recompute_calculations", "reproducible_calculations"]

_UNREPEATABLE_FUNCTIONS = frozenset({"now", "today", "once", "random", "uuid"})
_METADATA_TYPES = frozenset({"start", "end", "today", "deviceid", "username", "start-geopoint"})


def reproducible_calculations(form: Form) -> frozenset[str]:
    """Names of the ``calculate`` questions a server can evaluate again from the answers."""
    nodes = form.graph.nodes
    fixed: set[str] = {name for name, node in nodes.items() if node.type in _METADATA_TYPES}
    calculates = {
        name: node
        for name, node in nodes.items()
        if node.type == "calculate" and node.calculation is not None
    }
    for name, node in calculates.items():
        if node.calculation.functions & _UNREPEATABLE_FUNCTIONS:
            fixed.add(name)
    changed = True
    while changed:  # a calculation reading a fixed value is fixed too
        changed = False
        for name, node in calculates.items():
            if name not in fixed and node.calculation.references & fixed:
                fixed.add(name)
                changed = True
    return frozenset(name for name in calculates if name not in fixed)


def recompute_calculations(
    form: Form, answers: dict[str, Any], names: frozenset[str] | None = None
) -> dict[str, Any]:
    """``answers`` with the reproducible calculations evaluated again (a new dict).

    Other answers, the order of keys and the repeat instances are kept as they are; a
    reproducible calculation whose new value is empty (or not relevant) is removed, one that
    now has a value is added. ``names``: :func:`reproducible_calculations` of ``form`` when the
    caller has them already.
    """
    if names is None:
        names = reproducible_calculations(form)
    if not names:
        return dict(answers)
    fresh = form.new_session(answers=answers).answers()
    return _overlay(form, answers, fresh, names, ())


def _overlay(
    form: Form,
    stored: dict[str, Any],
    fresh: dict[str, Any],
    names: frozenset[str],
    repeat_path: tuple[str, ...],
) -> dict[str, Any]:
    nodes = form.graph.nodes
    out: dict[str, Any] = {}
    for key, value in stored.items():
        node = nodes.get(key)
        if node is not None and key in names and node.repeat_path == repeat_path:
            if key in fresh:
                out[key] = fresh[key]
            continue
        if node is not None and node.type == "repeat" and isinstance(value, list):
            items = fresh.get(key)
            inner = (*repeat_path, key)
            if isinstance(items, list) and len(items) == len(value):
                out[key] = [
                    _overlay(form, old, new, names, inner)
                    if isinstance(old, dict) and isinstance(new, dict)
                    else old
                    for old, new in zip(value, items, strict=True)
                ]
                continue
        out[key] = value
    for key, value in fresh.items():
        node = nodes.get(key)
        if key in names and key not in out and node is not None and node.repeat_path == repeat_path:
            out[key] = value
    return out
