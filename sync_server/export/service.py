"""Putting an export together: forms, options, access checks, layout and the entry stream.

:func:`prepare_export` does every check that can fail *before* the first byte is sent (unknown
form, unknown language, a region the user may not read), so the web view can still answer with
a clear error; the returned :class:`PreparedExport` then streams without surprises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ..entry_filters import EntryFilter
from .columns import build_tables, merged_choices
from .rows import EntryRecord, ExportLayout, ExportOptions
from .select_values import collect_select_values
from .source import (
    count_entries,
    iter_records,
    load_forms,
    media_size,
    other_forms,
    region_names,
)
from .writer import csv_chunks, zip_chunks
from .xlsx import xlsx_chunks

__all__ = ["ExportError", "PreparedExport", "flag", "options_from_args", "prepare_export"]

_MESSAGES: dict[str, dict[str, str]] = {
    "unknown_form": {
        "id": "Formulir {form_id!r} tidak ditemukan.",
        "en": "Form {form_id!r} not found.",
    },
    "bad_lang": {
        "id": "Bahasa label {lang!r} tidak ada di formulir ini (pilihan: {choices}).",
        "en": "Label language {lang!r} is not in this form (one of: {choices}).",
    },
    "bad_flag": {
        "id": "Nilai {field} harus 0 atau 1, bukan {value!r}.",
        "en": "{field} must be 0 or 1, not {value!r}.",
    },
    "forbidden": {
        "id": "Anda tidak berwenang mengekspor data ini.",
        "en": "You are not allowed to export this data.",
    },
    "region_forbidden": {
        "id": "Anda tidak berwenang atas wilayah {region}.",
        "en": "You have no access to region {region}.",
    },
}


class ExportError(Exception):
    """An export that cannot be made; ``status`` is the HTTP status, ``messages`` id/en text."""

    def __init__(self, status: int, code: str, **params: Any) -> None:
        self.status = status
        self.code = code
        self.messages = {lang: text.format(**params) for lang, text in _MESSAGES[code].items()}
        super().__init__(self.messages["en"])


def flag(args: Mapping[str, Any], name: str, default: bool) -> bool:
    """A 0/1 option from a query string or the command line (400 ``bad_flag`` otherwise)."""
    value = args.get(name)
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ExportError(400, "bad_flag", field=name, value=value)


def options_from_args(args: Mapping[str, Any]) -> ExportOptions:
    """``labels``, ``lang``, ``split_select_multiple``, ``group_prefix``, ``bom`` from a
    mapping."""
    lang = args.get("lang")
    return ExportOptions(
        labels=flag(args, "labels", False),
        lang=str(lang).strip() or None if lang is not None else None,
        split_select_multiple=flag(args, "split_select_multiple", False),
        group_prefix=flag(args, "group_prefix", True),
        bom=flag(args, "bom", True),
    )


@dataclass
class PreparedExport:
    """A checked export, ready to stream."""

    engine: Engine
    form_id: str
    layout: ExportLayout
    entry_filter: EntryFilter
    user: Any
    page_size: int = 1000

    def records(
        self,
        *,
        with_repeats: bool = False,
        with_media: bool = False,
        media_root: Path | None = None,
    ) -> Iterator[EntryRecord]:
        """The entries, read page by page (``with_repeats``: for a ZIP or an XLSX, the repeat
        tables' stored cells too; ``with_media``: the photos' hashes and names, with
        ``media_root`` only those whose file is on disk)."""
        return iter_records(
            self.engine,
            self.entry_filter,
            self.user,
            page_size=self.page_size,
            stored=self.layout.stored_cell_layouts,
            with_repeats=with_repeats,
            with_media=with_media,
            media_root=media_root,
        )

    def count(self) -> int:
        """How many entries match (before the kecamatan re-check; for progress bars)."""
        return count_entries(self.engine, self.entry_filter, self.user)

    def media_size(self, media_root: Path | None = None) -> tuple[int, int]:
        """``(photos, bytes)`` of the ZIP's ``media/`` (to show before the download; with
        ``media_root`` without the files lost on disk)."""
        return media_size(self.engine, self.entry_filter, self.user, media_root)

    def csv(self, records: Iterator[EntryRecord] | None = None) -> Iterator[bytes]:
        """The root CSV's bytes."""
        return csv_chunks(self.layout, records if records is not None else self.records())

    def zip(
        self, records: Iterator[EntryRecord] | None = None, *, media_root: Path | None = None
    ) -> Iterator[bytes]:
        """The ZIP's bytes (root CSV + one CSV per repeat, with ``media_root`` the photos in
        ``media/``); ``records`` from ``records(with_repeats=True, with_media=...)``."""
        if records is None:
            records = self.records(
                with_repeats=True, with_media=media_root is not None, media_root=media_root
            )
        return zip_chunks(self.layout, records, self.form_id, media_root=media_root)

    def xlsx(self, records: Iterator[EntryRecord] | None = None) -> Iterator[bytes]:
        """The XLSX workbook's bytes (one sheet per table); ``records`` from
        ``records(with_repeats=True)``."""
        if records is None:
            records = self.records(with_repeats=True)
        return xlsx_chunks(self.layout, records, self.form_id)


def prepare_export(
    engine: Engine,
    form_id: str,
    entry_filter: EntryFilter,
    options: ExportOptions,
    user: Any = None,
) -> PreparedExport:
    """Check access and options and build the layout. ``user=None`` (command line): no scope.

    Officers cannot export (403); a supervisor who filters on a region outside their own gets
    403, otherwise the export is limited to their regions.
    """
    if user is not None:
        if user.role not in ("supervisor", "admin"):
            raise ExportError(403, "forbidden")
        if (
            user.role == "supervisor"
            and entry_filter.region is not None
            and entry_filter.region not in user.regions
        ):
            raise ExportError(403, "region_forbidden", region=entry_filter.region)
    versions = load_forms(engine, form_id)
    if not versions:
        raise ExportError(404, "unknown_form", form_id=form_id)
    newest = versions[0]
    languages = sorted({code for form in versions for code in form.language_codes})
    if options.lang is not None and languages and options.lang not in languages:
        raise ExportError(400, "bad_lang", lang=options.lang, choices=", ".join(languages))
    lang = options.lang or newest.default_language
    tables = build_tables(versions)
    entry_filter = replace(entry_filter, form_id=form_id)
    select_values = None
    if options.split_select_multiple:  # Central's split columns: the values chosen, one pass
        answers = (r.answers for r in iter_records(engine, entry_filter, user))
        select_values = collect_select_values(tables, answers)
    layout = ExportLayout(
        tables,
        merged_choices(versions),
        replace(options, lang=lang),
        newest.default_language,
        region_names(versions, lang, other_forms(engine, form_id)),
        select_values,
    )
    layout.use_stored_cells({form.version: build_tables([form]) for form in versions})
    return PreparedExport(engine, form_id, layout, entry_filter, user)
