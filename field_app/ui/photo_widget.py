"""The image question: take or choose a photo, see it, remove it; a lost photo said so.

The camera on a tablet, a file chooser on a desktop (the form screen's ``pick_photo``); the
photo kept is the one :meth:`~field_app.form_session.EntryEditor.attach_photo` prepared (the
form's ``max-pixels`` applied, named after question and entry). Under the preview: the file's
name, its size in pixels and bytes. A photo whose file is missing or damaged on the tablet
(:mod:`field_app.photo_check`) is named as such, with what to do: retake it or remove it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from field_app.photo_check import DAMAGED, MISSING
from field_app.ui.controller import format_size
from field_app.ui.question_base import QuestionWidget
from field_app.ui.texts import tr
from field_app.ui.widgets import ErrorLabel, HintLabel, TouchButton

__all__ = ["ImageWidget", "photo_state"]


def photo_state(path: Path, sha256: str, cache: dict[str, Any]) -> str | None:
    """``None`` when the file at ``path`` holds the photo, else ``missing`` or ``damaged``.

    The hash is computed again only when the file's size or time changed (``cache``)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return MISSING
    except OSError:
        return DAMAGED
    key = (sha256, stat.st_size, stat.st_mtime_ns)
    if cache.get("key") != key:
        try:
            ok = hashlib.sha256(path.read_bytes()).hexdigest() == sha256
        except OSError:
            ok = False
        cache.update(key=key, ok=ok)
    return None if cache["ok"] else DAMAGED


class ImageWidget(QuestionWidget):
    """A photo: camera or file chooser, a preview, remove, and what is wrong with it."""

    def build_input(self) -> None:
        lang = self.owner.lang
        key = "form.image.camera" if self.owner.device.has_camera else "form.image.choose"
        row = BoxLayout(size_hint_y=None, height=dp(56), spacing=dp(8))
        self.button = TouchButton(text=tr(key, lang))
        self.button.bind(on_release=lambda *_: self.owner.pick_photo(self))
        self.remove_button = TouchButton(text=tr("form.image.remove", lang), disabled=True)
        self.remove_button.bind(on_release=lambda *_: self.remove_photo())
        row.add_widget(self.button)
        row.add_widget(self.remove_button)
        self.add_widget(row)
        self.problem = ErrorLabel(text="")
        self.add_widget(self.problem)
        self.preview = Image(size_hint_y=None, height=0, fit_mode="contain")
        self.add_widget(self.preview)
        self.file_label = HintLabel(text="")
        self.add_widget(self.file_label)
        self._check: dict[str, Any] = {}
        self.has_photo = False
        self.busy = False

    def set_busy(self, busy: bool) -> None:
        """A photo is being prepared: say so, no second photo meanwhile."""
        self.busy = busy
        self.button.disabled = busy or self.locked
        self.remove_button.disabled = busy or self.locked or not self.has_photo
        if busy:
            self.problem.text = ""
            self.file_label.text = tr("form.image.processing", self.owner.lang)

    def remove_photo(self) -> None:
        """Take the photo off the question (the officer then retakes it or leaves it empty)."""
        self.answer(None)

    def load(self, value: Any) -> None:
        lang = self.owner.lang
        # the camera, or the file chooser, of the device the screen has now
        key = "form.image.camera" if self.owner.device.has_camera else "form.image.choose"
        self.button.text = tr(key, lang)
        self.has_photo = isinstance(value, dict) and bool(value.get("sha256"))
        self.remove_button.disabled = self.locked or self.busy or not self.has_photo
        if self.busy:
            return  # "Memproses foto…" stays until the photo is ready
        if not self.has_photo:
            self.preview.source = ""
            self.preview.height = 0
            self.file_label.text = ""
            self.problem.text = ""
            return
        sha = str(value["sha256"])
        path = Path(self.owner.attachments_folder) / sha
        state = photo_state(path, sha, self._check)
        filename = str(value.get("filename", ""))
        if state is None:
            if self.preview.source != str(path):
                self.preview.source = str(path)
            self.preview.height = dp(220)
            width, height = self.preview.texture_size if self.preview.texture else (0, 0)
            size = format_size(path.stat().st_size)
            self.file_label.text = (tr("form.image.info", lang, filename=filename,
                                       width=int(width), height=int(height), size=size)
                                    if width else f"{filename} · {size}")
            self.problem.text = ""
        else:
            self.preview.source = ""
            self.preview.height = 0
            self.file_label.text = filename
            self.problem.text = tr(f"form.image.{state}", lang, filename=filename)

    def set_locked(self, locked: bool) -> None:
        self.button.disabled = locked or self.busy
        self.remove_button.disabled = locked or self.busy or not self.has_photo
