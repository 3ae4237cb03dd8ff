"""Row-level helpers shared by the push path (:mod:`.push`) and supervisor actions
(:mod:`.entries`): locking an entry, revision and feed rows, and the rows a transaction appends
at its end (feed and audit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from . import audit
from .db import is_sqlite, lock_feed
from .meta_times import parse_meta_time
from .payload import Revision
from .schema import changes, entries, entry_attachments, revisions
from .users import User

__all__ = [
    "ENTRY_NAME_COLUMN",
    "KECAMATAN_COLUMN",
    "PendingRows",
    "can_read",
    "entry_date_question",
    "feed_row",
    "file_refs",
    "flush_pending",
    "head_fields",
    "head_filter_columns",
    "head_filter_values",
    "head_refs",
    "issue_dict",
    "lock_entry",
    "revision_row",
    "set_entry_attachments",
    "summary_fields",
]


@dataclass
class PendingRows:
    """What one write transaction will append at the end: feed rows and audit rows."""

    feed: list[dict[str, Any]] = field(default_factory=list)
    audit: list[audit.AuditRecord] = field(default_factory=list)


def flush_pending(conn: Connection, tx: PendingRows) -> None:
    """Write the pending feed rows (under the feed lock) and audit rows."""
    if tx.feed:
        lock_feed(conn)
        conn.execute(changes.insert(), tx.feed)
    audit.record_many(conn, tx.audit)


def feed_row(entry: dict[str, Any], head: dict[str, Any], now: str) -> dict[str, Any]:
    """A ``changes`` row snapshotting the entry's head and review state."""
    return {
        "kind": "entry",
        "entry_id": entry["entry_id"],
        "rev": head["rev"],
        "officer": entry["officer"],
        "region": head["region"],
        "form_id": head["form_id"],
        "form_version": head["form_version"],
        "review_status": entry["review_status"],
        "review_comment": entry["review_comment"],
        "conflicts": entry["conflicts"],
        "deleted": entry["deleted_at"] is not None,
        "created_at": now,
    }


def issue_dict(issue: Any) -> dict[str, Any]:
    """A ``ValidationIssue`` as plain JSON."""
    return {"path": issue.path, "code": issue.code, "message": dict(issue.message)}


def lock_entry(conn: Connection, entry_id: str) -> dict[str, Any] | None:
    """The entry row, locked for update on PostgreSQL (``None`` when unknown)."""
    query = select(entries).where(entries.c.entry_id == entry_id)
    if not is_sqlite(conn):
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def revision_row(
    rev: Revision | dict[str, Any], author: str, author_kind: str, now: str
) -> dict[str, Any]:
    """The ``revisions`` row of a pushed revision (or a prepared row dict)."""
    if isinstance(rev, Revision):
        return {
            "entry_id": rev.entry_id,
            "rev": rev.rev,
            "parent_rev": rev.parent_rev,
            "merge_parent_rev": None,
            "generation": int(rev.rev.split("-", 1)[0]),
            "form_id": rev.form_id,
            "form_version": rev.form_version,
            "region": rev.region,
            "answers": rev.answers_json,
            "meta": json.dumps(rev.meta, ensure_ascii=False),
            "attachments": json.dumps(rev.attachments, ensure_ascii=False),
            "author": author,
            "author_kind": author_kind,
            "conflicts": "[]",
            "created_at": now,
        }
    return {**rev, "author": author, "author_kind": author_kind, "created_at": now}


def file_refs(answers: Any, listed: Iterable[dict[str, str]] = ()) -> list[dict[str, str]]:
    """The ``entry_attachments`` rows (without ``entry_id``) of a head revision: every photo
    reference ``{sha256, filename, media_type}`` in ``answers`` (groups and repeats walked),
    then those of ``listed`` (the revision's ``attachments``), one per distinct
    ``(sha256, filename)``.

    A revision's ``attachments`` list names each file once by hash; the answers name it once
    per question, and every name is a file of the export's ``media/``.
    """
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    found: list[Any] = []
    stack: list[Any] = [answers] if answers.__class__ in (dict, list) else []
    while stack:  # a loop, not a recursion; only containers are looked at one by one
        value = stack.pop()
        if value.__class__ is dict:
            if "sha256" in value and "filename" in value and "media_type" in value:
                found.append(value)
                continue
            value = value.values()
        for item in value:
            if item.__class__ is dict or item.__class__ is list:
                stack.append(item)
    for ref in (*found, *listed):
        sha, name, media = ref.get("sha256"), ref.get("filename"), ref.get("media_type")
        fine = sha.__class__ is str and name.__class__ is str and media.__class__ is str
        if fine and (sha, name) not in seen:
            seen.add((sha, name))
            out.append({"sha256": sha, "filename": name, "media_type": media})
    return out


def set_entry_attachments(
    conn: Connection, entry_id: str, refs: list[dict[str, str]], *, fresh: bool
) -> None:
    """Replace the attachment references of an entry's head: one row per distinct
    ``(sha256, filename)`` of ``refs`` (see :func:`file_refs`)."""
    if not fresh:
        conn.execute(delete(entry_attachments).where(entry_attachments.c.entry_id == entry_id))
    rows = file_refs((), refs)
    if rows:
        conn.execute(entry_attachments.insert(), [{"entry_id": entry_id, **r} for r in rows])


def head_refs(conn: Connection, entry_id: str, rev: str) -> list[dict[str, str]]:
    """The attachment references of one revision: one per file name (:func:`file_refs`)."""
    row = conn.execute(
        select(revisions.c.answers, revisions.c.attachments).where(
            revisions.c.entry_id == entry_id, revisions.c.rev == rev
        )
    ).first()
    return file_refs(json.loads(row.answers), json.loads(row.attachments)) if row else []


#: Longest ``search_text`` stored (characters) and longest single answer text kept in it: names,
#: units, places and codes typed by hand are searched; longer notes are not (the search index
#: of migration 0005 is kept up to date inside each push, where its cost grows with the text).
SEARCH_TEXT_MAX = 1000
SEARCH_ANSWER_MAX = 60
#: ``entries.kecamatan`` keeps this many characters of the answer
KECAMATAN_COLUMN = 100
#: ``entries.entry_name`` keeps this many characters of the instance name
ENTRY_NAME_COLUMN = 200
_DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d")
#: Answers left out of ``search_text``: one lower-case "word" of letters, digits and ``_.:+-``,
#: i.e. choice codes, numbers, dates and times, device ids (what a supervisor does not type).
_CODE_RE = re.compile(r"^(?:[a-z0-9_.:+\-]+|\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)$")
#: the characters of :data:`_CODE_RE`'s first kind of code word
_CODE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_.:+-"


def is_code(text: str) -> bool:
    """Whether a stripped, non-empty answer text is a code word (:data:`_CODE_RE`).

    The same answer as ``_CODE_RE.match(text)``, mostly without the regular expression: a
    text made only of ``_CODE_CHARS`` is the first kind (``str.strip`` removes them all);
    the second kind starts with ``dddd-``, so only texts with ``-`` at index 4 (and at least
    the 12 characters it needs) are matched against the expression.
    """
    if not text.strip(_CODE_CHARS):
        return True
    return len(text) >= 12 and text[4] == "-" and _CODE_RE.match(text) is not None


def _short_texts(answers: dict[str, Any], out: list[str]) -> None:
    """Collect the short free-text answers in answer order, groups and repeats walked depth
    first (a loop over iterators, not a recursion: this runs for every pushed entry)."""
    limit = SEARCH_ANSWER_MAX + 2  # a little room for surrounding blanks, stripped below
    code_chars = _CODE_CHARS
    stack: list[Any] = [iter(answers.values())]
    while stack:
        for value in stack[-1]:
            cls = value.__class__
            if cls is str:
                # a text of code characters only is a code word (see is_code): one C call
                # leaves out most answers (choice names, numbers, dates)
                if 0 < len(value) <= limit and value.strip(code_chars):
                    text = value.strip()
                    if text and len(text) <= SEARCH_ANSWER_MAX and not is_code(text):
                        out.append(text)
            elif cls is list:
                stack.append(iter(value))
                break
            elif cls is dict and "sha256" not in value:  # not a photo reference
                stack.append(iter(value.values()))
                break
        else:
            stack.pop()


def entry_date_question(form: Any) -> str | None:
    """The question whose answer is an entry's date (the visit or interview date): the form's
    first ``date`` question outside repeats, else its ``today`` metadata question, else ``None``.
    ``form`` is a :class:`survey_forms.model.Form` (or ``None``)."""
    if form is None:
        return None
    today = None
    for question in form.questions_in_order():
        if question.type == "date" and not _in_repeat(form, question):
            return str(question.name)
        if question.type == "today" and today is None:
            today = str(question.name)
    return today


def _in_repeat(form: Any, question: Any) -> bool:
    node = form.graph.nodes.get(question.name)
    return bool(node is not None and node.depth)


def head_filter_columns(
    answers: Any,
    instance_name: Any = None,
    date_question: str | None = None,
    entry_name: str | None = None,
) -> dict[str, Any]:
    """The denormalised filter columns of ``entries`` for a head revision's answers.

    * ``kecamatan``: the top-level ``kecamatan`` answer when it is a string, else ``None``.
    * ``search_text``: lower-cased, newline-separated: the instance name (``meta``'s
      ``instance_name`` when the device sent one) then, in answer order (groups and repeats
      walked, photo references skipped), every string answer of at most
      :data:`SEARCH_ANSWER_MAX` characters that is free text (names, units, places); choice
      codes, numbers, dates, times and other single lower-case code words (:data:`_CODE_RE`),
      non-string values and longer texts (notes) are left out. Cut at
      :data:`SEARCH_TEXT_MAX` characters.
    * ``entry_date``: the ``YYYY-MM-DD`` answer of ``date_question`` (see
      :func:`entry_date_question`), else ``""``.
    * ``entry_name``: ``entry_name`` (the name the server evaluated, see
      :mod:`sync_server.entry_names`), else the instance name (at most
      :data:`ENTRY_NAME_COLUMN` characters), else ``""``. Only a device-sent instance name is
      part of ``search_text``: the server's name repeats answers already in it.
    """
    texts: list[str] = []
    name = instance_name.strip() if isinstance(instance_name, str) else ""
    if name:
        texts.append(name[:SEARCH_ANSWER_MAX])
    entry_date = ""
    if isinstance(answers, dict):
        _short_texts(answers, texts)
        kecamatan = answers.get("kecamatan")
        day = answers.get(date_question) if date_question else None
        if isinstance(day, str) and _DATE_RE.match(day):
            entry_date = day[:10]
    else:
        kecamatan = None
    return {
        "kecamatan": kecamatan[:KECAMATAN_COLUMN] if isinstance(kecamatan, str) else None,
        "search_text": "\n".join(texts).lower()[:SEARCH_TEXT_MAX],
        "entry_date": entry_date,
        "entry_name": ((entry_name or "").strip() or name)[:ENTRY_NAME_COLUMN],
    }


def head_filter_values(
    conn: Connection, entry_id: str, rev: str, summary: Any = None
) -> dict[str, Any]:
    """:func:`head_filter_columns` of one stored revision (read from ``revisions``);
    ``summary`` (:class:`sync_server.entry_names.EntrySummary` of its form version, or ``None``)
    names the entry and its date question."""
    row = conn.execute(
        select(revisions.c.answers, revisions.c.meta).where(
            revisions.c.entry_id == entry_id, revisions.c.rev == rev
        )
    ).one()
    meta = json.loads(row.meta or "{}")
    meta = meta if isinstance(meta, dict) else {}
    answers = json.loads(row.answers)
    return head_filter_columns(answers, *summary_fields(summary, answers, meta))


def summary_fields(
    summary: Any, answers: Any, meta: dict[str, Any]
) -> tuple[Any, str | None, str | None]:
    """The (device's instance name, date question, entry name) for :func:`head_filter_columns`:
    the entry name is the device's instance name when it sent one, else the one ``summary``
    computes from the answers (at the finalization moment)."""
    name = meta.get("instance_name")
    if summary is None:
        return name, None, None
    if isinstance(name, str) and name.strip():
        return name, summary.date_question, None
    computed = summary.name(answers, _moment(meta.get("finalized_at")))
    return name, summary.date_question, computed


def _moment(text: Any) -> datetime | None:
    """A stored meta moment, ``None`` when it is not plausible (never raises)."""
    return parse_meta_time(text)


def head_fields(conn: Connection, entry_id: str, rev: str) -> dict[str, Any]:
    """Identity fields (rev, form, version, region) of one revision."""
    row = (
        conn.execute(
            select(
                revisions.c.rev, revisions.c.form_id, revisions.c.form_version, revisions.c.region
            ).where(revisions.c.entry_id == entry_id, revisions.c.rev == rev)
        )
        .mappings()
        .one()
    )
    return dict(row)


def can_read(user: User, region: str, officer: str) -> bool:
    """Officers read their own entries; supervisors their regions; admins everything."""
    if user.role == "officer":
        return officer == user.username
    return user.can_read_region(region)
