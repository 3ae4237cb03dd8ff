"""Load an XLSForm (.xlsx, .xls, .csv or .md) into a :class:`~survey_forms.model.Form`.

pyxform reads the workbook (all four formats) into rows of cells; this module turns those rows
into the form model, checking the supported subset as it goes. Anything outside the subset is
refused with a :class:`~survey_forms.errors.FormError` naming the sheet, the row and the
construct: it is never silently ignored.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform

from survey_forms.errors import FormError
from survey_forms.loader_lists import Lists as _Lists
from survey_forms.loader_lists import add_other as _add_other
from survey_forms.loader_types import IGNORED_TYPES, MediaReader, finish_special, parse_type
from survey_forms.loader_vocabulary import (
    ALLOWED_APPEARANCES,
    ALLOWED_PARAMETERS,
    CHOICE_ALIASES,
    CHOICE_PRESENTATION,
    COLUMN_ALIASES,
    FILE_TYPES,
    IGNORED_SETTINGS,
    LANG_RE,
    NAME_RE,
    PILOT_FORMS,
    PRESENTATION_SETTINGS,
    REFUSED_APPEARANCES,
    SETTINGS,
    SURVEY_COLUMNS,
    SURVEY_PRESENTATION,
    TRANSLATABLE,
)
from survey_forms.loader_warnings import Notes as _Notes
from survey_forms.model import (
    ANSWER_TYPES,
    Choice,
    Form,
    Language,
    Question,
)

__all__ = ["PILOT_FORMS", "load_pilot_form", "load_xlsform"]


def load_xlsform(
    source: str | PathLike[str] | bytes,
    file_type: str | None = None,
    *,
    form_id: str | None = None,
    media: Mapping[str, bytes] | None = None,
    media_folder: str | PathLike[str] | None = None,
) -> Form:
    """Load an XLSForm and build its :class:`Form`.

    ``source`` is a path to a .xlsx, .xls, .csv or .md file, or the file's bytes together with
    ``file_type`` (one of ``"xlsx"``, ``"xls"``, ``"csv"``, ``"md"``). ``form_id`` is used when
    the settings sheet gives none (for a path, the file name is used). ``media`` holds the files
    published with the form by name (the CSV or XML of ``select_one_from_file``); for a path,
    a file not in ``media`` is read from beside the form (for bytes, from ``media_folder`` when
    given). Raises :class:`FormError` for anything
    that cannot be loaded.
    """
    data, file_type, stem = _read_source(source, file_type)
    if media_folder is not None:
        folder: Path | None = Path(media_folder)
    else:
        folder = None if isinstance(source, bytes | bytearray) else Path(source).parent
    read_media = _media_reader(media, folder)
    try:
        workbook = get_xlsform(io.BytesIO(data), file_type=f".{file_type}")
    except PyXFormError as exc:
        raise FormError(f"the file could not be read as an XLSForm ({file_type}): {exc}") from None
    except Exception as exc:  # pyxform's readers raise many kinds on a damaged file
        raise FormError(
            f"the file could not be read as an XLSForm ({file_type}): {type(exc).__name__}: {exc}"
        ) from None
    return build_form(workbook, fallback_form_id=form_id or stem or "form", read_media=read_media)


def _media_reader(media: Mapping[str, bytes] | None, folder: Path | None) -> MediaReader:
    given = dict(media or {})

    def read(name: str) -> bytes | None:
        if name in given:
            return given[name]
        if folder is None or Path(name).name != name:
            return None  # only a plain file name beside the form, never another folder
        try:
            return (folder / name).read_bytes()
        except OSError:
            return None

    return read


def load_pilot_form(name: str) -> Form:
    """Load one of the pilot's forms: ``"observasi"`` or ``"survei_masyarakat"``."""
    try:
        filename = PILOT_FORMS[name]
    except KeyError:
        raise KeyError(f"no pilot form {name!r}; choose one of {sorted(PILOT_FORMS)}") from None
    path = resources.files("survey_forms").joinpath("forms", filename)
    return load_xlsform(path.read_bytes(), "md", form_id=Path(filename).stem)


def pilot_form_path(name: str) -> Path:
    """The file of one of the pilot's forms (see :data:`PILOT_FORMS`)."""
    return Path(str(resources.files("survey_forms").joinpath("forms", PILOT_FORMS[name])))


def _read_source(
    source: str | PathLike[str] | bytes, file_type: str | None
) -> tuple[bytes, str, str | None]:
    if isinstance(source, bytes | bytearray):
        if file_type is None:
            raise FormError("form bytes need a file type: one of xlsx, xls, csv, md")
        kind = file_type.lower().lstrip(".")
        if kind not in FILE_TYPES.values():
            raise FormError(f"unsupported file type '{file_type}': use xlsx, xls, csv or md")
        return bytes(source), kind, None
    path = Path(source)
    kind = (file_type or "").lower().lstrip(".") or FILE_TYPES.get(path.suffix.lower())
    if kind not in FILE_TYPES.values():
        raise FormError(
            f"unsupported file type '{path.suffix or file_type}' for {path.name}: "
            "use .xlsx, .xls, .csv or .md"
        )
    try:
        return path.read_bytes(), kind, path.stem
    except OSError as exc:
        raise FormError(f"cannot read {path}: {exc.strerror or exc}") from None


# -- building the model ------------------------------------------------------------------------


def build_form(
    workbook: Any, fallback_form_id: str = "form", read_media: MediaReader | None = None
) -> Form:
    """Build a :class:`Form` from pyxform's sheet rows (a ``DefinitionData``)."""
    if not workbook.survey:
        raise FormError(
            "the workbook has no 'survey' sheet (or it is empty)",
            sheet="survey",
            message_id="buku kerja tidak punya lembar 'survey' (atau lembar itu kosong)",
            fix="Add a sheet named survey with type, name and label columns.",
            fix_id="Tambahkan lembar bernama survey dengan kolom type, name, dan label.",
        )
    for sheet in ("entities", "osm"):
        if getattr(workbook, sheet, None):
            raise FormError(
                f"the '{sheet}' sheet is not supported",
                sheet=sheet,
                message_id=f"lembar '{sheet}' tidak didukung",
                fix=f"Remove the {sheet} sheet.",
                fix_id=f"Hapus lembar {sheet}.",
            )
    notes = _Notes()
    settings = _settings(workbook.settings or [], notes)
    languages = _Languages(settings.get("default_language"))
    choices = _choices(workbook.choices or [], languages, notes)
    external = _choices(
        getattr(workbook, "external_choices", None) or [],
        languages,
        notes,
        sheet="external_choices",
    )
    lists = _Lists(choices, external, read_media)
    questions = _survey(workbook.survey, languages, lists, notes)
    form_id = settings.get("form_id") or fallback_form_id
    if not NAME_RE.match(form_id):
        raise FormError(f"form_id '{form_id}' is not a valid name", sheet="settings", row=2)
    return Form(
        form_id=form_id,
        version=settings.get("version") or "1",
        title=settings.get("form_title") or form_id,
        languages=languages.finish(),
        default_language=languages.default_code,
        questions=questions,
        choices=choices,
        instance_name=settings.get("instance_name"),
        settings={k: v for k, v in settings.items() if k not in {"instance_name"}},
        warnings=notes.finish(),
        choice_files=lists.files,
        media_data=lists.file_data,
    )


class _Languages:
    """Collects the languages named in column headers and maps headers to language codes."""

    def __init__(self, default_language: str | None) -> None:
        self.seen: dict[str, str] = {}
        if default_language:
            code, name = self._split(default_language)
            self.default_code = code
            self.seen[code] = name
        else:
            self.default_code = ""

    @staticmethod
    def _split(text: str) -> tuple[str, str]:
        match = LANG_RE.match(text.strip())
        if match:
            return match["code"], match["name"] or match["code"]
        return text.strip(), text.strip()

    def code(self, suffix: str | None) -> str:
        """The language code for a column suffix (``None``: the default language)."""
        if suffix is None:
            if not self.default_code:
                self.default_code = "default"
                self.seen.setdefault("default", "Default")
            return self.default_code
        code, name = self._split(suffix)
        self.seen.setdefault(code, name)
        if not self.default_code:
            self.default_code = code
        return code

    def finish(self) -> list[Language]:
        if not self.seen:
            self.default_code = self.default_code or "default"
            self.seen[self.default_code] = "Default"
        return [Language(code, name) for code, name in self.seen.items()]


#: Columns whose language may follow a single colon (``label:English``), as pyxform accepts.
_SINGLE_COLON_BASES = frozenset({*TRANSLATABLE, *SURVEY_PRESENTATION, "constraint message"})


def _split_header(header: str) -> tuple[str, str | None]:
    base, sep, lang = header.partition("::")
    if not sep and ":" in header and header.strip().lower() not in COLUMN_ALIASES:
        head, _, tail = header.partition(":")
        if head.strip().lower() in _SINGLE_COLON_BASES:
            base, sep, lang = head, ":", tail
    base = base.strip()
    key = base.lower()
    key = COLUMN_ALIASES.get(key, key)
    return key, (lang.strip() if sep else None)


def _settings(rows: list[dict[str, Any]], notes: _Notes) -> dict[str, str]:
    out: dict[str, str] = {}
    if not rows:
        return out
    for header, value in rows[0].items():
        if header.strip().lower() in PRESENTATION_SETTINGS | IGNORED_SETTINGS:
            notes.add("settings", f"setting '{header.strip()}'")
            continue
        key = SETTINGS.get(header.strip().lower())
        if key is None:
            raise FormError(
                f"setting '{header}' is not supported (supported: form_id, form_title, version, "
                "default_language, instance_name)",
                sheet="settings",
                row=2,
                message_id=f"pengaturan '{header}' tidak didukung (yang didukung: form_id, "
                "form_title, version, default_language, instance_name)",
                fix=f"Remove the '{header}' column from the settings sheet.",
                fix_id=f"Hapus kolom '{header}' dari lembar settings.",
            )
        out[key] = str(value).strip()
    return out


def _choices(
    rows: list[dict[str, Any]], languages: _Languages, notes: _Notes, sheet: str = "choices"
) -> dict[str, list[Choice]]:
    lists: dict[str, list[Choice]] = {}
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(rows):
        if not raw:
            continue
        row = index + 2
        list_name = name = None
        labels: dict[str, str] = {}
        columns: dict[str, str] = {}
        for header, value in raw.items():
            key, lang = _split_header(header)
            key = CHOICE_ALIASES.get(key, key)
            text = _cell(value)
            if key in CHOICE_PRESENTATION:
                if text:
                    notes.add(sheet, f"column '{header.strip()}' (media)", row)
                continue
            if key == "list_name":
                list_name = text
            elif key == "name":
                name = text
            elif key == "label":
                labels[languages.code(lang)] = text
            elif lang is None:
                columns[header.strip()] = text
            else:
                raise FormError(
                    f"translated column '{header}' is not supported in choices",
                    sheet=sheet,
                    row=row,
                )
        if not list_name:
            raise FormError("choice has no list_name", sheet=sheet, row=row)
        if name is None or name == "":
            raise FormError(f"choice in list '{list_name}' has no name", sheet=sheet, row=row)
        if (list_name, name) in seen:
            raise FormError(
                f"choice '{name}' appears twice in list '{list_name}' (also row "
                f"{seen[list_name, name]})",
                sheet=sheet,
                row=row,
            )
        seen[list_name, name] = row
        lists.setdefault(list_name, []).append(Choice(name, labels, columns))
    return lists


def _cell(value: Any) -> str:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text


def _survey(
    rows: list[dict[str, Any]],
    languages: _Languages,
    lists: _Lists,
    notes: _Notes,
) -> list[Question]:
    root: list[Question] = []
    stack: list[tuple[Question, list[Question]]] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(rows):
        if not raw:
            continue
        row = index + 2
        if "type" not in raw:
            raise FormError("row has values but no type", sheet="survey", row=row)
        parsed = parse_type(str(raw["type"]), row)
        kind, qtype, list_name = parsed.kind, parsed.model_type, parsed.list_name
        if kind == "ignored":
            notes.add("survey", IGNORED_TYPES[qtype], row)
            continue
        if kind == "end":
            if not stack:
                raise FormError(
                    f"end_{qtype} without a matching begin_{qtype}", sheet="survey", row=row
                )
            group, _ = stack.pop()
            if group.type != qtype:
                raise FormError(
                    f"end_{qtype} closes begin_{group.type} '{group.name}' (row {group.row})",
                    sheet="survey",
                    row=row,
                )
            continue
        question = _question(raw, row, qtype, list_name, languages, notes)
        if question.name in names:
            raise FormError(
                f"the name '{question.name}' is used twice (also row {names[question.name]}); "
                "names must be unique in a form",
                sheet="survey",
                row=row,
            )
        names[question.name] = row
        if list_name is not None:
            lists.resolve(question, parsed.source, languages.code(None))
        finish_special(question, row)
        _check_columns(question, row, notes)
        siblings = stack[-1][0].children if stack else root
        siblings.append(question)
        if parsed.or_other:
            _add_other(question, lists.choices, siblings, names, list(question.labels))
        if kind == "begin":
            stack.append((question, question.children))
    if stack:
        group, _ = stack[-1]
        raise FormError(
            f"begin_{group.type} '{group.name}' is never closed with end_{group.type}",
            sheet="survey",
            row=group.row,
        )
    return root


def _question(
    raw: dict[str, Any],
    row: int,
    qtype: str,
    list_name: str | None,
    languages: _Languages,
    notes: _Notes,
) -> Question:
    question = Question(name="", type=qtype, row=row, list_name=list_name)
    for header, value in raw.items():
        key, lang = _split_header(header)
        if key == "type":
            continue
        if key in SURVEY_PRESENTATION:
            if _cell(value):
                notes.add("survey", f"column '{header.strip()}'", row)
            continue
        if key not in SURVEY_COLUMNS:
            raise FormError(
                f"column '{header}' is not supported "
                f"(supported: {', '.join(sorted(SURVEY_COLUMNS))})",
                sheet="survey",
                row=row,
            )
        text = _cell(value)
        if key in TRANSLATABLE:
            getattr(question, TRANSLATABLE[key])[languages.code(lang)] = text
        elif lang is not None:
            raise FormError(f"column '{header}' cannot be translated", sheet="survey", row=row)
        elif key == "parameters":
            question.parameters = _parameters(text, row)
        else:
            setattr(question, key, text)
    if not question.name:
        raise FormError(f"a '{raw['type']}' row needs a name", sheet="survey", row=row)
    if not NAME_RE.match(question.name):
        raise FormError(
            f"the name '{question.name}' is not valid: start with a letter or _, then letters, "
            "digits, _, - or .",
            sheet="survey",
            row=row,
        )
    return question


def _parameters(text: str, row: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in re.split(r"[\s;,]+", text.strip()):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise FormError(f"parameters '{text}' must be key=value pairs", sheet="survey", row=row)
        out[key.strip()] = value.strip()
    return out


def _check_columns(question: Question, row: int, notes: _Notes) -> None:
    qtype = question.type
    if qtype == "calculate" and not question.calculation:
        raise FormError(f"calculate '{question.name}' has no calculation", sheet="survey", row=row)
    if question.calculation and qtype not in ANSWER_TYPES:
        raise FormError(
            f"'{question.name}' ({qtype}) cannot have a calculation", sheet="survey", row=row
        )
    if question.repeat_count and qtype != "repeat":
        raise FormError("repeat_count is only for begin_repeat rows", sheet="survey", row=row)
    if question.choice_filter and qtype not in {"select_one", "select_multiple"}:
        raise FormError("choice_filter is only for select questions", sheet="survey", row=row)
    allowed_appearances = ALLOWED_APPEARANCES.get(qtype, frozenset())
    kept: list[str] = []
    for word in (question.appearance or "").split():
        if word in allowed_appearances:
            kept.append(word)
        elif word.lower().startswith(REFUSED_APPEARANCES):
            raise FormError(
                f"appearance '{word}' is not supported: it takes choices from a file",
                sheet="survey",
                row=row,
            )
        else:
            notes.add("survey", f"appearance '{word}' ({qtype})", row)
    if question.appearance:
        question.appearance = " ".join(kept)
    allowed_params = ALLOWED_PARAMETERS.get(qtype, set())
    for key in question.parameters:
        if key not in allowed_params:
            raise FormError(
                f"parameter '{key}' is not supported for {qtype}", sheet="survey", row=row
            )
