"""Parsing the survey sheet's ``type`` column, and the types that expand into more than one
question or bring their own choices: ``or_other``, ``select_one_from_file`` (choices from a CSV or
XML file published with the form), ``select_one_external`` (the ``external_choices`` sheet),
``rank``, ``range``, ``hidden``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from survey_forms.errors import FormError
from survey_forms.loader_vocabulary import BEGIN_END, SELECT_TYPES, TYPE_ALIASES
from survey_forms.model import Choice, Question
from survey_forms.ranges import RangeError, check_range_parameters

__all__ = [
    "IGNORED_TYPES",
    "OTHER_CHOICE",
    "MediaReader",
    "ParsedType",
    "choices_from_file",
    "finish_special",
    "other_question",
    "parse_type",
]

#: Reads a file published with the form by its name; ``None`` if there is no such file.
MediaReader = Callable[[str], bytes | None]

#: Spellings of ``or_other`` after a select's list name (as pyxform).
_OR_OTHER = frozenset({"or_other", "or other", "or specify other"})
#: Types pyxform knows that only record something the app does not: loaded without, with a
#: warning.
IGNORED_TYPES = {"audit": "type 'audit' (the app keeps no audit log of the form filling)"}

#: The choice pyxform adds for ``or_other``.
OTHER_CHOICE = "other"

_SUPPORTED = (
    "text, integer, decimal, date, time, dateTime, select_one, select_multiple (also with "
    "or_other, _from_file and _external), rank, range, note, acknowledge/trigger, calculate, "
    "hidden, geopoint, geotrace, geoshape, image, audio, video, file, barcode, begin/end group, "
    "begin/end repeat, start, end, today, deviceid, username, start-geopoint"
)
_SELECT_PREFIXES = sorted(
    {
        **SELECT_TYPES,
        "select_one_from_file": "select_one",
        "select_multiple_from_file": "select_multiple",
        "select_one_external": "select_one",
        "select_multiple_external": "select_multiple",
        "rank": "rank",
    }.items(),
    key=lambda item: -len(item[0]),
)
_REFUSED = {
    "background-audio": (
        "type 'background-audio' is not supported: the tablet app does not record sound in the "
        "background",
        "tipe 'background-audio' tidak didukung: aplikasi tablet tidak merekam suara di latar "
        "belakang",
        "Remove the background-audio row.",
        "Hapus baris background-audio.",
    ),
    "xml-external": (
        "type 'xml-external' is not supported: secondary instances are not read",
        "tipe 'xml-external' tidak didukung: instance sekunder tidak dibaca",
        "Remove the row, or use select_one_from_file for a list of choices from a file.",
        "Hapus baris ini, atau gunakan select_one_from_file untuk pilihan dari berkas.",
    ),
    "csv-external": (
        "type 'csv-external' is not supported: secondary instances are not read",
        "tipe 'csv-external' tidak didukung: instance sekunder tidak dibaca",
        "Remove the row, or use select_one_from_file for a list of choices from a file.",
        "Hapus baris ini, atau gunakan select_one_from_file untuk pilihan dari berkas.",
    ),
}


@dataclass(frozen=True, slots=True)
class ParsedType:
    """A ``type`` cell: ``kind`` is ``question``, ``begin`` or ``end``; ``model_type`` the
    model's type (or group/repeat); ``list_name`` a select's list; ``source`` how a select gets
    its choices (``"choices"``, ``"file"`` or ``"external"``); ``or_other`` as pyxform."""

    kind: str
    model_type: str
    list_name: str | None = None
    source: str = "choices"
    or_other: bool = False


def parse_type(raw: str, row: int) -> ParsedType:
    """Parse a survey ``type`` cell; raises :class:`FormError` for an unknown or refused type."""
    text = " ".join(raw.split())
    lowered = text.lower()
    if lowered in BEGIN_END:
        kind, group = BEGIN_END[lowered]
        return ParsedType(kind, group)
    if lowered in TYPE_ALIASES:
        return ParsedType("question", TYPE_ALIASES[lowered])
    if lowered in IGNORED_TYPES:
        return ParsedType("ignored", lowered)
    if lowered in _REFUSED:
        en, id_, fix, fix_id = _REFUSED[lowered]
        raise FormError(en, sheet="survey", row=row, message_id=id_, fix=fix, fix_id=fix_id)
    for prefix, model_type in _SELECT_PREFIXES:
        if lowered.startswith(prefix + " "):
            rest = text[len(prefix) + 1 :].split()
            tail = " ".join(rest[1:]).lower()
            or_other = tail in _OR_OTHER
            if len(rest) != 1 and not or_other:
                raise FormError(
                    f"type '{text}' is not a valid select type",
                    sheet="survey",
                    row=row,
                    message_id=f"tipe '{text}' bukan tipe pilihan yang sah",
                    fix="Write it as 'select_one list_name' (optionally followed by or_other).",
                    fix_id="Tulis sebagai 'select_one nama_daftar' (boleh diikuti or_other).",
                )
            source = (
                "file" if "_from_file" in prefix else "external" if "external" in prefix else ""
            )
            if or_other and (source or model_type == "rank"):
                raise FormError(
                    f"type '{text}': or_other only goes with a choices-sheet list",
                    sheet="survey",
                    row=row,
                    message_id=f"tipe '{text}': or_other hanya untuk daftar di lembar choices",
                    fix="Remove or_other, or add an 'other' choice to the list yourself.",
                    fix_id="Hapus or_other, atau tambahkan sendiri pilihan 'other' ke daftar.",
                )
            return ParsedType("question", model_type, rest[0], source or "choices", or_other)
    first = lowered.split(" ")[0]
    raise FormError(
        f"question type '{first}' is not supported (supported: {_SUPPORTED})",
        sheet="survey",
        row=row,
        message_id=f"tipe pertanyaan '{first}' tidak didukung (yang didukung: {_SUPPORTED})",
        fix="Change the type to one of the supported ones, or remove the row.",
        fix_id="Ganti tipenya dengan salah satu yang didukung, atau hapus baris ini.",
    )


def choices_from_file(
    filename: str, read: MediaReader | None, parameters: dict[str, str], row: int, lang: str
) -> list[Choice]:
    """The choices of a ``select_*_from_file`` question: a CSV with a header row or an XML file
    of ``<item>`` elements; the ``value``/``label`` parameters name the columns (default
    ``name`` and ``label``, as pyxform)."""
    lowered = filename.lower()
    if len(filename) > 255 or any(c in filename for c in "/\\\x00") or filename.startswith("."):
        raise FormError(
            f"select from file '{filename[:80]}': give a plain file name (no folder, at most "
            "255 characters)",
            sheet="survey",
            row=row,
            message_id=f"pilihan dari berkas '{filename[:80]}': tulis nama berkas saja (tanpa "
            "folder, paling banyak 255 karakter)",
            fix="Write only the file's name, e.g. select_one_from_file desa.csv.",
            fix_id="Tulis nama berkasnya saja, mis. select_one_from_file desa.csv.",
        )
    if not lowered.endswith((".csv", ".xml")):
        raise FormError(
            f"select from file '{filename}': only .csv and .xml files are supported",
            sheet="survey",
            row=row,
            message_id=f"pilihan dari berkas '{filename}': hanya berkas .csv dan .xml didukung",
            fix="Save the list of choices as a .csv file with name and label columns.",
            fix_id="Simpan daftar pilihan sebagai berkas .csv dengan kolom name dan label.",
        )
    data = read(filename) if read is not None else None
    if data is None:
        raise FormError(
            f"select from file '{filename}': the file was not given with the form",
            sheet="survey",
            row=row,
            message_id=f"pilihan dari berkas '{filename}': berkas itu tidak disertakan",
            fix=f"Upload {filename} together with the form (or put it beside the form file).",
            fix_id=f"Unggah {filename} bersama formulir (atau taruh di samping berkas formulir).",
        )
    value_key = parameters.get("value", "name")
    label_key = parameters.get("label", "label")
    try:
        records = _csv_records(data) if lowered.endswith(".csv") else _xml_records(data)
    except (UnicodeDecodeError, csv.Error, ElementTree.ParseError) as exc:
        raise FormError(
            f"select from file '{filename}' cannot be read: {exc}",
            sheet="survey",
            row=row,
            message_id=f"berkas pilihan '{filename}' tidak dapat dibaca: {exc}",
            fix="Save the file again as UTF-8 CSV (or well-formed XML).",
            fix_id="Simpan ulang berkas sebagai CSV UTF-8 (atau XML yang benar).",
        ) from None
    choices: list[Choice] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=2):
        name = (record.get(value_key) or "").strip()
        if not name:
            raise FormError(
                f"select from file '{filename}': item {number} has no '{value_key}'",
                sheet="survey",
                row=row,
                message_id=f"berkas pilihan '{filename}': butir {number} tidak punya '{value_key}'",
                fix=f"Give every row of {filename} a value in its '{value_key}' column.",
                fix_id=f"Isi kolom '{value_key}' di setiap baris {filename}.",
            )
        if name in seen:
            continue
        seen.add(name)
        label = (record.get(label_key) or name).strip()
        columns = {k: (v or "").strip() for k, v in record.items() if k not in {value_key}}
        choices.append(Choice(name, {lang: label}, columns))
    return choices


def _csv_records(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return [dict(record) for record in csv.DictReader(io.StringIO(text))]


def _xml_records(data: bytes) -> list[dict[str, str]]:
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ElementTree.ParseError("a DOCTYPE or ENTITY declaration is not accepted")
    root = ElementTree.fromstring(data)
    return [{child.tag: (child.text or "") for child in item} for item in root.iter("item")]


#: The labels pyxform gives or_other's choice and text question ("Other", "Specify other."),
#: in the languages an officer here reads (any other language gets pyxform's English).
_OTHER_LABELS = {
    "id": ("Lainnya", "Sebutkan yang lain."),
    "ind": ("Lainnya", "Sebutkan yang lain."),
}


def other_label(lang: str, *, specify: bool = False) -> str:
    """The label of or_other's ``other`` choice (or, ``specify``, of its text question)."""
    choice, question = _OTHER_LABELS.get(lang.lower(), ("Other", "Specify other."))
    return question if specify else choice


def other_question(question: Question, languages: list[str]) -> Question:
    """pyxform's ``<name>_other``: a text question relevant when ``other`` is chosen."""
    selected = f"selected(${{{question.name}}}, '{OTHER_CHOICE}')"
    return Question(
        name=f"{question.name}_other",
        type="text",
        row=question.row,
        labels={lang: other_label(lang, specify=True) for lang in languages},
        relevant=selected,
    )


def finish_special(question: Question, row: int) -> None:
    """Check a ``range``'s parameters; turn ``hidden`` into a calculation of its default."""
    if question.type == "hidden":
        question.type = "calculate"
        default = (question.default or "").replace("'", "")
        question.calculation = question.calculation or f"'{default}'"
        question.default = None
    if question.type == "range":
        try:
            check_range_parameters(question.parameters)
        except RangeError as exc:
            raise FormError(
                f"{exc}",
                sheet="survey",
                row=row,
                message_id=f"parameter rentang salah: {exc}",
                fix="Use parameters like start=0 end=10 step=1 (step above 0).",
                fix_id="Gunakan parameter seperti start=0 end=10 step=1 (step di atas 0).",
            ) from None
