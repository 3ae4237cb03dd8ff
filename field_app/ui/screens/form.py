"""Filling a form: one page per question or field-list group, a navigator, repeat controls.

The page logic lives in :mod:`field_app.ui.navigation` (no Kivy); answers go through the core's
autosaving :class:`~field_app.form_session.EntryEditor`, so leaving at any moment keeps the
draft. After the last page comes a summary page that lists what still blocks finalizing.

The screen is split along its seams: repeat pages in :mod:`.form_repeats`, the summary page,
finalizing and photos in :mod:`.form_finish`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from field_app.rejections import ownership_advice
from field_app.ui import navigation
from field_app.ui.editing import ReadOnlyEntry, comment_of
from field_app.ui.extra_widgets import record_start_location
from field_app.ui.navigation import issue_location
from field_app.ui.question_widgets import QuestionWidget, make_question_widget
from field_app.ui.reopen_panel import add_reopen_panel
from field_app.ui.screens.form_finish import FinishMixin
from field_app.ui.screens.form_navigator import (
    ComponentHeader,
    NavigatorMixin,
    SectionHeader,
)
from field_app.ui.screens.form_repeats import RepeatsMixin
from field_app.ui.texts import tr
from field_app.ui.widgets import TitleLabel, show_toast

__all__ = ["FormScreen"]

log = logging.getLogger(__name__)

#: seconds of a frame spent building the next pages' widgets ahead of time
PREBUILD_BUDGET = 0.008
#: widgets built at once for a page not built ahead (the rest follow frame by frame)
FIRST_BUILD = 5


class FormScreen(NavigatorMixin, RepeatsMixin, FinishMixin, Screen):
    """The page being filled; ``index == len(pages)`` is the summary page."""

    title = StringProperty("")
    position = StringProperty("")
    fraction = NumericProperty(0)
    banner = StringProperty("")
    read_only = BooleanProperty(False)
    on_summary = BooleanProperty(False)
    #: the same as ``on_summary``, for kv rules (a name starting with "on_" reads as an event)
    summary_shown = BooleanProperty(False)
    at_start = BooleanProperty(True)
    #: on the last page of an entry ready to finalize: Next reads "Finalisasi" and finalizes
    #: (the summary page, one more tap, only shows when something still blocks)
    finish_here = BooleanProperty(False)

    #: question widgets already built, by form, language, instance and questions of a page
    _built: dict[tuple[Any, ...], list[QuestionWidget]]
    _prebuild_queue: list[tuple[Any, Any, navigation.Page]]
    _prebuild_event: Any = None
    editor: Any = None
    form: Any = None
    session: Any = None

    def _attach(self) -> None:
        self.app = App.get_running_app()
        self.device = self.app.device
        self.attachments_folder = self.app.controller.data_folder / "attachments"
        if not hasattr(self, "_built"):
            self._built = {}
            self._prebuild_queue = []

    def prepare(self, new: tuple[str, str] | None = None, entry_id: str | None = None) -> None:
        """Open a new draft of form ``new`` or the entry ``entry_id``."""
        self._attach()
        controller = self.app.controller
        if new is not None:
            self.editor = controller.new_entry(*new)
        else:
            self.editor = controller.open_entry(entry_id)
        self.form = self.editor.form
        self.session = self.editor.session
        self.read_only = isinstance(self.editor, ReadOnlyEntry)
        self.title = self.form.title
        self.touched: set[tuple[str, tuple[int, ...]]] = set()
        self.checked_pages: set[tuple[str, str, tuple[int, ...]]] = set()
        self.finalize_tried = False
        self.widgets: list[QuestionWidget] = []
        self.banner = self._banner_text()
        self.pages = navigation.build_pages(self.form, self.session)
        self.index = 0
        self.show_page(0)
        if new is not None:
            record_start_location(self)  # start-geopoint, where the form has one

    # ------------------------------------------------------------------ language

    @property
    def lang(self) -> str:
        """The interface language."""
        return self.app.lang

    @property
    def form_lang(self) -> str:
        """The form language matching the interface one (else the form's default)."""
        codes = self.form.language_codes
        return self.lang if self.lang in codes else self.form.default_language

    def _banner_text(self) -> str:
        record = self.app.controller.store.get_entry(self.editor.entry_id)
        lines = []
        comment = comment_of(record) if record.get("correction") or record.get(
            "review_status") == "needs_correction" else ""
        if comment:
            lines.append(tr("form.banner.comment", self.lang, comment=comment))
        if record.get("rejection"):
            rejection = record["rejection"]
            advice = ownership_advice(rejection, record.get("region") or "",
                                      bool(record.get("sent_rev")))
            reason = (advice[self.lang if self.lang in advice else "id"] if advice
                      else (rejection.get("message_id") if self.lang == "id"
                            else rejection.get("message")) or "")
            lines.append(tr("form.banner.rejected", self.lang, reason=reason))
        if record["status"] == "conflict":
            lines.append(tr("form.banner.conflict", self.lang))
            for conflict in record.get("conflicts") or []:
                name, _ = issue_location(conflict.get("path", ""))
                label = (self.form.question(name).label(self.form_lang,
                                                        self.form.default_language)
                         if self.form.has_question(name) else name)
                # whose each value is, who and when (field_app.conflict_text)
                lines.append(self.app.controller.conflict_line(record, conflict, label,
                                                               self.lang))
        elif self.read_only:
            lines.append(tr("form.banner.read_only", self.lang,
                            status=tr(f"entry.status.{record['status']}", self.lang)))
        return "\n".join(lines)

    # --------------------------------------------------------------------- pages

    def show_page(self, index: int) -> None:
        """Build the widgets of page ``index`` (or the summary page)."""
        self.index = max(0, min(index, len(self.pages)))
        body = self.ids.body
        body.clear_widgets()
        self.widgets = []
        add_reopen_panel(self, body)  # a finalized entry: photo problems, reopen
        self.on_summary = self.summary_shown = self.index == len(self.pages)
        self.at_start = self.index == 0
        total = len(self.pages)
        self._set_position()
        if self.on_summary:
            self.fraction = 1
            self._build_summary(body)
        else:
            page = self.pages[self.index]
            self.fraction = (self.index + 1) / (total + 1)
            if page.kind == navigation.REPEAT:
                self._build_repeat(body, page)
            else:
                self._build_questions(body, page)
        self.ids.scroll.scroll_y = 1

    def _set_position(self) -> None:
        """"Halaman 2 dari 9 · Indikator 2–7 dari 19" (the summary has its own line)."""
        total = len(self.pages)
        self.finish_here = (not self.read_only and total > 0 and self.index == total - 1
                            and self.ready_to_finalize())
        if self.index >= total:
            self.position = tr("form.position.summary", self.lang)
            return
        text = tr("form.position", self.lang, page=self.index + 1, total=total)
        inside = self.page_sections(self.pages[self.index])
        if inside:
            first, last = inside[0], inside[-1]
            shown = self.section_position(first)
            if last is not first:
                shown = shown.replace(str(first.number), f"{first.number}–{last.number}", 1)
            text += " · " + shown
        self.position = text

    def _page_title(self, page: navigation.Page) -> str:
        question = self.form.question(page.key)
        if not question.is_group or navigation.is_shared_page(self.form, page):
            return ""  # a shared page heads each of its components itself
        label = navigation.render_text(
            question.label(self.form_lang, self.form.default_language), self.session,
            page.instance)
        if question.is_repeat and page.kind != navigation.REPEAT:
            label = tr("form.repeat.item", self.lang, label=label, number=page.instance[-1] + 1)
        return label

    def _build_questions(self, body: BoxLayout, page: navigation.Page) -> None:
        heading = self._page_title(page)
        if heading:
            body.add_widget(TitleLabel(text=heading))
        self.widgets = self._widgets_for(page, max_new=FIRST_BUILD)
        self._refresh_widgets(first_screenful=True)
        self._schedule_prebuild()

    # ------------------------------------------------------- building ahead of time

    def _key(self, page: navigation.Page, form: Any = None) -> tuple[Any, ...]:
        form = form or self.form
        return (form.form_id, form.version, self.lang, page.instance, page.questions)

    def _widgets_for(self, page: navigation.Page,
                     max_new: int | None = None) -> list[QuestionWidget]:
        """The page's question widgets: built ahead in idle time, or now (at most
        ``max_new`` of them now: the rest follow in the next frames)."""
        built = self._built.setdefault(self._key(page), [])
        for name in page.questions[len(built):]:
            if max_new is not None and max_new <= 0:
                break
            built.append(self._make_widget(self.form.question(name), page.instance))
            max_new = None if max_new is None else max_new - 1
        return built

    def complete_page(self) -> None:
        """Every widget of the page shown, now (before checking it or jumping inside it)."""
        if not self.on_summary and self.index < len(self.pages):
            page = self.pages[self.index]
            if page.kind == navigation.QUESTIONS:
                self.widgets = self._widgets_for(page)
                self._refresh_widgets()

    def _queue(self, form: Any, session: Any, pages: list[navigation.Page]) -> None:
        for page in pages:
            if (page.kind == navigation.QUESTIONS
                    and len(self._built.get(self._key(page, form), [])) < len(page.questions)):
                self._prebuild_queue.append((form, session, page))
        if self._prebuild_queue and self._prebuild_event is None:
            self._prebuild_event = Clock.schedule_interval(self._prebuild_step, 0)

    def _schedule_prebuild(self) -> None:
        """Build the next pages' widgets during idle frames (one question per frame)."""
        self._prebuild_queue = []
        self._queue(self.form, self.session, self.pages[self.index + 1:self.index + 3])

    def _prebuild_step(self, _dt: float) -> bool:
        """Build queued widgets for up to :data:`PREBUILD_BUDGET` seconds of this frame.

        A component page of the checklist holds some 30 widgets: one per frame was too slow
        for an officer who turns the page after a second on a busy tablet.
        """
        deadline = time.perf_counter() + PREBUILD_BUDGET
        while self._prebuild_queue:
            form, session, page = self._prebuild_queue[0]
            built = self._built.setdefault(self._key(page, form), [])
            if len(built) >= len(page.questions):
                self._prebuild_queue.pop(0)
                continue
            shown = (self.form, self.session)
            self.form, self.session = form, session
            try:
                widget = self._make_widget(form.question(page.questions[len(built)]),
                                           page.instance)
                # lay it out at the page's width now, so its texts are not drawn twice
                widget.width = self.ids.body.width
                built.append(widget)
                # choices and label textures now, not when the page opens
                with contextlib.suppress(KeyError, IndexError, ValueError):
                    widget.refresh(False)
            finally:
                self.form, self.session = shown
            if time.perf_counter() >= deadline:
                return True
        self._prebuild_event = None
        return False

    def _make_widget(self, question: Any, instance: tuple[int, ...]) -> QuestionWidget:
        """A section heading for a group, else the question type's widget."""
        if question.is_group:
            kind = SectionHeader if question.field_list else ComponentHeader
            return kind(self, question, instance)
        return make_question_widget(self, question, instance)

    def prewarm(self, forms: list[Any]) -> None:
        """Build the first pages of ``forms`` while the officer is on the home screen."""
        self._attach()
        if self.manager is not None and self.manager.current == self.name:
            return
        self._prebuild_queue = []
        for form in forms:
            session = form.new_session()
            self._queue(form, session, navigation.build_pages(form, session)[:2])

    def _shows_error(self, widget: QuestionWidget) -> bool:
        key = (widget.name, widget.instance)
        page = self.pages[self.index] if self.index < len(self.pages) else None
        return (key in self.touched or self.finalize_tried
                or (page is not None and page.ident in self.checked_pages))

    def _refresh_widgets(self, first_screenful: bool = False) -> None:
        """Show relevant questions in form order, hide the others, redraw each.

        Only the widgets that change place are added or removed (a note appearing on a
        component page of 30 questions moves one widget, not 30). With ``first_screenful``
        (a page just opened) the questions filling the view come first and the rest follow
        on the next frame, so a long component page appears as fast as a short one.
        """
        body = self.ids.body
        page = self.pages[self.index]
        visible = set(navigation.visible_questions(self.session, page))
        wanted = [w for w in self.widgets if w.name in visible]
        if first_screenful:
            shown, height = [], 0.0
            for widget in wanted:
                shown.append(widget)
                height += widget.height + dp(20)
                if height > self.ids.scroll.height * 1.5 + dp(200):
                    break
            if len(shown) < len(wanted) or len(self.widgets) < len(page.questions):
                ident = page.ident

                def rest(_dt: float) -> None:
                    if (self.on_summary or self.index >= len(self.pages)
                            or self.pages[self.index].ident != ident):
                        return
                    deadline = time.perf_counter() + PREBUILD_BUDGET
                    while (len(self.widgets) < len(page.questions)
                           and time.perf_counter() < deadline):
                        self._widgets_for(page, max_new=1)
                    self._refresh_widgets()
                    if len(self.widgets) < len(page.questions):
                        Clock.schedule_once(rest, 0.02)
                # after this frame is drawn (a 0 delay would run in this same frame)
                Clock.schedule_once(rest, 0.02)
            wanted = shown
        current = [w for w in reversed(body.children) if isinstance(w, QuestionWidget)]
        if wanted != current:
            keep = {id(w) for w in wanted}
            for widget in current:
                if id(widget) not in keep:
                    body.remove_widget(widget)
            top = len(body.children) - len([w for w in body.children
                                            if isinstance(w, QuestionWidget)])
            for position, widget in enumerate(wanted):
                if widget.parent is not body:
                    if widget.parent is not None:
                        widget.parent.remove_widget(widget)
                    body.add_widget(widget, index=len(body.children) - (top + position))
        for widget in wanted:
            widget.refresh(self._shows_error(widget))

    def answer(self, name: str, instance: tuple[int, ...], value: Any) -> None:
        """An answer from a question widget: save it, then apply skip logic live."""
        if self.read_only:
            return
        try:
            self.editor.set_answer(name, value, instance)
        except Exception:
            log.exception("cannot save answer %s", name)
            self.app.notify(tr("form.error.save", self.lang))
            return
        self.touched.add((name, instance))
        self._recompute_pages()
        if not self.on_summary and self.pages[self.index].kind == navigation.QUESTIONS:
            self._refresh_widgets()

    def _recompute_pages(self) -> None:
        ident = self.pages[self.index].ident if self.index < len(self.pages) else None
        self.pages = navigation.build_pages(self.form, self.session)
        if ident is not None:
            found = navigation.page_index_of(self.pages, ident)
            if found is not None:
                self.index = found
        self._set_position()

    # ---------------------------------------------------------------- moving

    def next_page(self, auto: bool = False) -> None:
        """Go on; a page with errors stays and shows them (required, constraint).

        On the last page of a ready entry, the officer's Next finalizes (:attr:`finish_here`);
        an ``auto`` step (a ``quick`` choice going on by itself) never finalizes: it opens the
        summary."""
        if self.on_summary:
            return
        page = self.pages[self.index]
        if not self.read_only and page.kind == navigation.QUESTIONS:
            self.complete_page()
            self.checked_pages.add(page.ident)
            errors = navigation.page_errors(self.session, page)
            if errors:
                self._refresh_widgets()
                first = next(w for w in self.widgets if w.name in errors)
                for widget in self.widgets:
                    widget.highlight = widget is first
                self._bring_into_view(first)
                return
        if self.finish_here and not auto and self.index == len(self.pages) - 1:
            self.finalize()
            return
        self.show_page(self.index + 1)

    def _bring_into_view(self, widget: QuestionWidget) -> None:
        """Scroll so that the question's label and its message are at the top of the view.

        The message was just filled in: the page grows on the next layout pass, so the
        scroll is done again after it (scrolling at once used the old heights and missed in
        landscape).
        """
        self.scroll_widget_to_top(widget)

    def scroll_widget_to_top(self, widget: Any) -> None:
        """Put ``widget`` near the top of the page's view, now and after the next layouts."""
        def scroll(_dt: float) -> None:
            if widget.parent is None:
                return
            view, body = self.ids.scroll, self.ids.body
            spare = body.height - view.height
            if spare <= 0:
                view.scroll_y = 1
                return
            from_bottom = widget.top - body.y + dp(24)
            view.scroll_y = max(0.0, min(1.0, (from_bottom - view.height) / spare))
        for delay in (0, 0.05, 0.15, 0.3):
            Clock.schedule_once(scroll, delay)
        # a long page may still be growing after that (widgets built frame by frame, texts
        # wrapped): follow its height for a second more
        body = self.ids.body
        follow = body.fbind("height", lambda *_a: Clock.schedule_once(scroll, 0))
        Clock.schedule_once(lambda _dt: body.unbind_uid("height", follow), 1.0)

    def previous_page(self) -> None:
        """Go back one page."""
        if self.index > 0:
            self.show_page(self.index - 1)

    def jump(self, index: int, anchor: Any = "", *_args: Any) -> None:
        """Go to any page (from the navigator or the summary), scrolled to ``anchor``."""
        if getattr(self, "_navigator", None) is not None:
            # at once: a fade-out started while the list is still fading in is lost (the list
            # then stays open over the page the officer jumped to)
            self._navigator.dismiss(animation=False)
            self._navigator = None
        self.show_page(index)
        if isinstance(anchor, str):
            self.scroll_to_anchor(anchor)

    def leave(self) -> None:
        """Back to home; the draft is already saved (a short message, nothing to tap)."""
        self.app.show("home")
        if not self.read_only:
            show_toast(tr("form.draft_saved", self.lang))

    def _page_name(self, page: navigation.Page) -> str:
        if page.kind == navigation.REPEAT:
            question = self.form.question(page.key)
            return tr("form.repeat.control", self.lang,
                      label=question.label(self.form_lang, self.form.default_language))
        title = self._page_title(page)
        if title:
            return title
        question = self.form.question(page.questions[0])
        return navigation.render_text(
            question.label(self.form_lang, self.form.default_language), self.session,
            page.instance)
