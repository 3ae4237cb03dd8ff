"""The form screen's repeat pages: list the instances, add, open, move and remove them.

A mixin of :class:`field_app.ui.screens.form.FormScreen` (split from it along this seam).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from field_app.ui import navigation
from field_app.ui.editing import move_repeat
from field_app.ui.texts import tr
from field_app.ui.widgets import (
    BodyLabel,
    Card,
    PrimaryButton,
    TitleLabel,
    TouchButton,
    confirm,
)
from survey_forms.session import MAX_INSTANCES, TooManyInstancesError

log = logging.getLogger(__name__)

__all__ = ["RepeatsMixin"]


class RepeatsMixin:
    """Repeat pages of :class:`~field_app.ui.screens.form.FormScreen`."""

    form: Any
    session: Any
    editor: Any

    def _build_repeat(self, body: BoxLayout, page: navigation.Page) -> None:
        question = self.form.question(page.key)
        label = question.label(self.form_lang, self.form.default_language)
        count = self.session.repeat_count(page.key, page.instance)
        body.add_widget(TitleLabel(text=label))
        body.add_widget(BodyLabel(text=tr("form.repeat.count", self.lang, count=count)))
        fixed = question.repeat_count is not None or self.read_only
        for index in range(count):
            card = Card()
            card.add_widget(
                BodyLabel(text=self._instance_summary(question, page, index), bold=True)
            )
            row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
            actions = [("form.repeat.open", self._open_instance)]
            if not fixed:
                actions += [
                    ("form.repeat.up", self._move_up),
                    ("form.repeat.down", self._move_down),
                    ("form.repeat.remove", self._remove),
                ]
            for key, action in actions:
                button = TouchButton(text=tr(key, self.lang))
                button.action = key
                button.disabled = (key == "form.repeat.up" and index == 0) or (
                    key == "form.repeat.down" and index == count - 1
                )
                button.bind(on_release=partial(action, page, index))
                row.add_widget(button)
            card.add_widget(row)
            body.add_widget(card)
        if not fixed:
            add = PrimaryButton(text=tr("form.repeat.add", self.lang, label=label))
            add.action = "form.repeat.add"
            add.bind(on_release=partial(self._add, page))
            body.add_widget(add)

    def _instance_summary(self, question: Any, page: navigation.Page, index: int) -> str:
        instance = (*page.instance, index)
        for child in question.children:
            if child.type == "text":
                value = self.session.value(child.name, instance)
                if value:
                    text = str(value)
                    return f"#{index + 1}: {text[:60]}{'…' if len(text) > 60 else ''}"
        return f"#{index + 1}"

    def _first_page_of(self, key: str, instance: tuple[int, ...]) -> int | None:
        for number, page in enumerate(self.pages):
            if (
                page.kind == navigation.QUESTIONS
                and page.instance == instance
                and (page.key == key or key in self._ancestors(page))
            ):
                return number
        return None

    def _ancestors(self, page: navigation.Page) -> set[str]:
        names = set()
        question = self.form.question(page.questions[0]) if page.questions else None
        while question is not None:
            names.add(question.name)
            question = question.parent
        return names

    def _add(self, page: navigation.Page, *_args: Any) -> None:
        try:
            index = self.editor.add_repeat(page.key, page.instance)
        except TooManyInstancesError:  # the entry holds as many repeat instances as it may
            self.app.notify(tr("form.repeat.too_many", self.lang, max=MAX_INSTANCES))
            return
        self._recompute_pages()
        target = self._first_page_of(page.key, (*page.instance, index))
        self.show_page(target if target is not None else self.index)

    def _open_instance(self, page: navigation.Page, index: int, *_args: Any) -> None:
        target = self._first_page_of(page.key, (*page.instance, index))
        if target is not None:
            self.show_page(target)

    def _move(self, page: navigation.Page, index: int, new_index: int) -> None:
        move_repeat(self.editor, page.key, index, new_index, page.instance)
        self._recompute_pages()
        self.show_page(self.index)

    def _move_up(self, page: navigation.Page, index: int, *_args: Any) -> None:
        self._move(page, index, index - 1)

    def _move_down(self, page: navigation.Page, index: int, *_args: Any) -> None:
        self._move(page, index, index + 1)

    def _remove(self, page: navigation.Page, index: int, *_args: Any) -> None:
        def remove() -> None:
            self.editor.remove_repeat(page.key, index, page.instance)
            self._recompute_pages()
            self.show_page(self.index)

        self.confirm_popup = confirm(
            tr("form.repeat.remove_confirm", self.lang, number=index + 1),
            tr("form.repeat.remove", self.lang),
            remove,
        )
