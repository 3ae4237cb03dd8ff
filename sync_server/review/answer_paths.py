"""Which answers a supervisor may edit, and where an edited answer goes (pure functions).

An answer is named by its path: ``nama_unit`` at the top level, ``temuan[0]/rekomendasi`` for a
question inside the first instance of the repeat ``temuan`` (indices from 0; repeats may nest:
``a[1]/b[0]/c``). The same notation as the validation issues of :mod:`survey_forms`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .answer_input import EDITABLE_TYPES, raw_text

__all__ = ["editable_fields", "parse_path", "with_answer"]

_STEP = re.compile(r"^([A-Za-z_][\w.-]*)\[(\d{1,5})\]$")


def editable_fields(form: Any, answers: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every answer a supervisor may edit, in form order: top-level questions, then each
    existing repeat instance's questions (``{"name": path, "label", "type", "value"}``)."""
    out: list[dict[str, Any]] = []
    _fields(form, form.questions, answers, "", "", lang, out)
    return out


def _fields(
    form: Any,
    questions: list[Any],
    answers: dict[str, Any],
    prefix: str,
    label_prefix: str,
    lang: str,
    out: list[dict[str, Any]],
) -> None:
    later: list[tuple[Any, list[Any]]] = []
    for question in questions:
        if question.type == "group":
            _fields(form, question.children, answers, prefix, label_prefix, lang, out)
        elif question.type == "repeat":
            items = answers.get(question.name)
            if isinstance(items, list):
                later.append((question, items))
        elif question.type in EDITABLE_TYPES:
            label = question.label(lang, form.default_language) or question.name
            out.append(
                {
                    "name": prefix + question.name,
                    "label": label_prefix + label,
                    "type": question.type,
                    "value": raw_text(question.type, answers.get(question.name)),
                }
            )
    for repeat, items in later:
        title = repeat.label(lang, form.default_language) or repeat.name
        for index, item in enumerate(items):
            if isinstance(item, dict):
                _fields(
                    form,
                    repeat.children,
                    item,
                    f"{prefix}{repeat.name}[{index}]/",
                    f"{label_prefix}{title} #{index + 1}: ",
                    lang,
                    out,
                )


def parse_path(form: Any, path: str) -> tuple[Any, list[tuple[str, int]]]:
    """The question named by ``path`` and its ``(repeat, index)`` steps; ``ValueError`` when
    the path does not name an editable question of ``form`` at its place."""
    *steps_text, name = path.split("/")
    steps: list[tuple[str, int]] = []
    for text in steps_text:
        match = _STEP.match(text)
        if match is None:
            raise ValueError(f"not a repeat step: {text!r}")
        steps.append((match[1], int(match[2])))
    if not form.has_question(name):
        raise ValueError(f"unknown question {name!r}")
    question = form.question(name)
    if question.type not in EDITABLE_TYPES:
        raise ValueError(f"{name!r} cannot be edited")
    if tuple(question.repeat_path) != tuple(repeat for repeat, _ in steps):
        raise ValueError(f"{name!r} is not at {path!r}")
    return question, steps


def with_answer(
    answers: dict[str, Any], steps: list[tuple[str, int]], name: str, value: Any
) -> dict[str, Any]:
    """A copy of ``answers`` with ``name`` set to ``value`` (removed when ``None``) inside the
    repeat instances ``steps``; ``ValueError`` when an instance does not exist."""
    out = copy.deepcopy(answers)
    here = out
    for repeat, index in steps:
        items = here.get(repeat)
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise ValueError(f"no instance {repeat}[{index}]")
        here = items[index]
        if not isinstance(here, dict):
            raise ValueError(f"no instance {repeat}[{index}]")
    if value is None:
        here.pop(name, None)
    else:
        here[name] = value
    return out
