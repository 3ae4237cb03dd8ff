"""Filters of the entries table, shared by the review pages and the CSV export.

One :class:`EntryFilter` describes what a supervisor asked for (form, region, kecamatan, officer,
review status, submission date range, free text). :func:`from_args` parses it from query-string
or CLI values with clear bilingual errors; :func:`apply_filter` adds it to an SQLAlchemy Core
``select`` over the ``entries`` table; :func:`apply_user_scope` restricts such a select to what a
user may read. Both only add ``WHERE`` clauses, so the caller keeps control of columns, order and
keyset pagination.

Where each filter looks:

* ``region``, ``officer``, ``review_status``, ``form_id``: columns of ``entries``.
* ``entry_date_from`` / ``entry_date_to``: the entry's own date (the visit or interview date),
  i.e. ``entries.entry_date`` (the head's answer to the form's first date question, see
  :func:`sync_server.entry_rows.entry_date_question`; indexed with ``form_id``). Both ends are
  inclusive; an entry without that date is left out whenever either end is set.
* ``date_from`` / ``date_to``: the submission date, i.e. ``entries.created_at`` (when the server
  first received the entry), as a calendar date in :data:`REPORT_UTC_OFFSET` (WIB, UTC+7, the
  time zone of the pilot regions). Both ends are inclusive.
* ``kecamatan``: exact match on ``entries.kecamatan``, the head revision's ``kecamatan`` answer
  (filled whenever the head changes, see :func:`sync_server.entry_rows.head_filter_columns`;
  indexed with ``form_id``).
* ``text``: case-insensitive substring of the entry id, the officer's user name or
  ``entries.search_text`` (the head's instance name and free-text answers of up to 60
  characters: names, units, places; longer notes are not searched; at most 1,000 characters,
  lower-cased), never across them. The term is lower-cased in Python (the same folding as the
  column), its line breaks become spaces (:class:`TextMatch`): on PostgreSQL a ``LIKE`` on the
  columns joined by line breaks, which its pg_trgm GIN index answers (migration 0005); on
  SQLite a scan of the three short columns.
* Soft-deleted entries are left out unless ``include_deleted``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, String, and_, func, literal_column, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import NullType

from .schema import REVIEW_STATUSES, entries

__all__ = [
    "FILTER_FIELDS",
    "REPORT_UTC_OFFSET",
    "EntryFilter",
    "FilterError",
    "TextMatch",
    "apply_filter",
    "apply_user_scope",
    "from_args",
    "matches_answers",
    "to_args",
]

#: Submission dates are calendar dates in WIB (UTC+7), the pilot regions' time zone.
REPORT_UTC_OFFSET = timedelta(hours=7)

#: Query-string / CLI names of the filters (``form_id`` usually comes from the URL instead).
FILTER_FIELDS = (
    "region",
    "kecamatan",
    "officer",
    "review_status",
    "date_from",
    "date_to",
    "text",
    "include_deleted",
    "entry_date_from",
    "entry_date_to",
)

_REGION_RE = re.compile(r"^[0-9A-Za-z._-]{1,32}$")
_MAX_TEXT = 200

_MESSAGES: dict[str, dict[str, str]] = {
    "bad_region": {
        "id": "Kode wilayah tidak valid: {value!r} (contoh: 16.71).",
        "en": "Invalid region code: {value!r} (for example 16.71).",
    },
    "bad_date": {
        "id": "Tanggal tidak valid untuk {field}: {value!r} (format TTTT-BB-HH).",
        "en": "Invalid date for {field}: {value!r} (format YYYY-MM-DD).",
    },
    "date_order": {
        "id": "Tanggal awal ({date_from}) sesudah tanggal akhir ({date_to}).",
        "en": "The start date ({date_from}) is after the end date ({date_to}).",
    },
    "bad_status": {
        "id": "Status tinjauan tidak dikenal: {value!r} (pilihan: {choices}).",
        "en": "Unknown review status: {value!r} (one of: {choices}).",
    },
    "too_long": {
        "id": "Nilai {field} terlalu panjang (paling banyak {limit} karakter).",
        "en": "The value of {field} is too long (at most {limit} characters).",
    },
    "bad_flag": {
        "id": "Nilai {field} harus 0 atau 1, bukan {value!r}.",
        "en": "{field} must be 0 or 1, not {value!r}.",
    },
}


class FilterError(ValueError):
    """A filter value that cannot be used; ``messages`` holds the Indonesian and English text."""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        self.field = field
        self.code = code
        self.params = params
        self.messages = {
            lang: text.format(field=field, **params) for lang, text in _MESSAGES[code].items()
        }
        super().__init__(self.messages["en"])


@dataclass(frozen=True)
class EntryFilter:
    """What to show or export: every field left ``None`` means "no restriction"."""

    form_id: str | None = None
    region: str | None = None
    kecamatan: str | None = None
    officer: str | None = None
    review_status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    include_deleted: bool = False
    entry_date_from: date | None = None
    entry_date_to: date | None = None

    def is_empty(self) -> bool:
        """True when nothing but (maybe) the form is chosen."""
        return all(getattr(self, name) in (None, False) for name in FILTER_FIELDS)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _parse_date(field: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(field, "bad_date", value=value) from None


def _parse_flag(field: str, value: str | None) -> bool:
    if value is None:
        return False
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise FilterError(field, "bad_flag", value=value)


def _limited(field: str, value: str | None, limit: int = 100) -> str | None:
    if value is not None and len(value) > limit:
        raise FilterError(field, "too_long", limit=limit)
    return value


def from_args(args: Mapping[str, Any], form_id: str | None = None) -> EntryFilter:
    """Parse filters from a mapping of strings (``request.args``, CLI options).

    Empty values count as absent; unknown keys are ignored (the caller's own options such as
    ``labels`` live in the same query string). ``form_id`` given here wins over ``args``.
    Raises :class:`FilterError` on the first unusable value.
    """
    region = _clean(args.get("region"))
    if region is not None and not _REGION_RE.match(region):
        raise FilterError("region", "bad_region", value=region)
    status = _clean(args.get("review_status"))
    if status is not None and status not in REVIEW_STATUSES:
        raise FilterError(
            "review_status", "bad_status", value=status, choices=", ".join(REVIEW_STATUSES)
        )
    date_from = _parse_date("date_from", _clean(args.get("date_from")))
    date_to = _parse_date("date_to", _clean(args.get("date_to")))
    if date_from and date_to and date_from > date_to:
        raise FilterError("date_from", "date_order", date_from=date_from, date_to=date_to)
    entry_from = _parse_date("entry_date_from", _clean(args.get("entry_date_from")))
    entry_to = _parse_date("entry_date_to", _clean(args.get("entry_date_to")))
    if entry_from and entry_to and entry_from > entry_to:
        raise FilterError("entry_date_from", "date_order", date_from=entry_from, date_to=entry_to)
    return EntryFilter(
        form_id=_limited("form_id", form_id or _clean(args.get("form_id"))),
        region=region,
        kecamatan=_limited("kecamatan", _clean(args.get("kecamatan"))),
        officer=_limited("officer", _clean(args.get("officer"))),
        review_status=status,
        date_from=date_from,
        date_to=date_to,
        entry_date_from=entry_from,
        entry_date_to=entry_to,
        text=_limited("text", _clean(args.get("text")), _MAX_TEXT),
        include_deleted=_parse_flag("include_deleted", _clean(args.get("include_deleted"))),
    )


def to_args(flt: EntryFilter) -> dict[str, str]:
    """The filter as query-string values (absent fields left out): the inverse of ``from_args``."""
    out: dict[str, str] = {}
    for name, value in asdict(flt).items():
        if value is None or value is False:
            continue
        out[name] = "1" if value is True else str(value)
    return out


def _day_start_utc(day: date) -> str:
    local = datetime.combine(day, time.min, tzinfo=timezone(REPORT_UTC_OFFSET))
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pg_search_document(table: Any) -> ColumnElement[str]:
    """``lower(entry_id) || E'\\n' || lower(officer) || E'\\n' || search_text``: the same
    expression as the pg_trgm index of migration 0005 (``PG_DOCUMENT``), with the line break as
    a literal so that PostgreSQL's planner matches it to the index."""
    newline = literal_column("E'\\n'", String)
    return (
        func.lower(table.c.entry_id, type_=String)
        + newline
        + func.lower(table.c.officer, type_=String)
        + newline
        + table.c.search_text
    )


class TextMatch(ColumnElement[bool]):
    """``term`` is a substring of the search document of ``table``'s row (see module doc).

    Compiled per dialect: on PostgreSQL a ``LIKE`` on the joined columns (its pg_trgm index,
    migration 0005); on SQLite a ``LIKE`` on each of the three columns (a scan), joined with
    ``or_()``. Either way the compiled text is one bracketed condition: SQLAlchemy pastes the
    string of a custom element into the enclosing ``AND`` as it is, so an unbracketed
    ``a OR b OR c`` there would read as ``... AND a OR b OR c`` and let rows of other regions,
    forms and deleted entries through.
    """

    type = NullType()  # no "= 1" appended on SQLite: it is a complete condition
    inherit_cache = False

    def __init__(self, table: Any, term: str) -> None:
        self.table = table
        self.term = term.replace("\r", " ").replace("\n", " ").lower()

    @property
    def pattern(self) -> str:
        """The ``LIKE`` pattern (wildcards in the term escaped with a backslash)."""
        return f"%{_escape_like(self.term)}%"


@compiles(TextMatch)
def _text_match_like(element: TextMatch, compiler: Any, **kw: Any) -> str:
    document = _pg_search_document(element.table)
    return compiler.process(Grouping(document.like(element.pattern, escape="\\")), **kw)


@compiles(TextMatch, "sqlite")
def _text_match_sqlite(element: TextMatch, compiler: Any, **kw: Any) -> str:
    # three short columns scanned (SQLite's LIKE folds ASCII case; search_text and the term
    # are lower-cased already): about 30-90 ms over 100,000 entries, no index to keep up
    t = element.table
    pattern = element.pattern
    condition = or_(
        t.c.search_text.like(pattern, escape="\\"),
        t.c.entry_id.like(pattern, escape="\\"),
        t.c.officer.like(pattern, escape="\\"),
    )
    return compiler.process(Grouping(condition), **kw)


def apply_filter(stmt: Select[Any], flt: EntryFilter, *, table: Any = entries) -> Select[Any]:
    """Add the filter's ``WHERE`` clauses to a select over the ``entries`` table.

    ``table`` may be an alias or subquery of ``entries`` with the same columns (the export
    filters a block of entries read in primary-key order).
    """
    t = table
    clauses: list[Any] = []
    if flt.form_id is not None:
        clauses.append(t.c.form_id == flt.form_id)
    if flt.region is not None:
        clauses.append(t.c.region == flt.region)
    if flt.officer is not None:
        clauses.append(t.c.officer == flt.officer)
    if flt.review_status is not None:
        clauses.append(t.c.review_status == flt.review_status)
    if flt.date_from is not None:
        clauses.append(t.c.created_at >= _day_start_utc(flt.date_from))
    if flt.date_to is not None:
        clauses.append(t.c.created_at < _day_start_utc(flt.date_to + timedelta(days=1)))
    if flt.entry_date_from is not None or flt.entry_date_to is not None:
        # "" (no date) sorts before every date, so a lower bound of 0001-01-01 leaves it out
        low = (flt.entry_date_from or date.min).isoformat()
        high = (flt.entry_date_to or date.max).isoformat()
        clauses.append(t.c.entry_date.between(low, high))
    if not flt.include_deleted:
        clauses.append(t.c.deleted_at.is_(None))
    if flt.kecamatan is not None:
        clauses.append(t.c.kecamatan == flt.kecamatan)
    if flt.text is not None:
        clauses.append(TextMatch(t, flt.text))
    return stmt.where(and_(*clauses)) if clauses else stmt


def apply_user_scope(stmt: Select[Any], user: Any, *, table: Any = entries) -> Select[Any]:
    """Restrict a select over ``entries`` to what ``user`` may read.

    Admins read everything, supervisors the entries of their regions, officers their own
    entries (the same rule as the entry API). ``user`` is a :class:`sync_server.users.User`.
    """
    if user.role == "admin":
        return stmt
    if user.role == "officer":
        return stmt.where(table.c.officer == user.username)
    return stmt.where(table.c.region.in_(list(user.regions)))


def matches_answers(flt: EntryFilter, answers: Mapping[str, Any]) -> bool:
    """The kecamatan part of the filter checked on decoded answers (for tests and re-checks)."""
    return flt.kecamatan is None or answers.get("kecamatan") == flt.kecamatan
