"""The form screen's question list and section headings (issue 17: always know where you are).

A mixin of :class:`field_app.ui.screens.form.FormScreen`: :meth:`open_navigator` shows every
page grouped as the form is (components, then their indicators), each line with its answers
and a mark (answered / still required / needs fixing), visited or not; a tap goes there and
scrolls to the section. :class:`SectionHeader` starts each section of a section page with
"Indikator n dari 19" and its component. Styles in ``form.kv``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.popup import Popup
from kivy.uix.scrollview import ScrollView

from field_app.ui import navigation, outline
from field_app.ui.question_base import QuestionWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import PrimaryButton, TouchButton

__all__ = ["STATE_COLORS", "NavLine", "NavigatorMixin", "SectionHeader"]

#: mark colours (each at least 4.5:1 against white, so the words read outdoors too)
STATE_COLORS = {
    outline.ANSWERED: (0.0, 0.42, 0.18, 1),
    outline.REQUIRED: (0.62, 0.31, 0.0, 1),
    outline.ERROR: (0.72, 0.1, 0.08, 1),
    outline.EMPTY: (0.35, 0.38, 0.42, 1),
}


class SectionHeader(QuestionWidget):
    """The heading of a section (an indicator): its number of all, its component, its label."""

    kicker = StringProperty("")

    def build_input(self) -> None:
        self.remove_widget(self.error_label)

    def refresh(self, show_error: bool) -> None:
        """Label and position from the form (no answer, no error)."""
        owner = self.owner
        lang, default = owner.form_lang, owner.form.default_language
        self.label.text = navigation.render_text(self.question.label(lang, default),
                                                 owner.session, self.instance)
        section = owner.section_info().get(self.name)
        if section is None:
            self.kicker = ""
            return
        parent = owner.form.question(section.parent).label(lang, default)
        self.kicker = owner.section_position(section) + " · " + parent


class ComponentHeader(SectionHeader):
    """The heading of a component on a page shared by several (its label, title-sized)."""

    def build_input(self) -> None:
        super().build_input()
        self.label.font_size = sp(24)  # as the page title of a page of one component

    def refresh(self, show_error: bool) -> None:
        """The component's label; no position line (its indicators carry one each)."""
        owner = self.owner
        self.label.text = navigation.render_text(
            self.question.label(owner.form_lang, owner.form.default_language), owner.session,
            self.instance)
        self.kicker = ""


class NavLine(ButtonBehavior, BoxLayout):
    """One line of the question list: mark, title, answers, state in words."""

    title = StringProperty("")
    answers = StringProperty("")
    state_text = StringProperty("")
    mark = ListProperty([0, 0, 0, 1])
    level = NumericProperty(0)
    current = NumericProperty(0)
    state_name = StringProperty("")


class NavigatorMixin:
    """Question list and section positions of :class:`~field_app.ui.screens.form.FormScreen`."""

    form: Any
    session: Any
    pages: list[navigation.Page]
    index: int

    def section_info(self) -> dict[str, navigation.Section]:
        """The form's sections (cached per form and language)."""
        key = (self.form.form_id, self.form.version, self.form_lang)
        cache = getattr(self, "_sections", None)
        if cache is None or cache[0] != key:
            self._sections = (key, navigation.sections(self.form, self.form_lang))
        return self._sections[1]

    def section_position(self, section: navigation.Section) -> str:
        """``"Indikator 3 dari 19"`` (the noun from the form's labels, else "Bagian")."""
        if section.noun:
            return tr("form.section.position", self.lang, noun=section.noun.capitalize(),
                      number=section.number, total=section.total)
        return tr("form.section.position_plain", self.lang, number=section.number,
                  total=section.total)

    def page_sections(self, page: navigation.Page) -> list[navigation.Section]:
        """The sections a page holds, in order."""
        info = self.section_info()
        return [info[name] for name in page.questions if name in info]

    def outline_lines(self) -> list[outline.OutlineLine]:
        """The question list's lines for the pages as they stand."""
        return outline.outline(self.form, self.session, self.pages, self.form_lang,
                               self._page_name, self._repeat_answers)

    def _repeat_answers(self, page: navigation.Page) -> str:
        count = self.session.repeat_count(page.key, page.instance)
        return tr("form.repeat.count", self.lang, count=count)

    def open_navigator(self) -> None:
        """The question list: every page and section with answers and marks; tap to go."""
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(2))
        box.bind(minimum_height=box.setter("height"))
        lines = self.outline_lines()
        for line in lines:
            state = line.state if not self.read_only else outline.EMPTY
            row = NavLine(title=line.title, answers=line.answers, level=line.level,
                          mark=list(STATE_COLORS[state]), state_name=state,
                          state_text=(tr(f"form.state.{state}", self.lang)
                                      if state != outline.EMPTY else ""),
                          current=1 if line.page == self.index and line.level == 0 else 0)
            row.bind(on_release=partial(self.jump, line.page, line.anchor))
            row.line = line
            box.add_widget(row)
        summary = PrimaryButton(text=tr("form.position.summary", self.lang))
        summary.bind(on_release=partial(self.jump, len(self.pages), ""))
        box.add_widget(summary)
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(box)
        content = BoxLayout(orientation="vertical", spacing=dp(8))
        content.add_widget(scroll)
        close = TouchButton(text=tr("common.close", self.lang))
        content.add_widget(close)
        self._navigator = Popup(title=tr("form.navigator", self.lang), content=content,
                                size_hint=(0.94, 0.94), title_size="20sp")
        close.bind(on_release=lambda *_: self._navigator.dismiss())
        self._navigator.open()
        # the current page's line in view
        current = [row for row in box.children if getattr(row, "current", 0)]
        if current:
            Clock.schedule_once(lambda _dt: scroll.scroll_to(current[0], animate=False), 0)

    def scroll_to_anchor(self, anchor: str) -> None:
        """After the page is laid out, bring the section or question ``anchor`` into view."""
        if not anchor:
            return
        self.complete_page()
        for widget in self.ids.body.children:
            if getattr(widget, "name", None) == anchor:
                self.scroll_widget_to_top(widget)
                return
