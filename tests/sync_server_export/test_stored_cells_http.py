"""Stored export cells against the live server (SQLite and PostgreSQL).

The server's background worker lays out the cells of changed entries once no change has come
in for a moment (0.3 s in tests); the export reads them while they are fresh and lays every
other entry out from its answers, with the same bytes.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from survey_forms import load_xlsform
from sync_server.export.cell_store import refresh_cells
from sync_server.export.cell_worker import CellLayoutWorker
from sync_server.export.cells import CellRenderer
from sync_server.schema import changes, entries, export_cells, revisions
from tests.support.server import publish_form
from tests.sync_server.helpers import child, make_revision

from .conftest import FORM_ID, FORMS, Seeded, answers_v1
from .test_export_http import get

VERSIONS = {v: load_xlsform(FORMS / f"ekspor_v{v}.md") for v in ("1", "2")}


def _engine(seeded: Seeded) -> Any:
    return seeded.server.app.extensions["sync_server"].engine


def _worker(seeded: Seeded) -> CellLayoutWorker:
    return seeded.server.app.extensions["sync_server"].cell_worker


def _settle(seeded: Seeded, timeout: float = 30) -> None:
    """Wait until the worker has laid out every change in the feed."""
    engine = _engine(seeded)
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            last = conn.execute(select(func.max(changes.c.seq))).scalar_one() or 0
        worker = _worker(seeded)
        if worker.done_seq == last:
            return
        assert time.monotonic() < deadline, f"the worker did not catch up: {worker.last_error!r}"
        time.sleep(0.05)


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
    """After new entries and a supervisor's edit, the worker laid out every head's cells."""
    _settle(seeded)
    cells = _cells_by_entry(seeded)
    heads = _heads(seeded)
    assert set(cells) == set(heads) == set(seeded.pushed)
    for entry_id, head in heads.items():
        assert cells[entry_id].rev == head, entry_id
        version = seeded.pushed[entry_id]["version"]
        assert cells[entry_id].form_id == FORM_ID
        assert cells[entry_id].form_version == version
        assert cells[entry_id].layout == CellRenderer(VERSIONS[version]).layout_key
    # the edited entry's cells hold the supervisor's name, not the tablet's
    assert "Diperbaiki supervisor" in cells[seeded.edited].root
    # entries of version 1 have repeat instances; the nested ones carry their KEY suffix
    with_repeats = [c for c in cells.values() if c.form_version == "1"]
    assert len(with_repeats) == 4
    assert all("/temuan[1]/tindakan[2]" in c.repeats for c in with_repeats)


def test_export_is_the_same_with_and_without_stored_cells(seeded: Seeded) -> None:
    _settle(seeded)
    _worker(seeded).stop()
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
    "stale",
    [
        {"layout": "0-laid-out-under-older-rules"},
        {"rev": "1-0000"},
        {"form_version": "2"},  # published, but not the entry's version
        {"form_id": "formulir_lain"},
    ],
)
def test_export_reads_stored_cells_only_while_they_are_fresh(
    seeded: Seeded, stale: dict[str, Any]
) -> None:
    _settle(seeded)
    _worker(seeded).stop()
    entry_id = seeded.edited
    before = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    _mark_first_cell(seeded, entry_id, "DARI-SEL-TERSIMPAN")
    marked = get(seeded, "admin", f"/export/{FORM_ID}.csv").content
    assert b"DARI-SEL-TERSIMPAN" in marked  # fresh: the export reads the stored cells
    original = {k: _cells_by_entry(seeded)[entry_id]._mapping[k] for k in stale}
    _set_cells(seeded, entry_id, **stale)
    assert get(seeded, "admin", f"/export/{FORM_ID}.csv").content == before
    _set_cells(seeded, entry_id, **original)
    assert get(seeded, "admin", f"/export/{FORM_ID}.csv").content == marked
    # the labels option never reads them
    labelled = get(seeded, "admin", f"/export/{FORM_ID}.csv", labels="1").content
    assert b"DARI-SEL-TERSIMPAN" not in labelled


def _set_cells(seeded: Seeded, entry_id: str, **values: Any) -> None:
    with _engine(seeded).begin() as conn:
        conn.execute(
            update(export_cells).where(export_cells.c.entry_id == entry_id).values(**values)
        )


def test_supervisor_and_filtered_exports_are_the_same_with_and_without_stored_cells(
    seeded: Seeded,
) -> None:
    asks = [
        ("spv_plg", {}),
        ("admin", {"region": "16.05"}),
        ("admin", {"kecamatan": "16.71.02"}),
        ("admin", {"text": "unit 1"}),
        ("admin", {"review_status": "needs_correction"}),
    ]

    def exports() -> list[bytes]:
        out = []
        for user, params in asks:
            resp = get(seeded, user, f"/export/{FORM_ID}.zip", **params)
            assert resp.status_code == 200, resp.text
            with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
                out += [archive.read(name) for name in archive.namelist()]
        return out

    _settle(seeded)
    _worker(seeded).stop()
    with_cells = exports()
    assert len({len(body) for body in with_cells}) > 3  # the filters differ
    with _engine(seeded).begin() as conn:
        conn.execute(delete(export_cells))
    assert exports() == with_cells


def test_a_long_kecamatan_filter_reads_the_answers(seeded: Seeded) -> None:
    """``entries.kecamatan`` keeps 100 characters: a 101-character answer must not match a
    filter of its first 100 characters, stored cells or not."""
    client = seeded.client("petugas_plg")
    long_name = "k" * 101
    rev = make_revision(
        dict(answers_v1(12), kecamatan=long_name),
        region="16.71",
        form_id=FORM_ID,
        form_version="1",
    )
    (result,) = client.push(rev)
    assert result["status"] == "stored", result
    _settle(seeded)
    assert rev["entry_id"] in _cells_by_entry(seeded)
    resp = get(seeded, "admin", f"/export/{FORM_ID}.csv", kecamatan=long_name[:100])
    assert resp.status_code == 200, resp.text
    assert rev["entry_id"].encode() not in resp.content


def test_a_form_with_one_root_question_exports_its_repeats_from_stored_cells(
    seeded: Seeded,
) -> None:
    """An entry whose root cells are one empty cell still carries its repeat instances."""
    publish_form(seeded.server.app, FORMS / "ekspor_satu.md")
    client = seeded.client("petugas_plg")
    pushed = []
    for answers in (
        {"temuan": [{"temuan_teks": "satu"}, {"temuan_teks": "dua, tiga"}]},
        {"catatan": "=isi", "temuan": [{"temuan_teks": "empat"}]},
    ):
        rev = make_revision(answers, region="16.71", form_id="ekspor_satu", form_version="1")
        (result,) = client.push(rev)
        assert result["status"] == "stored", result
        pushed.append(rev["entry_id"])
    _settle(seeded)
    cells = _cells_by_entry(seeded)
    assert cells[pushed[0]].root == ""

    def members() -> dict[str, bytes]:
        resp = get(seeded, "admin", "/export/ekspor_satu.zip")
        assert resp.status_code == 200, resp.text
        with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    with_cells = members()
    repeat = with_cells["ekspor_satu-temuan.csv"].decode("utf-8-sig").split("\r\n")
    assert repeat[0] == "temuan_teks,PARENT_KEY,KEY"
    first = sorted(pushed)[0]
    assert sorted(repeat[1:-1]) == sorted(
        [
            f"satu,uuid:{pushed[0]},uuid:{pushed[0]}/temuan[1]",
            f'"dua, tiga",uuid:{pushed[0]},uuid:{pushed[0]}/temuan[2]',
            f"empat,uuid:{pushed[1]},uuid:{pushed[1]}/temuan[1]",
        ]
    ), first
    root = with_cells["ekspor_satu.csv"].decode("utf-8-sig")
    assert f",,uuid:{pushed[0]}," in root and f",'=isi,uuid:{pushed[1]}," in root
    with _engine(seeded).begin() as conn:
        conn.execute(delete(export_cells))
    assert members() == with_cells


def test_a_nul_in_the_device_id_stores_the_entry_without_cells(seeded: Seeded) -> None:
    """PostgreSQL text cannot hold NUL: the push must still store the entry."""
    client = seeded.client("petugas_plg")
    rev = make_revision(answers_v1(13), region="16.71", form_id=FORM_ID, form_version="1")
    rev["meta"]["device_id"] = "tablet\x00rusak"
    (result,) = client.push(rev)
    assert result["status"] == "stored", result
    _settle(seeded)
    assert rev["entry_id"] not in _cells_by_entry(seeded)
    assert rev["entry_id"] in _heads(seeded)


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
    _settle(seeded)
    assert "Unit hasil edit satu" in _cells_by_entry(seeded)[entry_id].root
    two = child(parent, dict(pushed["answers"], kecamatan="16.71.09"))
    (result,) = client.push(two)
    assert result["status"] == "merged", result
    _settle(seeded)
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
    _settle(seeded)
    _worker(seeded).stop()
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
    _settle(seeded)
    assert rev["entry_id"] not in _cells_by_entry(seeded)
    text = get(seeded, "admin", f"/export/{FORM_ID}.csv").content.decode("utf-8-sig")
    assert "Unit\x1fdengan pemisah" in text


def test_the_worker_lays_out_what_changed_since_its_last_pass(seeded: Seeded) -> None:
    """Passes run by hand on a worker that is not started (the server's is stopped)."""
    _settle(seeded)
    _worker(seeded).stop()
    engine = _engine(seeded)
    with engine.begin() as conn:
        conn.execute(delete(export_cells))
    worker = CellLayoutWorker(engine, seeded.server.app.extensions["sync_server"].forms)
    last = worker._last_seq()
    # a change after the pass was planned: the pass stops before its first block
    assert worker.run_pass(last - 1) is False and worker.done_seq is None
    assert _cells_by_entry(seeded) == {}
    assert worker.run_pass(last) is True and worker.done_seq == last
    assert set(_cells_by_entry(seeded)) == set(seeded.pushed)
    # the next pass looks only at entries changed since: a row deleted meanwhile stays away
    with engine.begin() as conn:
        conn.execute(delete(export_cells).where(export_cells.c.entry_id == seeded.edited))
    rev = make_revision(answers_v1(14), region="16.71", form_id=FORM_ID, form_version="1")
    (result,) = seeded.client("petugas_plg").push(rev)
    assert result["status"] == "stored", result
    assert worker.run_pass(worker._last_seq()) is True
    cells = _cells_by_entry(seeded)
    assert rev["entry_id"] in cells and seeded.edited not in cells


def test_a_wsgi_process_starts_its_worker_at_its_first_request(tmp_path: Any) -> None:
    """(gunicorn may import the app once and fork: the thread must start in each child.)"""
    from sync_server import create_app
    from sync_server.export.cell_worker import start_cell_worker_on_first_request
    from sync_server.migrate import upgrade

    app = create_app({"INSTANCE_PATH": str(tmp_path / "wsgi"), "EXPORT_CELLS_IDLE_SECONDS": 0.2})
    upgrade(app.extensions["sync_server"].engine)
    start_cell_worker_on_first_request(app)
    state = app.extensions["sync_server"]
    assert state.cell_worker is None
    try:
        assert app.test_client().get("/api/v1/health").status_code == 200
        worker = state.cell_worker
        assert worker is not None and worker.pid == os.getpid()
        app.test_client().get("/api/v1/health")
        assert state.cell_worker is worker  # one per process
        deadline = time.monotonic() + 10
        while worker.done_seq is None:  # its first pass over an empty database
            assert time.monotonic() < deadline, worker.last_error
            time.sleep(0.05)
    finally:
        if state.cell_worker is not None:
            assert state.cell_worker.stop()
        state.engine.dispose()
