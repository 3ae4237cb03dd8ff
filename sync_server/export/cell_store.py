"""Writing and refreshing the stored export cells (``export_cells``, see :mod:`.cells`).

The write paths call :func:`store_head_cells` (or :func:`cell_rows` then :func:`insert_cells`
for many new entries at once) inside their own transaction, right after they change an entry's
head revision, so the stored cells commit or roll back with it. Laying out the cells never fails
a write: an unexpected error is logged and the entry is left without stored cells (the export
lays it out from the answers).

:func:`refresh_cells` fills the rows that are missing or stale (another ``rev`` than the head,
an older :data:`~.cells.CELLS_FORMAT`): ``survey-server init-db`` runs it after the migrations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db import read_tx, write_tx
from ..forms_store import FormCache
from ..schema import entries, export_cells, revisions
from .cells import CELLS_FORMAT, CellRenderer
from .rows import decode_answers

__all__ = ["cell_rows", "insert_cells", "refresh_cells", "store_head_cells", "upsert_cells"]

log = logging.getLogger(__name__)

#: ``(entry_id, rev, form_id, form_version, answers, meta)`` of a head revision
Head = tuple[str, str, str, str, Mapping[str, Any], Mapping[str, Any]]


def _renderer(conn: Connection, forms: FormCache, form_id: str, version: str) -> Any:
    return forms.derived(conn, form_id, version, "export_cells", CellRenderer)


def cell_rows(conn: Connection, forms: FormCache, heads: Iterable[Head]) -> list[dict[str, Any]]:
    """The ``export_cells`` rows of these head revisions (none for one that cannot be laid out)."""
    rows: list[dict[str, Any]] = []
    for entry_id, rev, form_id, version, answers, meta in heads:
        renderer = _renderer(conn, forms, form_id, version)
        if renderer is None:
            continue
        try:
            cells = renderer.render(answers, meta)
        except Exception:  # the cells are a cache: never let them fail a write
            log.exception("export cells of %s %s could not be laid out", entry_id, rev)
            continue
        if cells is not None:
            rows.append(
                {
                    "entry_id": entry_id,
                    "rev": rev,
                    "form_version": version,
                    "fmt": CELLS_FORMAT,
                    "device_id": cells.device_id,
                    "root": cells.root,
                    "repeats": cells.repeats,
                }
            )
    return rows


def insert_cells(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert rows of entries that have none yet (new entries)."""
    if rows:
        conn.execute(export_cells.insert(), rows)


def upsert_cells(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace the rows of these entries."""
    if not rows:
        return
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(export_cells)
    stmt = stmt.on_conflict_do_update(
        index_elements=[export_cells.c.entry_id],
        set_={
            name: stmt.excluded[name]
            for name in ("rev", "form_version", "fmt", "device_id", "root", "repeats")
        },
    )
    conn.execute(stmt, rows)


def store_head_cells(
    conn: Connection,
    forms: FormCache | None,
    entry_id: str,
    rev: str,
    form_id: str,
    version: str,
    answers: Mapping[str, Any],
    meta: Mapping[str, Any],
) -> None:
    """Store the cells of an entry's new head revision (no-op without a form cache)."""
    if forms is not None:
        rows = cell_rows(conn, forms, [(entry_id, rev, form_id, version, answers, meta)])
        if rows:
            upsert_cells(conn, rows)


def _stale(block: int, after: str | None) -> Any:
    """The next ``block`` entries whose stored cells are missing or stale, with their head."""
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
                export_cells.c.fmt != CELLS_FORMAT,
            )
        )
        .order_by(entries.c.entry_id)
        .limit(block)
    )
    return stmt.where(entries.c.entry_id > after) if after is not None else stmt


def refresh_cells(
    engine: Engine,
    forms: FormCache | None = None,
    *,
    block: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Lay out the stored cells of every entry that has none or stale ones; returns how many
    were stored. ``progress`` is called with the number of entries looked at in each block.

    Works in blocks of ``block`` entries, each in its own write transaction, so a long refresh
    never holds the database for long and can be stopped and run again.
    """
    forms = forms or FormCache()
    done = 0
    after: str | None = None
    while True:
        with read_tx(engine) as conn:
            found = conn.execute(_stale(block, after)).all()
        if not found:
            return done
        after = found[-1].entry_id
        with write_tx(engine) as conn:
            heads = [
                (
                    row.entry_id,
                    row.head_rev,
                    row.form_id,
                    row.form_version,
                    decode_answers(row.answers),
                    decode_answers(row.meta) if row.meta else {},
                )
                for row in found
            ]
            rows = cell_rows(conn, forms, heads)
            # a head that moved on meanwhile is left for the next refresh (its writer stored it)
            current = dict(
                conn.execute(
                    select(entries.c.entry_id, entries.c.head_rev).where(
                        entries.c.entry_id.in_([r["entry_id"] for r in rows])
                    )
                ).all()
            )
            fresh = [r for r in rows if current.get(r["entry_id"]) == r["rev"]]
            upsert_cells(conn, fresh)
        done += len(fresh)
        if progress is not None:
            progress(len(found))
