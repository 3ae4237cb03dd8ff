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

Three rules go further than Collect, to save taps on checklists (issue 17):

* a plain group whose shown children are all field-list groups (and read-only notes) is one
  page with a section per field-list group: the observation form's components, each holding
  its indicators; :func:`sections` numbers those sections across the form ("indikator 3 dari
  19"), from the form's structure;
* a page holding only read-only items (notes, labelled calculations: the score notes) does not
  cost a page of its own: it is shown on the page before it in the same group, else on the page
  after it in the same group, else on the page before (or after) it;
* a section page with at most :data:`SMALL_PAGE_SECTIONS` sections shares its page with the next
  section page of the same group (else the one before), as long as the shared page holds at most
  :data:`MAX_PAGE_SECTIONS` sections: the checklist's component 1 (one indicator) is filled with
  component 2, components 5 and 6 (two indicators each) together. A shared page starts each
  component with its heading (the component group's name in ``questions``), see
  :func:`components_of`.

Labels may hold ``${name}`` references: :func:`render_text` fills them from the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "HIDDEN_TYPES",
    "Page",
    "Section",
    "build_pages",
    "components_of",
    "is_display_only",
    "is_shared_page",
    "is_shown",
    "issue_location",
    "page_errors",
    "page_index_of",
    "page_is_relevant",
    "render_text",
    "sections",
    "visible_questions",
]

#: Question types that never appear on a page (filled by the app or the session).
HIDDEN_TYPES = frozenset(
    {"start", "end", "today", "deviceid", "username", "phonenumber", "subscriberid",
     "simserial", "audit", "hidden", "background-audio", "start-geopoint"}
)
QUESTIONS = "questions"
#: a section page with this many sections or fewer shares a page with a neighbouring one
SMALL_PAGE_SECTIONS = 2
#: the most sections a shared page holds
MAX_PAGE_SECTIONS = 8
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
    #: the group holding the page's own question or group (``""`` at the top level)
    parent: str = field(default="", compare=False)

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


def is_display_only(question: Any) -> bool:
    """A shown item the officer only reads: a note or a labelled calculation."""
    return is_shown(question) and question.type in ("note", "calculate")


def _is_section_page(question: Any) -> bool:
    """A plain group of field-list groups (and read-only items): one page, one section each."""
    if not question.is_group or question.is_repeat or question.field_list:
        return False
    shown = [c for c in question.children if c.is_group or is_shown(c)]
    groups = [c for c in shown if c.is_group]
    return bool(groups) and all(
        (c.is_group and c.field_list and not c.is_repeat) or (not c.is_group
                                                              and is_display_only(c))
        for c in shown)


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


def _section_names(group: Any) -> list[str]:
    """A section page's names: each field-list group's name, then its questions."""
    names: list[str] = []
    for child in group.children:
        if child.is_group:
            names.append(child.name)
            names.extend(_flatten(child.children))
        elif is_shown(child):
            names.append(child.name)
    return names


@dataclass(frozen=True)
class Section:
    """A field-list group shown as a section of its parent group's page."""

    name: str
    number: int
    total: int
    parent: str
    noun: str


def sections(form: Any, lang: str | None = None) -> dict[str, Section]:
    """Every section of the form's section pages, numbered in form order.

    ``noun`` is the first word the sections' labels share (``"indikator"`` for the
    observation checklist's "Indikator 3. ..."), lower-cased, or ``""`` when they share none.
    """
    found: list[tuple[Any, Any]] = []

    def walk(questions: list[Any]) -> None:
        for question in questions:
            if _is_section_page(question):
                found.extend((child, question) for child in question.children
                             if child.is_group)
            elif question.is_group:
                walk(question.children)

    walk(form.questions)
    words = {(child.label(lang, form.default_language) or "").split(" ", 1)[0].lower()
             for child, _parent in found}
    noun = words.pop() if len(words) == 1 else ""
    if not noun.isalpha():
        noun = ""
    return {child.name: Section(child.name, number, len(found), parent.name, noun)
            for number, (child, parent) in enumerate(found, start=1)}


def _relevant(session: Any, name: str, instance: tuple[int, ...]) -> bool:
    try:
        return bool(session.is_relevant(name, instance))
    except (KeyError, IndexError, ValueError):
        return False


def _walk(questions: list[Any], session: Any, instance: tuple[int, ...], out: list[Page],
          parent: str = "") -> None:
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
                        out.append(Page(QUESTIONS, question.name, inner, names, question.name))
                    _walk([c for c in question.children if c.is_repeat], session, inner, out,
                          question.name)
                else:
                    _walk(question.children, session, inner, out, question.name)
            out.append(Page(REPEAT, question.name, instance, (), parent))
        elif question.is_group:
            if not _relevant(session, question.name, instance):
                continue
            if question.field_list or _is_section_page(question):
                names = tuple(_flatten(question.children) if question.field_list
                              else _section_names(question))
                if names:
                    out.append(Page(QUESTIONS, question.name, instance, names, parent))
            else:
                _walk(question.children, session, instance, out, question.name)
        elif is_shown(question):
            out.append(Page(QUESTIONS, question.name, instance, (question.name,), parent))


def _fold_read_only_pages(form: Any, pages: list[Page]) -> list[Page]:
    """Put each page of read-only items on a neighbouring questions page (see the module)."""
    result = list(pages)
    index = 0
    while index < len(result):
        page = result[index]
        if page.kind != QUESTIONS or not all(
                is_display_only(form.question(name)) for name in page.questions):
            index += 1
            continue

        def host(at: int, page: Page = page) -> bool:
            other = result[at] if 0 <= at < len(result) else None
            return (other is not None and other.kind == QUESTIONS
                    and other.instance == page.instance
                    and not all(is_display_only(form.question(n)) for n in other.questions))

        def inside(at: int, page: Page = page) -> bool:
            other = result[at]
            return page.parent in (other.parent, other.key)

        before, after = index - 1, index + 1
        order = [at for at in (before, after) if host(at) and inside(at)] or [
            at for at in (before, after) if host(at)]
        if not order:
            index += 1
            continue
        target = order[0]
        other = result[target]
        joined = (other.questions + page.questions if target == before
                  else page.questions + other.questions)
        result[target] = replace(other, questions=joined)
        del result[index]  # the next page is now at ``index``
    return result


def components_of(form: Any, page: Page) -> list[tuple[str, tuple[str, ...]]]:
    """``[(section-page group, its names)]`` of a questions page: one item for a page of one
    component (its key), one per component for a shared page, none for any other page."""
    if page.kind != QUESTIONS or not _is_section_page(form.question(page.key)):
        return []
    if not page.questions or page.questions[0] != page.key:
        return [(page.key, page.questions)]
    found: list[tuple[str, list[str]]] = []
    for name in page.questions:
        question = form.question(name)
        if question.is_group and _is_section_page(question):
            found.append((name, []))
        elif found:
            found[-1][1].append(name)
    return [(group, tuple(names)) for group, names in found]


def is_shared_page(form: Any, page: Page) -> bool:
    """A page holding several components, each after its own heading."""
    return len(components_of(form, page)) > 1


def _section_count(form: Any, page: Page) -> int:
    return sum(1 for name in page.questions
               if form.question(name).is_group and form.question(name).field_list)


def _join(form: Any, first: Page, second: Page) -> Page:
    """One page holding both section pages, each component after its heading."""
    names: list[str] = []
    for page in (first, second):
        for group, inside in components_of(form, page):
            names.extend((group, *inside))
    return replace(first, questions=tuple(names))


def _join_small_section_pages(form: Any, pages: list[Page]) -> list[Page]:
    """Let small section pages share a page with a neighbour (see the module)."""
    result = list(pages)

    def joinable(at: int, other: int) -> bool:
        if not (0 <= other < len(result)):
            return False
        one, two = result[at], result[other]
        return (bool(components_of(form, two)) and two.instance == one.instance
                and two.parent == one.parent
                and _section_count(form, one) + _section_count(form, two)
                <= MAX_PAGE_SECTIONS)

    index = 0
    while index < len(result):
        page = result[index]
        if (not components_of(form, page)
                or _section_count(form, page) > SMALL_PAGE_SECTIONS):
            index += 1
            continue
        if joinable(index, index + 1):
            result[index] = _join(form, page, result[index + 1])
            del result[index + 1]
            continue  # the shared page may take a small neighbour too
        if joinable(index, index - 1):
            result[index - 1] = _join(form, result[index - 1], page)
            del result[index]
            continue
        index += 1
    return result


def build_pages(form: Any, session: Any, *, relevant_only: bool = True) -> list[Page]:
    """Return the pages of the form as the session stands (non-relevant pages skipped)."""
    pages: list[Page] = []
    _walk(form.questions, session, (), pages)
    pages = _fold_read_only_pages(form, pages)
    pages = _join_small_section_pages(form, pages)
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
