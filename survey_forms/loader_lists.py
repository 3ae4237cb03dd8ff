"""The choice lists a survey can use (the choices sheet, the external_choices sheet, files
published with the form) and pyxform's ``or_other`` expansion."""

from __future__ import annotations

import hashlib

from survey_forms.errors import FormError
from survey_forms.loader_types import (
    OTHER_CHOICE,
    MediaReader,
    choices_from_file,
    other_label,
    other_question,
)
from survey_forms.model import Choice, Question

__all__ = ["Lists", "add_other"]


class Lists:
    """The choice lists a survey can use: the choices sheet, the external_choices sheet and the
    files published with the form (read when a question names them)."""

    def __init__(
        self,
        choices: dict[str, list[Choice]],
        external: dict[str, list[Choice]],
        read_media: MediaReader | None,
    ) -> None:
        self.choices = choices
        self.external = external
        self.read_media = read_media
        #: lists read from files: list name (the file name) -> how it was read
        self.files: dict[str, dict[str, str]] = {}
        #: the bytes of those files, to publish with the form
        self.file_data: dict[str, bytes] = {}

    def resolve(self, question: Question, source: str, lang: str) -> None:
        """Make the question's list available in ``choices`` (or raise a FormError)."""
        name = question.list_name or ""
        if source == "file":
            if name not in self.choices:
                self.choices[name] = choices_from_file(
                    name, self.read_media, question.parameters, question.row, lang
                )
                data = self.read_media(name) if self.read_media is not None else None
                if data is not None:  # choices_from_file refused a missing file already
                    self.file_data[name] = data
                    self.files[name] = {
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "value": question.parameters.get("value", "name"),
                        "label": question.parameters.get("label", "label"),
                        "lang": lang,
                    }
            return
        table = self.external if source == "external" else self.choices
        sheet = "external_choices" if source == "external" else "choices"
        if name not in table:
            raise FormError(
                f"choice list '{name}' is not in the {sheet} sheet",
                sheet="survey",
                row=question.row,
                message_id=f"daftar pilihan '{name}' tidak ada di lembar {sheet}",
                fix=f"Add the choices of '{name}' to the {sheet} sheet, or fix the list name.",
                fix_id=f"Tambahkan pilihan '{name}' ke lembar {sheet}, atau perbaiki nama daftar.",
            )
        if source == "external":
            self.choices.setdefault(name, table[name])


def add_other(
    question: Question,
    choices: dict[str, list[Choice]],
    siblings: list[Question],
    names: dict[str, int],
    langs: list[str],
) -> None:
    """pyxform's or_other: an ``other`` choice in the list and a ``<name>_other`` text question
    right after the select, relevant when ``other`` is chosen."""
    if question.choice_filter:
        raise FormError(
            "a choice_filter cannot be used with or_other (as in pyxform)",
            sheet="survey",
            row=question.row,
            message_id="choice_filter tidak dapat dipakai bersama or_other (seperti di pyxform)",
            fix="Remove or_other and add an 'other' choice and a text question with a relevant.",
            fix_id="Hapus or_other, lalu tambahkan pilihan 'other' dan pertanyaan teks dengan "
            "relevant.",
        )
    items = choices[question.list_name or ""]
    if all(choice.name != OTHER_CHOICE for choice in items):
        codes = {*langs, *(k for c in items for k in c.labels)}
        labels = {code: other_label(code) for code in sorted(codes)}
        items.append(Choice(OTHER_CHOICE, labels or {"": "Other"}))
    extra = other_question(question, langs)
    if extra.name in names:
        raise FormError(
            f"or_other adds the question '{extra.name}', but that name is already used "
            f"(row {names[extra.name]})",
            sheet="survey",
            row=question.row,
            message_id=f"or_other menambahkan pertanyaan '{extra.name}', tetapi nama itu sudah "
            f"dipakai (baris {names[extra.name]})",
            fix=f"Rename the question '{extra.name}'.",
            fix_id=f"Ganti nama pertanyaan '{extra.name}'.",
        )
    names[extra.name] = question.row
    siblings.append(extra)
