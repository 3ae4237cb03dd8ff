"""Answers in and out of a form session: loading an entry's JSON answers, writing them back.

:func:`load_answers` fills the instance tree from an entry's answers (unknown names are left
out; validation reports them), keeping each repeat instance's ``"@key"`` and giving a keyless one
its implied key; :func:`answers_of` is the entry's answers as the session sees them now:
relevant questions only, calculated values included, every repeat instance with its ``"@key"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from survey_forms.instance_keys import KEY, instance_key
from survey_forms.session_tree import Instance, Path

if TYPE_CHECKING:
    from survey_forms.session_compute import SessionCompute

__all__ = ["answers_of", "load_answers"]

#: Question types whose normalised value is any non-empty string as given (see ``values``).
_PLAIN_TEXT_TYPES = frozenset(("text", "start", "end", "today", "deviceid", "username"))


def load_answers(
    session: SessionCompute,
    inst: Instance,
    answers: dict[str, Any],
    path: Path,
    repeat_path: tuple[str, ...],
) -> None:
    """Fill ``inst`` (at ``path`` of ``repeat_path``) and its repeat instances from ``answers``."""
    if not isinstance(answers, dict):
        return
    level = session.graph.answer_nodes.get(repeat_path, {})
    for name, value in answers.items():
        node = level.get(name)
        if node is None:  # unknown here (validation reports it), or a group or note
            continue
        if node.type == "repeat":
            items = value if isinstance(value, list) else []
            instances = inst.repeats.setdefault(name, [])
            room = session._room() + len(instances)
            if len(items) > room:
                session._note_cap(inst, node, len(items))
                items = items[: max(room, 0)]
            for index, item in enumerate(items):
                # given keys are kept; a keyless (legacy) instance gets its implied "#<index>"
                child = session._new_child(inst, instances, instance_key(item, index))
                load_answers(
                    session,
                    child,
                    item if isinstance(item, dict) else {},
                    (*path, len(instances) - 1),
                    (*repeat_path, name),
                )
        elif node.holds_answer:
            if (
                value.__class__ is str
                and value
                and (
                    node.type in _PLAIN_TEXT_TYPES
                    or (node.type == "select_one" and not value.isspace())
                )
            ):
                # what normalize() would return, without the call (most answers are text)
                inst.values[name] = value
            else:
                session._store(inst, node, value)


def answers_of(inst: Instance, questions: list[Any]) -> dict[str, Any]:
    """The answers of ``inst`` for ``questions`` (relevant ones only, calculations included).

    A repeat instance's object starts with its ``"@key"``.
    """
    out: dict[str, Any] = {} if inst.key is None else {KEY: inst.key}
    _fill(inst, questions, out)
    return out


def _fill(inst: Instance, questions: list[Any], out: dict[str, Any]) -> None:
    for question in questions:
        name = question.name
        if not inst.relevant.get(name, False):
            continue
        if question.type == "group":
            _fill(inst, question.children, out)
        elif question.type == "repeat":
            items = [answers_of(child, question.children) for child in inst.repeats.get(name, [])]
            if items:
                out[name] = items
        elif question.type == "calculate":
            text = inst.xval.get(name, "")
            if text != "":
                out[name] = text
        elif name in inst.values:
            out[name] = inst.values[name]
