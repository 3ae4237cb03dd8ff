"""The question list ("where am I"): every page of the form, grouped as the form is, with its
answers and a mark (answered / still required / has an error), visited or not.

Plain Python over the session and :mod:`field_app.ui.navigation`'s pages (no Kivy import).
A section page (a component of the observation checklist) gives a heading line and one line
per section (indicator); every other page gives one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from field_app.ui import navigation

__all__ = [
    "ANSWERED",
    "EMPTY",
    "ERROR",
    "REQUIRED",
    "OutlineLine",
    "answer_text",
    "outline",
    "state_of",
]

ANSWERED = "answered"
REQUIRED = "required"
ERROR = "error"
EMPTY = "empty"  # nothing required, nothing answered yet
MAX_ANSWER_CHARS = 60


@dataclass(frozen=True)
class OutlineLine:
    """One line of the question list.

    ``level`` 0 is a page (or a section page's heading), 1 a section of a section page;
    ``anchor`` the section (or question) to scroll to on that page, ``""`` for the page's top.
    """

    level: int
    title: str
    answers: str
    state: str
    page: int
    anchor: str = ""


def _value_shown(question: Any) -> bool:
    return not question.is_group and question.type not in ("note",)


def answer_text(form: Any, session: Any, name: str, instance: tuple[int, ...],
                lang: str) -> str:
    """An answer as the officer reads it (choice labels, not names); ``""`` when none."""
    question = form.question(name)
    try:
        value = session.value(name, instance)
    except (KeyError, IndexError, ValueError):
        return ""
    if value in (None, "", []):
        return ""
    if question.type in ("select_one", "select_multiple"):
        try:
            labels = {c.name: c.label(lang, form.default_language)
                      for c in session.choices(name, instance)}
        except (KeyError, IndexError, ValueError):
            labels = {}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if isinstance(value, dict):
        if "latitude" in value:
            return f"{value['latitude']:.5f}, {value['longitude']:.5f}"
        return str(value.get("filename") or value.get("sha256", ""))[:24]
    return " ".join(str(value).split())


def state_of(session: Any, names: Iterable[str], instance: tuple[int, ...],
             form: Any) -> str:
    """The mark of a set of questions: an error wins over a missing answer over answered."""
    states = set()
    for name in names:
        question = form.question(name)
        if not _value_shown(question) or question.type == "calculate":
            continue
        try:
            if not session.is_relevant(name, instance):
                continue
            issue = session.error(name, instance)
            value = session.value(name, instance)
        except (KeyError, IndexError, ValueError):
            continue
        if issue is not None:
            states.add(REQUIRED if issue.code == "required" else ERROR)
        elif value not in (None, "", []):
            states.add(ANSWERED)
    for state in (ERROR, REQUIRED, ANSWERED):
        if state in states:
            return state
    return EMPTY


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_ANSWER_CHARS else text[:MAX_ANSWER_CHARS - 1] + "…"


def _answers(form: Any, session: Any, names: Iterable[str], instance: tuple[int, ...],
             lang: str) -> str:
    parts = []
    for name in names:
        question = form.question(name)
        if question.is_group or question.type in ("note", "calculate"):
            continue
        try:
            if not session.is_relevant(name, instance):
                continue
        except (KeyError, IndexError, ValueError):
            continue
        text = answer_text(form, session, name, instance, lang)
        if text:
            parts.append(text)
    return _shorten(" · ".join(parts))


def outline(form: Any, session: Any, pages: list[navigation.Page], lang: str,
            page_title: Callable[[navigation.Page], str],
            repeat_answers: Callable[[navigation.Page], str]) -> list[OutlineLine]:
    """The lines of the question list for ``pages`` (``page_title`` names a page)."""
    lines: list[OutlineLine] = []
    for index, page in enumerate(pages):
        if page.kind == navigation.REPEAT:
            lines.append(OutlineLine(0, page_title(page), repeat_answers(page), EMPTY, index))
            continue
        groups = [n for n in page.questions if form.question(n).is_group]
        if not groups:
            state = state_of(session, page.questions, page.instance, form)
            lines.append(OutlineLine(0, page_title(page), _answers(
                form, session, page.questions, page.instance, lang), state, index))
            continue
        # a heading per component (a page shared by several has several), then its sections
        parts = navigation.components_of(form, page) or [(page.key, page.questions)]
        shared = len(parts) > 1
        for component, names in parts:
            if shared and not session.is_relevant(component, page.instance):
                continue
            part = replace(page, key=component, questions=names)
            lines.append(OutlineLine(0, page_title(part), "",
                                     state_of(session, names, page.instance, form), index,
                                     component if shared else ""))
            lines.extend(_section_lines(form, session, names, page.instance, lang, index))
    return lines


def _section_lines(form: Any, session: Any, names: tuple[str, ...], instance: tuple[int, ...],
                   lang: str, index: int) -> list[OutlineLine]:
    lines = []
    for group, inside in _split_sections(form, names):
        if not session.is_relevant(group, instance):
            continue
        label = navigation.render_text(
            form.question(group).label(lang, form.default_language), session, instance)
        lines.append(OutlineLine(
            1, label, _answers(form, session, inside, instance, lang),
            state_of(session, inside, instance, form), index, group))
    return lines


def _split_sections(form: Any, names: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """``[(section group, its question names)]`` of a section page, in order."""
    found: list[tuple[str, list[str]]] = []
    for name in names:
        if form.question(name).is_group:
            found.append((name, []))
        elif found and form.question(name).type != "note":
            found[-1][1].append(name)
    return found
