"""Device contacts: the report header's shape, and one row per account and device written at
most once a minute per process unless the reported counts change."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sync_server import device_contacts
from sync_server.db import make_engine, read_tx
from sync_server.device_contacts import contacts_of, note_contact, parse_report
from sync_server.migrate import upgrade
from sync_server.schema import device_contacts as table


def test_report_header_shape() -> None:
    assert parse_report(None) is None
    assert parse_report("waiting=3, drafts=1") == {"waiting": 3, "drafts": 1}
    assert parse_report("waiting = 0 ,drafts=9999999") == {"waiting": 0, "drafts": 9999999}
    for bad in ("", "drafts=1, waiting=2", "waiting=1", "waiting=1, drafts=1, x=1",
                "waiting=-1, drafts=0", "waiting=1.5, drafts=0", "waiting=12345678, drafts=0",
                "waiting=\u0661, drafts=0", "waiting=1,\tdrafts=0", "x" * 201):
        with pytest.raises(ValueError):
            parse_report(bad)


def test_contacts_are_written_once_a_minute_unless_the_report_changes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        device_contacts.forget_written()
        clock = [1000.0]
        monkeypatch.setattr(device_contacts.time, "monotonic", lambda: clock[0])
        assert note_contact(engine, "petugas", "tab-1", {"waiting": 2, "drafts": 0})
        assert not note_contact(engine, "petugas", "tab-1", None)  # same minute, no report
        assert not note_contact(engine, "petugas", "tab-1", {"waiting": 2, "drafts": 0})
        assert note_contact(engine, "petugas", "tab-1", {"waiting": 0, "drafts": 0})  # changed
        assert note_contact(engine, "petugas", "tab-2", None)  # another device
        clock[0] += device_contacts.WRITE_EVERY
        assert note_contact(engine, "petugas", "tab-1", None)  # a minute later
        with read_tx(engine) as conn:
            rows = {r.device_id: r for r in conn.execute(select(table))}
            grouped = contacts_of(conn, ["petugas", "nobody"])
        assert set(rows) == {"tab-1", "tab-2"}
        # a contact without a report keeps the last report
        assert (rows["tab-1"].waiting, rows["tab-1"].drafts) == (0, 0)
        assert rows["tab-2"].waiting is None and rows["tab-2"].reported_at is None
        assert [c["device_id"] for c in grouped["petugas"]] == ["tab-1", "tab-2"]  # newest first
        assert "nobody" not in grouped
    finally:
        device_contacts.forget_written()
        engine.dispose()


def test_a_new_database_never_inherits_another_engines_write_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write times were kept under ``id(engine)``; an id is reused once an engine is
    gone, so the next database (the next test's, a restored one) could miss its first
    contacts for a minute. Simulated here by giving every engine the same id."""
    monkeypatch.setattr(device_contacts, "id", lambda _obj: 1, raising=False)
    engines = [make_engine(f"sqlite:///{tmp_path / f'db{n}.sqlite3'}") for n in range(2)]
    try:
        for engine in engines:
            upgrade(engine)
            assert note_contact(engine, "petugas_mura", "tab-mura-1", None)
            with read_tx(engine) as conn:
                assert [r.device_id for r in conn.execute(select(table))] == ["tab-mura-1"]
    finally:
        device_contacts.forget_written()
        for engine in engines:
            engine.dispose()
