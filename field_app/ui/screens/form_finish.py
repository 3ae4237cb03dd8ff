"""The form screen's summary page (what blocks finalizing), finalizing, and photos.

A mixin of :class:`field_app.ui.screens.form.FormScreen` (split from it along this seam).
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.popup import Popup

from field_app.form_session import EntryEditor
from field_app.photos import PhotoError
from field_app.storage import is_storage_full
from field_app.ui.navigation import issue_location
from field_app.ui.question_widgets import QuestionWidget
from field_app.ui.reopen_panel import add_problem_lines, current_problems
from field_app.ui.texts import issue_message, tr
from field_app.ui.widgets import (
    BodyLabel,
    ErrorLabel,
    HintLabel,
    PrimaryButton,
    TitleLabel,
    TouchButton,
    show_toast,
)

log = logging.getLogger(__name__)

__all__ = ["FinishMixin"]


class FinishMixin:
    """Summary page, finalize and photos of :class:`~field_app.ui.screens.form.FormScreen`."""

    form: Any
    session: Any
    editor: Any

    def _issues(self) -> list[Any]:
        return list(self.form.validate(self.editor.answers()))

    def ready_to_finalize(self) -> bool:
        """Nothing blocks finalizing: no issue in the answers, no photo lost on the tablet."""
        return not self._issues() and not current_problems(self)

    def _build_summary(self, body: BoxLayout) -> None:
        body.add_widget(TitleLabel(text=tr("form.summary.title", self.lang)))
        if self.read_only:
            body.add_widget(BodyLabel(text=self.banner or ""))
            return
        issues = self._issues()
        problems = current_problems(self)
        add_problem_lines(self, body, problems)  # photos lost on the tablet block finalizing
        if not issues and not problems:
            body.add_widget(BodyLabel(text=tr("form.summary.ready", self.lang)))
        else:
            body.add_widget(
                ErrorLabel(text=tr("form.summary.blocked", self.lang, count=len(issues)))
            )
            for issue in issues:  # every one: nothing hidden behind "4 more"
                name, instance = issue_location(issue.path)
                label = (
                    self.form.question(name).label(self.form_lang, self.form.default_language)
                    if self.form.has_question(name)
                    else name
                )
                if instance:
                    label += " " + " ".join(f"#{i + 1}" for i in instance)
                target = self._page_of_question(name, instance)
                if target is not None and len(self.pages[target].questions) > 1:
                    label = f"{self._context_of(target, name)} › {label}"
                button = TouchButton(
                    text=f"{label}: {issue_message(issue, self.lang)}", halign="left", shorten=False
                )
                button.bind(
                    texture_size=lambda b, size: setattr(b, "height", max(dp(56), size[1] + dp(16)))
                )
                button.issue_path = issue.path
                if target is not None:
                    button.bind(on_release=partial(self.open_issue, target, name, instance))
                body.add_widget(button)
        finalize = PrimaryButton(text=tr("form.finalize", self.lang))
        finalize.bind(on_release=lambda *_: self.finalize())
        self.ids["finalize_button"] = finalize
        body.add_widget(finalize)
        body.add_widget(HintLabel(text=tr("form.summary.hint", self.lang)))

    def open_issue(self, target: int, name: str, instance: tuple[int, ...], *_args: Any) -> None:
        """From the summary: the issue's page, scrolled to its question, message shown."""
        self.touched.add((name, instance))
        self.jump(target, name)
        for widget in self.widgets:
            widget.highlight = widget.name == name and widget.instance == instance

    def _context_of(self, target: int, name: str) -> str:
        """Where a question sits: its section (indicator) on a section page, else the page."""
        page = self.pages[target]
        section = ""
        for other in page.questions:
            if self.form.question(other).is_group:
                section = other
            if other == name:
                break
        if not section:
            return self._page_name(page)
        label = self.form.question(section).label(self.form_lang, self.form.default_language)
        return label.split(".", 1)[0] if "." in label[:20] else label

    def _page_of_question(self, name: str, instance: tuple[int, ...]) -> int | None:
        for number, page in enumerate(self.pages):
            if name in page.questions and page.instance == instance:
                return number
        return None

    def finalize(self) -> None:
        """Finalize if the form validates; otherwise list what blocks it."""
        self.finalize_tried = True
        if current_problems(self):  # it could never be sent: retake or remove them first
            self.show_page(len(self.pages))
            return
        try:
            issues = self.editor.finalize()
        except Exception as exc:
            log.exception("finalize failed")
            full = is_storage_full(exc)
            self.app.notify(tr("error.storage_full" if full else "error.unexpected", self.lang))
            return
        if issues:
            self.show_page(len(self.pages))
            return
        self.app.show("home")
        show_toast(tr("form.finalized", self.lang))  # nothing to tap: nothing is lost

    # ----------------------------------------------------------------- photos

    def pick_photo(self, widget: QuestionWidget) -> None:
        """Camera on a tablet; a file chooser on a desktop."""
        if self.device.has_camera:
            # the camera's full-size file, removed once the prepared photo is kept
            target = self.app.controller.data_folder / "camera" / f"{widget.name}-{uuid4().hex}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            self.device.take_photo(
                target,
                lambda path: self.app.on_main_thread(self._photo_taken, widget, path, target),
            )
            return
        content = BoxLayout(orientation="vertical", spacing=dp(8))
        chooser = FileChooserListView(
            path=str(Path.home()), filters=["*.jpg", "*.jpeg", "*.png", "*.JPG", "*.PNG"]
        )
        folder = HintLabel(text=tr("form.image.folder", self.lang, path=chooser.path),
                           color=(0.85, 0.88, 0.92, 1))
        chooser.bind(path=lambda _c, path: setattr(
            folder, "text", tr("form.image.folder", self.lang, path=path)))
        _translate_chooser(chooser, self.lang)
        content.add_widget(folder)
        content.add_widget(chooser)
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        cancel = TouchButton(text=tr("common.cancel", self.lang))
        choose = PrimaryButton(text=tr("form.image.use", self.lang))
        row.add_widget(cancel)
        row.add_widget(choose)
        content.add_widget(row)
        popup = Popup(
            title=tr("form.image.choose", self.lang), content=content, size_hint=(0.9, 0.9)
        )
        cancel.bind(on_release=lambda *_: popup.dismiss())

        def use(*_args: Any) -> None:
            popup.dismiss()
            if chooser.selection:
                self._photo_taken(widget, Path(chooser.selection[0]))

        choose.bind(on_release=use)
        self.photo_popup = (popup, chooser, choose)
        popup.open()

    def attach_file(self, widget: QuestionWidget, path: Path | None) -> None:
        """Keep a recorded or chosen file (sound, video, document) as the widget's answer,
        as it is (photos alone are scaled, by :meth:`_photo_taken`)."""
        if path is None:
            return
        try:
            self.editor.attach_file(widget.name, path, widget.instance)
        except OSError as exc:
            key = "error.storage_full" if is_storage_full(exc) else "form.image.failed"
            self.app.notify(tr(key, self.lang))
            return
        self.touched.add((widget.name, widget.instance))
        self._refresh_widgets()

    def _photo_taken(self, widget: QuestionWidget, path: Path | None,
                     camera_file: Path | None = None) -> None:
        """Prepare the photo in a thread (scaling a 12 MP photo takes about a second), then
        answer with it on the interface's thread (:meth:`_photo_ready`)."""
        if path is None:
            return
        editor = self.editor
        widget.set_busy(True)

        def work() -> None:
            answer, error = None, None
            try:
                answer = editor.prepare_photo(widget.name, path, widget.instance)
            except PhotoError:
                error = "form.image.not_image"
            except OSError as exc:
                error = "error.storage_full" if is_storage_full(exc) else "form.image.failed"
            except Exception:  # never a traceback: log it, say it in words
                log.exception("cannot prepare photo %s", path)
                error = "form.image.failed"
            finally:
                if camera_file is not None:  # only the downscaled photo is kept
                    camera_file.unlink(missing_ok=True)
            self.app.on_main_thread(self._photo_ready, editor, widget, answer, error)

        threading.Thread(target=work, daemon=True, name="photo").start()

    def _photo_ready(self, editor: Any, widget: QuestionWidget, answer: dict[str, Any] | None,
                     error: str | None) -> None:
        widget.set_busy(False)
        if error is not None or answer is None:
            self.app.notify(tr(error or "form.image.failed", self.lang))
            return
        if editor is self.editor:
            self.answer(widget.name, widget.instance, answer)
            return
        # the officer left the entry meanwhile: answer it in its own draft, from the store
        try:  # a fresh session over the saved draft (refused if no longer a draft)
            EntryEditor(editor.store, editor.form, editor.entry_id).set_answer(
                widget.name, answer, widget.instance)
        except Exception:
            log.exception("photo for %s not attached", editor.entry_id)
            self.app.notify(tr("form.image.failed", self.lang))

def _translate_chooser(chooser: FileChooserListView, lang: str) -> None:
    """Kivy's file list has English column titles ("Name", "Size"): put the app's words."""
    titles = {"Name": tr("form.image.name", lang), "Size": tr("form.image.size", lang)}
    for widget in chooser.walk(restrict=True):
        text = getattr(widget, "text", None)
        if isinstance(text, str) and text in titles:
            widget.text = titles[text]
