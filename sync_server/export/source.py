"""Reading what an export needs from the database, page by page.

:func:`load_forms` gives every published version of a form (newest first).
:func:`iter_records` reads the entries of one export as :class:`EntryRecord` objects in keyset
blocks, **newest first** as Central's export (``ORDER BY created_at DESC, entry_id DESC``): the
next ``n`` entries of the form before the last one read (on the ``(form_id, created_at,
entry_id)`` index), filtered, each block in its own short read transaction. Memory does not grow
with the number of entries, no transaction stays open while a slow client downloads, and one
export walks the form's entries once, whatever the filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Engine, case, func, null, or_, select, true

from ..attachment_integrity import file_intact, forget_lost
from ..db import read_tx
from ..entry_filters import EntryFilter, apply_filter, apply_user_scope, matches_answers
from ..entry_rows import KECAMATAN_COLUMN
from ..region_rules import region_question
from ..schema import (
    attachments,
    entries,
    entry_attachments,
    export_cells,
    forms,
    revisions,
    users,
)
from .cells import decode_repeats
from .rows import EntryRecord, decode_answers, device_of
from .writer import media_name

__all__ = [
    "count_entries",
    "iter_records",
    "load_forms",
    "media_size",
    "other_forms",
    "region_names",
    "submission_date",
]

PAGE_SIZE = 1000
#: a stored UTC time: up to the seconds, then the fraction's digits (``now_iso``'s form)
_UTC_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|\+00:00)")
_decode_meta = msgspec.json.Decoder().decode


def load_forms(engine: Engine, form_id: str) -> list[Any]:
    """Every published version of ``form_id`` as ``Form`` objects, newest first ([] if none).

    "Newest" is the latest ``published_at`` (ties broken by the version string).
    """
    from ..forms_store import compiled_form

    with read_tx(engine) as conn:
        rows = conn.execute(
            select(forms.c.version, forms.c.compiled_json)
            .where(forms.c.form_id == form_id)
            .order_by(forms.c.published_at.desc(), forms.c.version.desc())
        ).all()
        # a version with choice files is built with them (they hold its choice lists)
        return [compiled_form(conn, form_id, row.version, row.compiled_json) for row in rows]


def other_forms(engine: Engine, form_id: str) -> list[Any]:
    """The newest published version of every form but ``form_id`` (their region lists name
    the regions of a form that has none)."""
    from ..forms_store import compiled_form

    with read_tx(engine) as conn:
        rows = conn.execute(
            select(forms.c.form_id, forms.c.version, forms.c.compiled_json)
            .where(forms.c.form_id != form_id)
            .order_by(forms.c.form_id, forms.c.published_at.desc(), forms.c.version.desc())
        ).all()
        newest: dict[str, Any] = {}
        for row in rows:
            newest.setdefault(row.form_id, row)
        return [
            compiled_form(conn, row.form_id, row.version, row.compiled_json)
            for row in newest.values()
        ]


def region_names(
    form_versions: list[Any], lang: str | None, others: Iterable[Any] = ()
) -> dict[str, str]:
    """Region code -> name (the ``RegionName`` cell), from the choices of the region question
    (``kabkota``, :func:`sync_server.region_rules.region_question`): the exported form's
    versions first (newest first), then ``others`` (the other published forms), so a form
    without a region question still names the regions the server's forms list.

    The server has no region table; the pilot forms list the regions (Kemendagri codes) as the
    ``kabkota`` choices, so their labels are the names. Unknown codes get an empty name.
    """
    names: dict[str, str] = {}
    for form in (*form_versions, *others):
        question = region_question(form)
        list_name = form.question(question).list_name if question is not None else None
        for choice in form.choices.get(list_name or "kabkota", []):
            names.setdefault(
                choice.name, choice.label(lang or form.default_language, form.default_language)
            )
    return names


Position = tuple[str, str]  # (created_at, entry_id) of the last entry read


def _next_block(flt: EntryFilter, after: Position | None, block: int, *columns: Any) -> Any:
    """The next ``block`` entries of the form, newest first, after ``after`` (unfiltered);
    ``columns``: only these columns of ``entries`` (default: all)."""
    stmt = select(*columns) if columns else select(entries)
    if flt.form_id is not None:
        stmt = stmt.where(entries.c.form_id == flt.form_id)
    if after is not None:
        created, entry_id = after
        stmt = stmt.where(
            (entries.c.created_at <= created)
            & ((entries.c.created_at < created) | (entries.c.entry_id < entry_id))
        )
    return stmt.order_by(entries.c.created_at.desc(), entries.c.entry_id.desc()).limit(block)


def _block_query(
    flt: EntryFilter,
    user: Any,
    after: Position | None,
    block: int,
    stored: Mapping[str, str] | None = None,
    with_repeats: bool = False,
) -> Any:
    """The entries of the next block (:func:`_next_block`) that pass the filter.

    The block is a ``LIMIT`` subquery, so the database walks the ``(form_id, created_at,
    entry_id)`` index and filters only those rows: a plain ``WHERE <filters> ORDER BY ... LIMIT
    n`` lets SQLite pick the region index and sort every matching row on every page.

    With ``stored`` (form version -> the ``layout`` of the stored cells the export reads), an
    entry with fresh stored cells (its head ``rev``, its form and version, that version's
    layout) comes with them and without its answers; the others come with their head revision's
    answers and meta, as without ``stored``.
    """
    # the block's entries joined in entry-id order: the lookups in the revisions and
    # export_cells indexes (keyed by entry id) then walk each index forwards
    newest = _next_block(flt, after, block).subquery("newest")
    blk = select(newest).order_by(newest.c.entry_id).subquery("blk")
    head = revisions.alias("head")
    head_on = (head.c.entry_id == blk.c.entry_id) & (head.c.rev == blk.c.head_rev)
    columns = [
        blk.c.entry_id,
        blk.c.created_at,
        blk.c.officer,
        blk.c.region,
        blk.c.form_version,
        blk.c.review_status,
        blk.c.review_comment,
        users.c.full_name,
    ]
    if stored:
        cells = export_cells.alias("cells")
        cells_on = (
            (cells.c.entry_id == blk.c.entry_id)
            & (cells.c.rev == blk.c.head_rev)
            & (cells.c.form_id == blk.c.form_id)
            & (cells.c.form_version == blk.c.form_version)
            & or_(
                *(
                    (cells.c.form_version == version) & (cells.c.layout == layout)
                    for version, layout in sorted(stored.items())
                )
            )
        )
        # the head revision only for an entry without fresh cells: the key is NULL
        # otherwise, so the database skips the index probe (with ``AND cells.entry_id IS
        # NULL`` in the join condition SQLite probed the revisions index for every entry,
        # about a quarter of the block query's time)
        head_key = case((cells.c.entry_id.is_(None), blk.c.entry_id))
        joined = blk.outerjoin(cells, cells_on).outerjoin(
            head, (head.c.entry_id == head_key) & (head.c.rev == blk.c.head_rev)
        )
        found = cells.c.entry_id.is_not(None) | head.c.entry_id.is_not(None)
        columns += [
            head.c.answers,
            head.c.meta,
            cells.c.root,
            cells.c.device_id,
            cells.c.repeats if with_repeats else null(),
        ]
    else:
        joined = blk.join(head, head_on)
        found = true()
        columns += [head.c.answers, head.c.meta, null(), null(), null()]
    # per entry: its revisions, its photos stored and referred to (correlated counts: the
    # probes land on the index pages the joins above read anyway)
    # (AttachmentsPresent/Expected count file names, as Central: a photo in two questions is
    # two names, stored once)
    revs = revisions.alias("revs")
    refs = entry_attachments.alias("refs")
    stored_files = attachments.alias("stored_files")
    names = func.count(func.distinct(refs.c.filename))
    columns += [
        select(func.count()).where(revs.c.entry_id == blk.c.entry_id).scalar_subquery(),
        select(names)
        .select_from(refs.join(stored_files, stored_files.c.sha256 == refs.c.sha256))
        .where(refs.c.entry_id == blk.c.entry_id)
        .scalar_subquery(),
        select(names).where(refs.c.entry_id == blk.c.entry_id).scalar_subquery(),
    ]
    stmt = (
        select(*columns)
        .select_from(joined.outerjoin(users, users.c.username == blk.c.officer))
        .where(found)
    )
    stmt = apply_filter(stmt, flt, table=blk)
    return apply_user_scope(stmt, user, table=blk) if user is not None else stmt


def _block_end(conn: Any, flt: EntryFilter, after: Position | None, block: int) -> Any:
    """``(created_at, entry_id)`` of the last entry of the next block, ``None`` at the end
    (an index-only walk of the ``(form_id, created_at, entry_id)`` index)."""
    row = conn.execute(
        _next_block(flt, after, 1, entries.c.created_at, entries.c.entry_id).offset(block - 1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _block_ids(flt: EntryFilter, after: Position | None, block: int) -> Any:
    """The entry ids of the next block, as a subquery for ``IN`` (no list of 1,000 bound
    parameters to render)."""
    return _next_block(flt, after, block, entries.c.entry_id).scalar_subquery()


def _media(conn: Any, ids: Any) -> dict[str, list[tuple[str, str, int]]]:
    """The photos stored on the server per entry of the block ``ids``: ``(sha256, file
    name, size)``, one per file name."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    rows = conn.execute(
        select(
            entry_attachments.c.entry_id,
            attachments.c.sha256,
            entry_attachments.c.filename,
            attachments.c.size,
        )
        .select_from(
            entry_attachments.join(attachments, attachments.c.sha256 == entry_attachments.c.sha256)
        )
        .where(entry_attachments.c.entry_id.in_(ids))
        .order_by(entry_attachments.c.entry_id, entry_attachments.c.filename)
    ).all()
    for entry_id, sha256, filename, size in rows:
        out.setdefault(entry_id, []).append((sha256, filename, int(size)))
    return out


def _lost_files(root: Path, files: Iterable[tuple[str, int]]) -> set[str]:
    """The hashes among ``(sha256, size)`` whose file under ``root`` is gone or of another
    size (one ``stat`` per file; :mod:`sync_server.attachment_integrity`)."""
    checked: dict[str, bool] = {}
    for sha256, size in files:
        if sha256 not in checked:
            checked[sha256] = file_intact(root / sha256[:2] / sha256, size)
    return {sha for sha, intact in checked.items() if not intact}


def _with_files(
    media: dict[str, list[tuple[str, str, int]]], root: Path | None
) -> tuple[dict[str, list[tuple[str, str]]], set[str]]:
    """Per entry the ``(sha256, file name)`` of the photos the ZIP can hold, and the hashes
    whose file is lost on disk (left out; checked when ``root`` is given)."""
    lost = (
        _lost_files(root, ((sha, size) for files in media.values() for sha, _, size in files))
        if root is not None
        else set()
    )
    held = {
        entry_id: [(sha, name) for sha, name, _ in files if sha not in lost]
        for entry_id, files in media.items()
    }
    return held, lost


def submission_date(created_at: str) -> str:
    """The ``SubmissionDate`` cell of a stored UTC time, as Central writes it: milliseconds and
    ``Z`` (``2026-12-06T11:23:47.547Z``; the server stores microseconds). Other texts are kept."""
    match = _UTC_TIME.fullmatch(created_at)
    if match is None:
        return created_at
    return f"{match[1]}.{(match[2] or '').ljust(3, '0')[:3]}Z"


def iter_records(
    engine: Engine,
    flt: EntryFilter,
    user: Any = None,
    *,
    page_size: int = PAGE_SIZE,
    stored: Mapping[str, str] | None = None,
    with_repeats: bool = False,
    with_media: bool = False,
    media_root: Path | None = None,
) -> Iterator[EntryRecord]:
    """The entries an export covers, as records, block by block (``user=None``: no scope).

    ``with_media``: each record lists its photos stored on the server (for a ZIP with media),
    one per file name; with ``media_root`` each file is checked on disk first: a file lost
    there is left out, not counted in ``AttachmentsPresent``, and forgotten
    (:func:`~sync_server.attachment_integrity.forget_lost`: the tablets are asked for it again).

    Each block of ``page_size`` entry ids is read in its own short read transaction. With
    ``stored`` (see :func:`_block_query`) records carry their stored cells where they are fresh
    (``with_repeats``: the repeat instances' too) and empty answers.

    A kecamatan filter of 100 characters or more reads no stored cells: ``entries.kecamatan``
    keeps the first 100 characters, so only the answers can tell a longer answer apart.
    """
    if flt.kecamatan is not None and len(flt.kecamatan) >= KECAMATAN_COLUMN:
        stored = None
    after: Position | None = None
    while True:
        with read_tx(engine) as conn:
            end = _block_end(conn, flt, after, page_size)
            rows = sorted(
                conn.execute(_block_query(flt, user, after, page_size, stored, with_repeats)).all(),
                key=lambda row: (row[1], row[0]),
                reverse=True,
            )
            ids = _block_ids(flt, after, page_size)
            found = _media(conn, ids) if rows and with_media else {}
        media, lost = _with_files(found, media_root)
        if lost and media_root is not None:
            forget_lost(engine, media_root, lost)
        for (
            entry_id,
            created_at,
            officer,
            region,
            form_version,
            review_status,
            review_comment,
            full_name,
            answers_json,
            meta_json,
            root_cells,
            device_id,
            repeat_cells,
            revision_count,
            present,
            expected,
        ) in rows:
            if root_cells is None:
                answers = decode_answers(answers_json)
                if flt.kecamatan is not None and not matches_answers(flt, answers):
                    continue
                meta = _decode_meta(meta_json) if meta_json else {}
                device_id = device_of(meta, answers)
            else:
                answers = {}
            files = media.get(entry_id, [])
            if with_media:  # the names whose file the ZIP holds
                present = len({name for _, name in files})
            yield EntryRecord(
                entry_id,
                submission_date(created_at),
                officer,
                full_name or "",
                region,
                form_version,
                review_status,
                review_comment or "",
                device_id,
                max(0, int(revision_count) - 1),
                int(present),
                int(expected),
                answers,
                root_cells,
                (decode_repeats(repeat_cells) or [])
                if with_repeats and root_cells is not None
                else None,
                files if with_media else None,
            )
        if end is None:
            return
        after = end


def count_entries(engine: Engine, flt: EntryFilter, user: Any = None) -> int:
    """How many entries an export will have (for the command line's progress bar)."""
    stmt = apply_filter(select(func.count()).select_from(entries), flt)
    if user is not None:
        stmt = apply_user_scope(stmt, user)
    with read_tx(engine) as conn:
        return int(conn.execute(stmt).scalar_one())


def media_size(
    engine: Engine, flt: EntryFilter, user: Any = None, media_root: Path | None = None
) -> tuple[int, int]:
    """``(photos, bytes)`` the ZIP's ``media/`` will hold for this export: one member per file
    name (a file stored once but named by two questions is two members), a name used by
    several entries for the same file once, as the ZIP writer does; before the kecamatan
    re-check, like :func:`count_entries`. With ``media_root`` files lost on disk are left out
    (and forgotten, as by the ZIP export)."""
    files = (
        select(entry_attachments.c.filename, attachments.c.sha256, attachments.c.size)
        .select_from(
            entries.join(
                entry_attachments, entry_attachments.c.entry_id == entries.c.entry_id
            ).join(attachments, attachments.c.sha256 == entry_attachments.c.sha256)
        )
        .distinct()
    )
    files = apply_filter(files, flt)
    if user is not None:
        files = apply_user_scope(files, user)
    members: dict[tuple[str, str], int] = {}
    with read_tx(engine) as conn:
        for filename, sha256, size in conn.execute(files):
            members[media_name(filename, sha256), sha256] = int(size)
    lost = (
        _lost_files(media_root, ((sha, size) for (_, sha), size in members.items()))
        if media_root is not None
        else set()
    )
    if lost and media_root is not None:
        forget_lost(engine, media_root, lost)
    kept = [size for (_, sha), size in members.items() if sha not in lost]
    return len(kept), sum(kept)
