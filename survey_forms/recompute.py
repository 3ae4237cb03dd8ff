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

:func:`validate_and_recalculate` does both jobs of a server receiving answers in one session:
it validates them and gives them with the calculations the server computed, so a tablet can
never store a score the form would not give.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from survey_forms.model import Form
from survey_forms.validation import ValidationIssue, validate_with_session

if TYPE_CHECKING:
    from survey_forms.graph import Node

__all__ = [
    "calculation_differences",
    "recompute_calculations",
    "reproducible_calculations",
    "validate_and_recalculate",
]

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


#: per form: its reproducible calculations, the nodes a validation session leaves out, and
#: whether every reproducible calculation is outside repeats
_PLANS: WeakKeyDictionary[Form, tuple[frozenset[str], list[Node], bool]] = WeakKeyDictionary()


def _plan(form: Form) -> tuple[frozenset[str], list[Node], bool]:
    plan = _PLANS.get(form)
    if plan is None:
        needed = {node.name for node in form.graph.validation_nodes}
        skipped = [node for node in form.graph.order_nodes if node.name not in needed]
        names = reproducible_calculations(form)
        top_level = all(not form.graph.nodes[name].depth for name in names)
        plan = _PLANS[form] = (names, skipped, top_level)
    return plan


def validate_and_recalculate(
    form: Form, answers: Any, now: datetime | None = None
) -> tuple[list[ValidationIssue], dict[str, Any] | None]:
    """Validate ``answers`` (as :meth:`Form.validate`) and, when they are valid, give them
    with every reproducible calculation evaluated again (as :func:`recompute_calculations`).

    One session does both: the validation session already holds every value validation
    needs; only the calculations it skips (those that only feed notes, such as displayed
    scores) are evaluated on top of it. Returns ``(issues, None)`` for invalid answers;
    for valid ones ``([], answers)`` itself when every calculated value sent is the engine's
    (the usual case: tablets run the same engine), else ``([], a new dict)``. ``now``: the
    moment ``now()`` and ``today()`` stand for (the entry's finalization; default: the clock).
    """
    issues, session = validate_with_session(form, answers, now)
    if issues or session is None:
        return issues, None
    names, skipped, top_level = _plan(form)
    if not names:
        return [], answers
    if skipped:
        session._recompute(skipped)  # completes the validation-only session
    if top_level and _agrees(session.root, answers, names):
        return [], answers
    return [], _overlay(form, answers, session.answers(), names, ())


def _agrees(root: Any, answers: dict[str, Any], names: frozenset[str]) -> bool:
    """True when the top-level ``answers`` hold exactly the calculated values of the session's
    root (a calculation that is empty or not relevant is absent, as in ``answers()``)."""
    relevant, xval = root.relevant, root.xval
    for name in names:
        text = xval.get(name, "") if relevant.get(name, False) else ""
        if text == "":
            if name in answers:
                return False
        elif answers.get(name) != text:
            return False
    return True


def calculation_differences(
    sent: dict[str, Any], computed: dict[str, Any], prefix: str = ""
) -> list[dict[str, Any]]:
    """Where two versions of an entry's answers differ: ``[{"path", "sent", "computed"}]``
    (``None`` for an absent value), paths as in validation issues (``"rep[0]/name"``).

    Repeats of the same length are compared instance by instance.
    """
    out: list[dict[str, Any]] = []
    for key in sorted(set(sent) | set(computed)):
        old, new = sent.get(key), computed.get(key)
        if old == new:
            continue
        if (
            isinstance(old, list)
            and isinstance(new, list)
            and len(old) == len(new)
            and all(isinstance(item, dict) for item in (*old, *new))
        ):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                out.extend(calculation_differences(a, b, f"{prefix}{key}[{index}]/"))
            continue
        out.append({"path": f"{prefix}{key}", "sent": old, "computed": new})
    return out
