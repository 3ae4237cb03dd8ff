"""Stored export cells against the live server (SQLite and PostgreSQL).

Every write path that moves an entry's head (push of a new entry, a device edit, a merge, a
supervisor edit) stores the head's cells in the same transaction; the export reads them while
they are fresh and lays the entry out from its answers otherwise, with the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from sync_server.export.cell_store import refresh_cells
from sync_server.export.cells import CELLS_FORMAT
from sync_server.schema import entries, export_cells, revisions
from tests.sync_server.helpers import child, make_revision

from .conftest import FORM_ID, Seeded, answers_v1
from .test_export_http import get


def _engine(seeded: Seeded) -> Any:
    return seeded.server.app.extensions["sync_server"].engine


def _cells_by_entry(seeded: Seeded) -> dict[str, Any]:
    with _engine(seeded).connect() as conn:
        return {row.entry_id: row for row in conn.execute(select(export_cells)).all()}


def _heads(seeded: Seeded) -> dict[str, str]:
    with _engine(seeded).connect() as conn:
        return dict(conn.execute(select(entries.c.entry_id, entries.c.head_rev)).all())


def _exports(seeded: Seeded) -> dict[str, bytes]:
    """The default CSV, the CSV without group prefixes, and every member of the ZIP."""
    out = {}
    for name, params in (("csv", {}), ("bare", {"group_prefix": "0"})):
        resp = get(seeded, "admin", f"/export/{FORM_ID}.csv", **params)
        assert resp.status_code == 200, resp.text
        out[name] = resp.content
    resp = get(seeded, "admin", f"/export/{FORM_ID}.zip")
    assert resp.status_code == 200, resp.text
    with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
        for member in archive.namelist():
            out[member] = archive.read(member)
    return out


def test_every_head_has_fresh_stored_cells(seeded: Seeded) -> None:
    """New entries (bulk path) and the supervisor's edit both stored the head's cells."""
    cells = _cells_by_entry(seeded)
    heads = _heads(seeded)
    assert set(cells) == set(heads) == set(seeded.pushed)
    for entry_id, head in heads.items():
        assert cells[entry_id].rev == head, entry_id
        assert cells[entry_id].fmt == CELLS_FORMAT
        assert cells[entry_id].form_version == seeded.pushed[entry_id]["version"]
    # the edited entry's cells hold the supervisor's name, not the tablet's
    assert "Diperbaiki supervisor" in cells[seeded.edited].root
    # entries of version 1 have repeat instances; the nested ones carry their KEY suffix
    with_repeats = [c for c in cells.values() if c.form_version == "1"]
    assert all("/temuan[1]/tindakan[2]" in c.repeats for c in with_repeats)


def test_export_is_the_same_with_and_without_stored_cells(seeded: Seeded) -> None:
    with_cells = _exports(seeded)
    engine = _engine(seeded)
    with engine.begin() as conn:
        conn.execute(delete(export_cells))
    without = _exports(seeded)
    assert without == with_cells
    assert refresh_cells(engine) == len(seeded.pushed)
    assert _exports(seeded) == with_cells
    assert refresh_cells(engine) == 0  # nothing stale is left


def _mark_first_cell(seeded: Seeded, entry_id: str, marker: str) -> None:
    with _engine(seeded).begin() as conn:
        root = conn.execute(
            select(export_cells.c.root).where(export_cells.c.entry_id == entry_id)
        ).scalar_one()
        _, rest = root.split("\x1f", 1)
        conn.execute(
            update(export_cells)
            .where(export_cells.c.entry_id == entry_id)
            .values(root=f"{marker}\x1f{rest}")
        )


@pytest.mark.parametrize(
    "stale", [{"fmt": CELLS_FORMAT + 1}, {"rev": "1-0000"}, {"form_version": "9"}]
)
def test_export_reads_stored_cells_only_while_they_are_fresh(
    seeded: Seeded, stale: dict[str, Any]
) -> None:
    entry_id = seeded.edited
    before = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    _mark_first_cell(seeded, entry_id, "DARI-SEL-TERSIMPAN")
    marked = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    assert b"DARI-SEL-TERSIMPAN" in marked  # fresh: the export reads the stored cells
    with _engine(seeded).begin() as conn:
        conn.execute(
            update(export_cells).where(export_cells.c.entry_id == entry_id).values(**stale)
        )
    assert get(seeded, "admin", f"/export/{FORM_ID}.csv").content == before
    # and the labels option never reads them
    with _engine(seeded).begin() as conn:
        conn.execute(
            update(export_cells)
            .where(export_cells.c.entry_id == entry_id)
            .values(fmt=CELLS_FORMAT, rev=_heads(seeded)[entry_id], form_version="1")
        )
    assert b"DARI-SEL-TERSIMPAN" in get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    labelled = get(seeded, "admin", f"/export/{FORM_ID}.csv", labels="1").content
    assert b"DARI-SEL-TERSIMPAN" not in labelled


def test_device_edits_and_merges_store_the_new_heads_cells(seeded: Seeded) -> None:
    """Two edits of one entry from the same parent: the server merges them into a new head."""
    entry_id = next(
        e for e, p in seeded.pushed.items() if e != seeded.edited and p["version"] == "1"
    )
    pushed = seeded.pushed[entry_id]
    parent = {
        "entry_id": entry_id,
        "rev": pushed["rev"],
        "region": pushed["region"],
        "form_id": FORM_ID,
        "form_version": "1",
    }
    client = seeded.client(pushed["officer"])
    one = child(parent, dict(pushed["answers"], nama_unit="Unit hasil edit satu"))
    (result,) = client.push(one)
    assert result["status"] == "stored", result
    assert "Unit hasil edit satu" in _cells_by_entry(seeded)[entry_id].root
    two = child(parent, dict(pushed["answers"], kecamatan="16.71.09"))
    (result,) = client.push(two)
    assert result["status"] == "merged", result
    head = _heads(seeded)[entry_id]
    cells = _cells_by_entry(seeded)[entry_id]
    assert cells.rev == head not in (one["rev"], two["rev"])
    with _engine(seeded).connect() as conn:
        kind = conn.execute(
            select(revisions.c.author_kind).where(
                revisions.c.entry_id == entry_id, revisions.c.rev == head
            )
        ).scalar_one()
    assert kind == "merge"
    assert "Unit hasil edit satu" in cells.root and "16.71.09" in cells.root
    text = get(seeded, "admin", f"/export/{FORM_ID}.csv").content.decode("utf-8-sig")
    line = next(row for row in text.split("\r\n") if f"uuid:{entry_id}" in row)
    assert "Unit hasil edit satu" in line and "16.71.09" in line


def test_init_db_lays_out_the_cells_of_entries_that_have_none(sqlite_seeded: Seeded) -> None:
    """(SQLite: the command reads the database of the instance folder.)"""
    from click.testing import CliRunner

    from sync_server.cli import cli

    seeded = sqlite_seeded
    engine = _engine(seeded)
    with engine.begin() as conn:
        conn.execute(delete(export_cells))
    instance = seeded.server.app.instance_path
    result = CliRunner().invoke(cli, ["--instance", instance, "init-db"])
    assert result.exit_code == 0, result.output
    assert f"Export cells laid out for {len(seeded.pushed)} entries." in result.output
    assert set(_cells_by_entry(seeded)) == set(seeded.pushed)


def test_a_push_of_answers_with_the_separator_is_stored_without_cells(seeded: Seeded) -> None:
    client = seeded.client("petugas_plg")
    answers = dict(answers_v1(11), nama_unit="Unit\x1fdengan pemisah")
    rev = make_revision(answers, region="16.71", form_id=FORM_ID, form_version="1")
    (result,) = client.push(rev)
    assert result["status"] == "stored", result
    assert rev["entry_id"] not in _cells_by_entry(seeded)
    text = get(seeded, "admin", f"/export/{FORM_ID}.csv").content.decode("utf-8-sig")
    assert "Unit\x1fdengan pemisah" in text
