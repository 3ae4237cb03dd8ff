"""The columns of a form's entries table: pure functions over a ``Form`` and plain data.

A form's table shows, after the entry's name (its instance name, the link to the entry page), a
few key questions chosen per form, then the region, officer, status and dates. The key questions
are an admin's choice (the ``form_columns`` table, see :mod:`.pages_columns`) or else the
defaults of :func:`default_questions`: for the pilot's forms the unit's name, kecamatan, visit
date and overall score (observation) and the kecamatan, interview date, consent and IKM
(community survey); for any other form its ``kecamatan`` question and its date question.

Cells show labels, never codes: a choice's label ("Ilir Barat I", not "16.71.04"), the region's
label from the form's ``kabkota`` choices ("Kota Palembang", not "16.71").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..entry_rows import entry_date_question
from .entry_display import display_value

__all__ = [
    "MAX_COLUMNS",
    "PILOT_DEFAULTS",
    "Column",
    "check_questions",
    "choosable_questions",
    "default_questions",
    "region_label",
    "table_cells",
    "table_columns",
]

#: At most this many key questions per form (the table must stay readable on a phone).
MAX_COLUMNS = 6

#: Default key questions of the pilot's two forms (an admin may choose others per form).
PILOT_DEFAULTS: dict[str, tuple[str, ...]] = {
    "observasi_kabkota_antikorupsi": ("nama_unit", "kecamatan", "tanggal_kunjungan", "skor_total"),
    "survei_partisipasi_masyarakat": ("kecamatan", "today", "persetujuan", "ikm", "mutu_ikm"),
}

#: Question types that can be a column: one short value per entry.
_COLUMN_TYPES = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "date",
        "time",
        "dateTime",
        "today",
        "select_one",
        "select_multiple",
        "calculate",
        "range",
        "barcode",
    }
)


@dataclass(frozen=True)
class Column:
    """One key-question column: the question's name, its label, the sort key (``None``: not
    sortable) and whether its values are numbers (shown right-aligned)."""

    name: str
    label: str
    sort: str | None
    numeric: bool


def _in_repeat(form: Any, name: str) -> bool:
    node = form.graph.nodes.get(name)
    return bool(node is not None and node.depth)


def choosable_questions(form: Any) -> list[Any]:
    """The questions an admin may choose as columns (outside repeats, one short value)."""
    return [
        q
        for q in form.questions_in_order()
        if q.type in _COLUMN_TYPES and not _in_repeat(form, q.name)
    ]


def check_questions(form: Any, names: list[str]) -> list[str]:
    """The names among ``names`` that cannot be columns of ``form`` (unknown, in a repeat or
    of a type without one short value)."""
    allowed = {q.name for q in choosable_questions(form)}
    return [name for name in names if name not in allowed]


def default_questions(form: Any, form_id: str) -> list[str]:
    """The key questions shown when no admin chose any (see the module docstring)."""
    names = list(PILOT_DEFAULTS.get(form_id, ()))
    if not names:
        if form.has_question("kecamatan"):
            names.append("kecamatan")
        date_name = entry_date_question(form)
        if date_name:
            names.append(date_name)
    return [name for name in names if not check_questions(form, [name])][:MAX_COLUMNS]


def _column_label(form: Any, question: Any, lang: str, fallbacks: dict[str, str]) -> str:
    text = question.label(lang, form.default_language)
    if text:
        return str(text)
    return fallbacks.get(question.name) or question.name.replace("_", " ").capitalize()


def table_columns(
    form: Any, names: list[str], lang: str, fallbacks: dict[str, str] | None = None
) -> list[Column]:
    """The :class:`Column` of each chosen question name (unknown names left out).

    ``fallbacks`` labels questions without a label (calculations such as ``skor_total``).
    The date question sorts by ``entries.entry_date``; other key columns are not sortable
    (their values are not columns of ``entries``); the name, region, officer, status and
    submission columns are (:data:`sync_server.review.table.SORTS`).
    """
    date_name = entry_date_question(form)
    out = []
    for name in names:
        if not form.has_question(name):
            continue
        question = form.question(name)
        sort = "entry_date" if name == date_name else None
        numeric = question.type in ("integer", "decimal", "range", "calculate")
        label = _column_label(form, question, lang, fallbacks or {})
        out.append(Column(name, label, sort, numeric))
    return out


def _cell_text(form: Any, question: Any, value: Any, lang: str) -> str:
    if value is None or value == "":
        return ""
    if question.type == "calculate" and isinstance(value, str):
        try:
            return f"{float(value):g}"
        except (ValueError, OverflowError):
            return value[:40]
    return display_value(form, question, value, lang)


def table_cells(form: Any, columns: list[Column], answers: dict[str, Any], lang: str) -> list[str]:
    """The text of each column for one entry's head answers (labels, not codes)."""
    return [
        _cell_text(form, form.question(col.name), answers.get(col.name), lang) for col in columns
    ]


def region_label(form: Any, region: str, lang: str) -> str:
    """``"Kota Palembang"`` for ``"16.71"`` when the form's ``kabkota`` choices name it, else
    the code itself."""
    if form.has_question("kabkota"):
        question = form.question("kabkota")
        if question.list_name and form.choice(question.list_name, region) is not None:
            return str(form.choice_label(question.list_name, region, lang))
    return region
