"""Editing an entry through its form on the supervisor pages: pure functions over a
``FormSession`` (:mod:`survey_forms.session`) and posted form fields.

The page is a plain HTML form, rebuilt by the server on every round trip, so the form's skip
logic, choice filters, constraints and repeats are the Python engine's, the same as the
tablet's: :func:`form_items` turns a session into the items to render (relevant questions only,
choices after their filter, labels with ``${name}`` filled, each question's current error);
:func:`apply_posted` puts the posted values back into a session, and :func:`apply_action` adds
or removes a repeat instance. The session's answers travel between round trips in a hidden
field (``state``, JSON); whatever it holds, the save goes through
:func:`sync_server.entries.edit_entry`, which validates and recalculates on the server.
The region question (:func:`sync_server.region_rules.region_question`) is shown read-only and
never read from the post: an entry changes region only through an admin's move (the save
refuses any other region all the same).

A field's key is ``name`` outside repeats and ``name@0.2`` inside them (the instance path:
0-based indexes of the enclosing repeats, outermost first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..region_rules import region_question
from .answer_input import parse_answer, raw_text
from .entry_display import display_value

__all__ = [
    "SKIPPED_TYPES",
    "apply_action",
    "apply_posted",
    "field_key",
    "form_items",
    "parse_key",
    "render_text",
]

#: Question types not shown as inputs: metadata stamped by the tablet, calculations (server-
#: computed) and captures a browser cannot redo (their answers are kept as they are).
SKIPPED_TYPES = frozenset({"start", "end", "today", "deviceid", "username", "calculate"})
#: Types shown with their current answer but not editable here (a GPS fix, a photo).
KEPT_TYPES = frozenset(
    {"geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "start-geopoint"}
)
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]{0,99})(?:@(\d{1,4}(?:\.\d{1,4}){0,4}))?$")


def field_key(name: str, instance: tuple[int, ...]) -> str:
    """``name`` or ``name@0.2`` (see the module docstring)."""
    return name if not instance else f"{name}@{'.'.join(str(i) for i in instance)}"


def parse_key(key: str) -> tuple[str, tuple[int, ...]] | None:
    """The ``(name, instance)`` of a field key, or ``None`` when it is not one."""
    match = _KEY_RE.match(key)
    if match is None:
        return None
    path = match.group(2)
    return match.group(1), tuple(int(i) for i in path.split(".")) if path else ()


def render_text(text: str, session: Any, instance: tuple[int, ...] = ()) -> str:
    """A label or hint with its ``${name}`` references filled from the session."""
    if "${" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        for scope in (instance, ()):
            try:
                return str(session.text(match.group(1), scope))
            except (KeyError, IndexError, ValueError):
                continue
        return ""

    return _REFERENCE.sub(value, text)


def _error_text(session: Any, name: str, instance: tuple[int, ...], lang: str) -> str:
    issue = session.error(name, instance)
    if issue is None:
        return ""
    return str(issue.message.get(lang) or issue.message.get("en") or issue.code)


def _live(form: Any, question: Any) -> bool:
    """Whether a change of this answer can change the page (another question's relevance,
    value, choices or checks read it, or it has a constraint of its own): such fields are sent
    back to the server as soon as they change."""
    graph = form.graph
    name = question.name
    return bool(
        graph.value_dependents.get(name)
        or graph.check_dependents.get(name)
        or graph.count_dependents.get(name)
        or getattr(question, "constraint", None)
    )


def _field(
    form: Any, session: Any, question: Any, instance: tuple[int, ...], lang: str
) -> dict[str, Any]:
    name = question.name
    value = session.value(name, instance)
    shown = question.type in KEPT_TYPES or name == region_question(form)  # not an input
    item: dict[str, Any] = {
        "kind": "field",
        "key": field_key(name, instance),
        "name": name,
        "type": question.type,
        "label": render_text(
            question.label(lang, form.default_language) or name, session, instance
        ),
        "hint": render_text(question.hint(lang, form.default_language), session, instance),
        "required": session.is_required(name, instance),
        # the region changes only through an admin's move
        "readonly": session.is_read_only(name, instance) or shown,
        "error": _error_text(session, name, instance, lang),
        "value": (
            display_value(form, question, value, lang)
            if shown and value is not None
            else raw_text(question.type, value)
        ),
        "multiline": "multiline" in (question.appearance or ""),
        "live": _live(form, question),
        "choices": [],
    }
    if question.type in ("select_one", "select_multiple"):
        chosen = set(value if isinstance(value, list) else [] if value is None else [str(value)])
        item["choices"] = [
            (c.name, c.label(lang, form.default_language) or c.name, c.name in chosen)
            for c in session.choices(name, instance)
        ]
    return item


def _walk(
    form: Any,
    session: Any,
    questions: list[Any],
    instance: tuple[int, ...],
    lang: str,
    out: list[dict[str, Any]],
) -> None:
    for question in questions:
        name = question.name
        try:
            relevant = session.is_relevant(name, instance)
        except (KeyError, IndexError, ValueError):
            continue
        if not relevant:
            continue
        label = render_text(question.label(lang, form.default_language), session, instance)
        if question.is_repeat:
            node = form.graph.nodes[name]
            block: dict[str, Any] = {
                "kind": "repeat",
                "name": name,
                "label": label or name,
                "instance": ".".join(str(i) for i in instance),
                "fixed": node.repeat_count is not None,
                "instances": [],
            }
            for index in range(session.repeat_count(name, instance)):
                children: list[dict[str, Any]] = []
                _walk(form, session, question.children, (*instance, index), lang, children)
                block["instances"].append({"index": index, "items": children})
            out.append(block)
        elif question.is_group:
            children = []
            _walk(form, session, question.children, instance, lang, children)
            if children:
                out.append({"kind": "group", "label": label, "items": children})
        elif question.type == "note":
            out.append({"kind": "note", "text": label})
        elif question.stores_value and question.type not in SKIPPED_TYPES:
            out.append(_field(form, session, question, instance, lang))


def form_items(form: Any, session: Any, lang: str) -> list[dict[str, Any]]:
    """What the edit page shows, in form order: ``group`` (label, items), ``repeat`` (name,
    label, instance, fixed, instances: [{index, items}]), ``note`` (text) and ``field``
    (key, name, type, label, hint, required, readonly, error, value, multiline, live, choices:
    [(name, label, chosen)]) items; questions that are not relevant are left out."""
    out: list[dict[str, Any]] = []
    _walk(form, session, form.questions, (), lang, out)
    return out


def apply_posted(
    form: Any, session: Any, keys: list[str], get: Callable[[str], list[str]]
) -> list[str]:
    """Put the posted values of the fields ``keys`` (the fields the page showed) into the
    session, in form order of their keys as given. ``get(field)`` returns the posted values of
    one input (several for a multiple choice). Read-only and unknown fields are skipped.

    Returns the keys whose text could not be read as their type (the text is still stored,
    so the session reports a ``type`` error on the question, as the tablet would).
    """
    unreadable = []
    for key in keys:
        parsed = parse_key(key)
        if parsed is None or not form.has_question(parsed[0]):
            continue
        name, instance = parsed
        question = form.question(name)
        if (
            question.type in SKIPPED_TYPES
            or question.type in KEPT_TYPES
            or name == region_question(form)
        ):
            continue
        values = get("v:" + key)
        try:
            if session.is_read_only(name, instance):
                continue
            if question.type == "select_multiple":
                answer: Any = [v for v in values if v] or None
            else:
                raw = values[-1] if values else ""
                try:
                    answer = parse_answer(question.type, raw)
                except ValueError:
                    unreadable.append(key)
                    answer = raw.strip()
            session.set_answer(name, answer, instance)
        except (KeyError, IndexError, ValueError):
            continue
    return unreadable


def apply_action(session: Any, action: str) -> None:
    """``add:<repeat>:<instance>`` or ``remove:<repeat>:<instance>:<index>`` (``<instance>``:
    the dotted path of the enclosing repeats, empty outside them). Raises ``ValueError`` for
    anything else or an instance that is not there (and ``TooManyInstancesError``, a
    ``ValueError``, when the entry has as many instances as it may)."""
    parts = action.split(":")
    if len(parts) not in (3, 4) or parts[0] not in ("add", "remove"):
        raise ValueError(f"unknown action {action[:40]!r}")
    try:
        instance = tuple(int(i) for i in parts[2].split(".")) if parts[2] else ()
        if parts[0] == "add" and len(parts) == 3:
            session.add_repeat(parts[1], instance)
        elif parts[0] == "remove" and len(parts) == 4:
            session.remove_repeat(parts[1], int(parts[3]), instance)
        else:
            raise ValueError(f"unknown action {action[:40]!r}")
    except (KeyError, IndexError) as exc:
        raise ValueError(str(exc)) from None
