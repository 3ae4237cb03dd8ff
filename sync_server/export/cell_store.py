"""Laying out and storing the export cells (``export_cells``, see :mod:`.cells`).

The cells are a cache kept **off the write paths**: pushes, merges, supervisor edits and
conflict resolutions never lay them out (a field officer's sync must not wait for the
export). :class:`~.cell_worker.CellLayoutWorker`, a thread of the serving process, runs
:func:`refresh_cells` once the server has been idle for a moment after a change; ``survey-server
init-db`` runs it after the migrations. An export reads only fresh rows, so an entry changed a
moment ago is laid out from its answers by the export itself: slower, never wrong.

:func:`refresh_cells` lays out the rows that are missing or stale (another ``rev`` than the
head, another ``layout`` than the form version's current one) in blocks: read and laid out in a
read transaction, written in a short write transaction only for entries whose head is still the
one laid out. An entry that cannot be laid out is logged and left to the export; a database
error is raised to the caller (the worker logs it and tries again later without counting the
pass as done; ``init-db`` warns)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, and_, false, not_, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db import read_tx, write_tx
from ..forms_store import FormCache
from ..schema import entries, export_cells, revisions
from ..schema import forms as form_rows
from .cells import CellRenderer
from .rows import decode_answers

__all__ = ["cell_row", "cell_rows", "refresh_cells", "upsert_cells"]

log = logging.getLogger(__name__)

#: ``(entry_id, rev, form_id, form_version, answers, meta)`` of a head revision
Head = tuple[str, str, str, str, Mapping[str, Any], Mapping[str, Any]]


def _renderer(conn: Connection, forms: FormCache, form_id: str, version: str) -> Any:
    return forms.derived(conn, form_id, version, "export_cells", CellRenderer)


def cell_row(conn: Connection, forms: FormCache, head: Head) -> dict[str, Any] | None:
    """The ``export_cells`` row of one head revision (``None`` when it cannot be laid out)."""
    entry_id, rev, form_id, version, answers, meta = head
    try:
        renderer = _renderer(conn, forms, form_id, version)
        cells = renderer.render(answers, meta) if renderer is not None else None
    except Exception:  # the cells are a cache: never let them fail a write
        log.exception("export cells of %s %s could not be laid out", entry_id, rev)
        return None
    if cells is None:
        return None
    return {
        "entry_id": entry_id,
        "rev": rev,
        "form_id": form_id,
        "form_version": version,
        "layout": renderer.layout_key,
        "device_id": cells.device_id,
        "root": cells.root,
        "repeats": cells.repeats,
    }


def cell_rows(conn: Connection, forms: FormCache, heads: Iterable[Head]) -> list[dict[str, Any]]:
    """The ``export_cells`` rows of these head revisions (none for one that cannot be laid out)."""
    return [row for head in heads if (row := cell_row(conn, forms, head)) is not None]


def upsert_cells(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace the rows of these entries."""
    if not rows:
        return
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(export_cells)
    stmt = stmt.on_conflict_do_update(
        index_elements=[export_cells.c.entry_id],
        set_={name: stmt.excluded[name] for name in _COLUMNS if name != "entry_id"},
    )
    conn.execute(stmt, rows)


_COLUMNS = ("entry_id", "rev", "form_id", "form_version", "layout", "device_id", "root", "repeats")


def _current_layouts(
    conn: Connection, forms: FormCache, broken: set[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """``(form_id, version, layout)`` of every published form version that can be laid out.

    A version whose renderer cannot be built is logged once (``broken`` remembers it) and left
    out: its entries keep no stored cells, the others are not held back by it.
    """
    out = []
    for form_id, version in conn.execute(select(form_rows.c.form_id, form_rows.c.version)).all():
        if (form_id, version) in broken:
            continue
        try:
            renderer = _renderer(conn, forms, form_id, version)
        except Exception:
            log.exception("export cells: form %s version %s cannot be laid out", form_id, version)
            broken.add((form_id, version))
            continue
        if renderer is not None:
            out.append((form_id, version, renderer.layout_key))
    return out


def _stale(current: list[tuple[str, str, str]]) -> Any:
    """The entries whose stored cells are missing or stale, with their head, by entry id."""
    fresh_layout = or_(
        false(),
        *(
            and_(
                export_cells.c.form_id == form_id,
                export_cells.c.form_version == version,
                export_cells.c.layout == layout,
            )
            for form_id, version, layout in current
        ),
    )
    stmt = (
        select(
            entries.c.entry_id,
            entries.c.head_rev,
            revisions.c.form_id,
            revisions.c.form_version,
            revisions.c.answers,
            revisions.c.meta,
        )
        .select_from(
            entries.join(
                revisions,
                and_(
                    revisions.c.entry_id == entries.c.entry_id,
                    revisions.c.rev == entries.c.head_rev,
                ),
            ).outerjoin(export_cells, export_cells.c.entry_id == entries.c.entry_id)
        )
        .where(
            or_(
                export_cells.c.entry_id.is_(None),
                export_cells.c.rev != entries.c.head_rev,
                not_(fresh_layout),
            )
        )
        .order_by(entries.c.entry_id)
    )
    return stmt


def refresh_cells(
    engine: Engine,
    forms: FormCache | None = None,
    *,
    entry_ids: Iterable[str] | None = None,
    block: int = 200,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Lay out the stored cells of every entry (or of ``entry_ids``) that has none or stale ones;
    returns how many were stored. ``progress`` is called with the number of entries looked at
    in each block; ``should_stop`` is asked before each block (the worker stops when a change
    comes in).

    Works in blocks of ``block`` entries: read and laid out in a read transaction, written in a
    short write transaction (only the rows whose entry still has that head), so a long refresh
    never holds the database for long and can be stopped and run again. Entries that cannot be
    laid out (see :mod:`.cells`) are looked at again by the next refresh.
    """
    forms = forms or FormCache()
    broken: set[tuple[str, str]] = set()
    done = 0
    chunks = None
    if entry_ids is not None:
        ids = sorted(set(entry_ids))
        chunks = iter([ids[i : i + block] for i in range(0, len(ids), block)])
    after: str | None = None
    while True:
        if should_stop is not None and should_stop():
            return done
        with read_tx(engine) as conn:
            current_layouts = _current_layouts(conn, forms, broken)
            if chunks is None:
                stmt = _stale(current_layouts).limit(block)
                if after is not None:
                    stmt = stmt.where(entries.c.entry_id > after)
            else:
                chunk = next(chunks, None)
                if chunk is None:
                    return done
                stmt = _stale(current_layouts).where(entries.c.entry_id.in_(chunk))
            found = conn.execute(stmt).all()
            if not found and chunks is None:
                return done
            rows = cell_rows(conn, forms, [_head(row) for row in found])
        if found:
            after = found[-1].entry_id
        if progress is not None:
            progress(len(found))
        if rows:
            if should_stop is not None and should_stop():  # a change came in meanwhile
                return done
            done += _store_if_still_head(engine, rows)


def _head(row: Any) -> Head:
    return (
        row.entry_id,
        row.head_rev,
        row.form_id,
        row.form_version,
        decode_answers(row.answers),
        decode_answers(row.meta) if row.meta else {},
    )


def _store_if_still_head(engine: Engine, rows: list[dict[str, Any]]) -> int:
    """Upsert the rows whose entry still has the head they were laid out from; returns how many.

    On PostgreSQL the entries are first locked ``FOR SHARE SKIP LOCKED``: an entry a push or an
    edit holds is skipped (left for the next pass) instead of waited for, so the worker never
    waits on a writer (no deadlock with a push locking several entries), and no head can move
    between the check and the upsert. A writer waits at most for this short transaction (the
    cells are laid out before it). SQLite's write transactions are serialised anyway.
    """
    ids = [r["entry_id"] for r in rows]
    with write_tx(engine) as conn:
        query = select(entries.c.entry_id, entries.c.head_rev).where(entries.c.entry_id.in_(ids))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '2s'"))
            query = query.with_for_update(read=True, skip_locked=True)
        current = dict(conn.execute(query).all())
        # a head that moved on meanwhile is left for the next refresh
        fresh = [r for r in rows if current.get(r["entry_id"]) == r["rev"]]
        upsert_cells(conn, fresh)
    return len(fresh)
