"""The desktop file chooser in the app's language (where the device has no camera or
recorder): Kivy's file list titles its columns "Name" and "Size" in English and shows no
folder; :func:`file_chooser` gives a list with the catalog's words and the folder above it.
"""

from __future__ import annotations

from pathlib import Path

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.filechooser import FileChooserListView

from field_app.ui.texts import tr
from field_app.ui.widgets import HintLabel

__all__ = ["file_chooser", "translate_titles"]

#: Kivy's English column titles and the catalog keys that replace them
_TITLES = {"Name": "form.image.name", "Size": "form.image.size"}


def translate_titles(chooser: FileChooserListView, lang: str) -> None:
    """Put the app's words on the column titles of Kivy's file list."""
    for widget in chooser.walk(restrict=True):
        text = getattr(widget, "text", None)
        if isinstance(text, str) and text in _TITLES:
            widget.text = tr(_TITLES[text], lang)


def file_chooser(lang: str, filters: list[str]) -> tuple[BoxLayout, FileChooserListView]:
    """A box with the current folder (in ``lang``) above a file list starting at the home
    folder and showing the files that match ``filters``; returns the box and the list."""
    box = BoxLayout(orientation="vertical", spacing=dp(8))
    chooser = FileChooserListView(path=str(Path.home()), filters=filters)
    folder = HintLabel(text=tr("form.image.folder", lang, path=chooser.path),
                       color=(0.85, 0.88, 0.92, 1))  # light: the popup is dark
    chooser.bind(path=lambda _c, path: setattr(
        folder, "text", tr("form.image.folder", lang, path=path)))
    translate_titles(chooser, lang)
    box.add_widget(folder)
    box.add_widget(chooser)
    return box, chooser
