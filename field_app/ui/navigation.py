"""Which questions form one page of the form screen, and how the officer moves between pages.

Plain Python over a :class:`survey_forms.FormSession` (no Kivy import), so it is tested without
widgets. The rules follow ODK Collect:

* a top-level question is one page; a group with appearance ``field-list`` is one page holding
  every question inside it; other groups only contribute their children's pages;
* a repeat gives the pages of its children once per instance (one page per instance when the
  repeat itself is ``field-list``), followed by a control page to add, remove or move
  instances;
* pages whose questions are all not relevant are skipped (skip logic);
* metadata (``start``, ``deviceid``...) and calculations without a label are never shown.

Labels may hold ``${name}`` references: :func:`render_text` fills them from the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HIDDEN_TYPES",
    "Page",
    "build_pages",
    "is_shown",
    "issue_location",
    "page_errors",
    "page_index_of",
    "page_is_relevant",
    "render_text",
    "visible_questions",
]

#: Question types that never appear on a page (filled by the app or the session).
HIDDEN_TYPES = frozenset(
    {"start", "end", "today", "deviceid", "username", "phonenumber", "subscriberid",
     "simserial", "audit", "hidden", "background-audio", "start-geopoint"}
)
QUESTIONS = "questions"
REPEAT = "repeat"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Page:
    """One screenful: ``kind`` is ``"questions"`` or ``"repeat"`` (the repeat control page).

    ``key`` is the group (field-list), question or repeat it comes from; ``instance`` the repeat
    indexes it sits in; ``questions`` the names shown on a questions page, in form order.
    """

    kind: str
    key: str
    instance: tuple[int, ...]
    questions: tuple[str, ...] = ()

    @property
    def ident(self) -> tuple[str, str, tuple[int, ...]]:
        """A key that stays the same while pages around it appear and disappear."""
        return (self.kind, self.key, self.instance)


def is_shown(question: Any) -> bool:
    """Whether a question ever appears on a page (notes and labelled calculations do)."""
    if question.type in HIDDEN_TYPES or question.is_group:
        return False
    if question.type == "calculate":
        return bool(question.labels)
    return True


def _flatten(questions: list[Any]) -> list[str]:
    """The names shown on one field-list page: nested non-repeat groups are flattened."""
    names: list[str] = []
    for question in questions:
        if question.is_repeat:
            continue
        if question.is_group:
            names.extend(_flatten(question.children))
        elif is_shown(question):
            names.append(question.name)
    return names


def _relevant(session: Any, name: str, instance: tuple[int, ...]) -> bool:
    try:
        return bool(session.is_relevant(name, instance))
    except (KeyError, IndexError, ValueError):
        return False


def _walk(questions: list[Any], session: Any, instance: tuple[int, ...], out: list[Page]) -> None:
    for question in questions:
        if question.is_repeat:
            if not _relevant(session, question.name, instance):
                continue
            count = session.repeat_count(question.name, instance)
            for index in range(count):
                inner = (*instance, index)
                if "field-list" in (question.appearance or "").split():
                    names = tuple(_flatten(question.children))
                    if names:
                        out.append(Page(QUESTIONS, question.name, inner, names))
                    _walk([c for c in question.children if c.is_repeat], session, inner, out)
                else:
                    _walk(question.children, session, inner, out)
            out.append(Page(REPEAT, question.name, instance))
        elif question.is_group:
            if not _relevant(session, question.name, instance):
                continue
            if question.field_list:
                names = tuple(_flatten(question.children))
                if names:
                    out.append(Page(QUESTIONS, question.name, instance, names))
            else:
                _walk(question.children, session, instance, out)
        elif is_shown(question):
            out.append(Page(QUESTIONS, question.name, instance, (question.name,)))


def build_pages(form: Any, session: Any, *, relevant_only: bool = True) -> list[Page]:
    """Return the pages of the form as the session stands (non-relevant pages skipped)."""
    pages: list[Page] = []
    _walk(form.questions, session, (), pages)
    if relevant_only:
        pages = [page for page in pages if page_is_relevant(session, page)]
    return pages


def visible_questions(session: Any, page: Page) -> list[str]:
    """The questions of a page that are relevant now (skip logic applied live)."""
    return [name for name in page.questions if _relevant(session, name, page.instance)]


def page_is_relevant(session: Any, page: Page) -> bool:
    """A repeat control page always is; a questions page when one of its questions is."""
    if page.kind == REPEAT:
        return True
    return bool(visible_questions(session, page))


def page_errors(session: Any, page: Page) -> dict[str, Any]:
    """``{question: ValidationIssue}`` for the relevant questions of a page that have one."""
    found: dict[str, Any] = {}
    for name in visible_questions(session, page):
        issue = session.error(name, page.instance)
        if issue is not None:
            found[name] = issue
    return found


def page_index_of(pages: list[Page], ident: tuple[str, str, tuple[int, ...]]) -> int | None:
    """The index of the page with this ``ident``, or ``None`` when it is gone."""
    for index, page in enumerate(pages):
        if page.ident == ident:
            return index
    return None


def render_text(text: str, session: Any, instance: tuple[int, ...] = ()) -> str:
    """Fill ``${name}`` references of a label or hint with the session's current values."""
    if "${" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        for scope in (instance, ()):
            try:
                return str(session.text(name, scope))
            except (KeyError, IndexError, ValueError):
                continue
        return ""

    return _REFERENCE.sub(value, text)


def issue_location(path: str) -> tuple[str, tuple[int, ...]]:
    """``("temuan_teks", (0,))`` from an issue path ``"temuan[0]/temuan_teks"``."""
    name = _INDEX.sub("", path.split("/")[-1])
    return name, tuple(int(i) for i in _INDEX.findall(path))
