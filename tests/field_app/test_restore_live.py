"""Backups and restores that lose nothing: real server on loopback, real tablets (no mocks).

Data, a backup, more data (new entries with photos, a supervisor's request for correction, the
officers' corrections), then a restore of the backup: by ``survey-server restore`` (SQLite, and
PostgreSQL through pg_dump/psql) or by copying the SQLite file back by hand. After the next
syncs the server must hold every revision every tablet sent, the correction of an entry the
restore lost must be stored (not rejected with ``unknown_parent``), and supervisor reviews made
after the restore must reach the tablets.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from field_app import entries
from field_app.attachments import import_photo
from sync_server.cli import cli
from sync_server.cursors import parse
from sync_server.schema import changes
from tests.field_app.helpers import valid_answers
from tests.field_app.live import PASSWORD, Staff, tablet
from tests.support.server import LiveServer, create_user, engine_of, start_live_server

KUN = ("kunjungan_uji", "2024110101")


class Device:
    """A tablet of one officer, and every revision it pushed and saw acknowledged."""

    def __init__(self, folder: Path, url: str, username: str) -> None:
        self.folder = folder
        self.store, self.client = tablet(folder, url, batch_size=4)
        self.client.sign_in(username, PASSWORD)
        self.sent: set[tuple[str, str]] = set()

    def sync(self):
        pending = {(p["entry_id"], p["rev"]) for p in self.store.pending_revisions()}
        outcome = self.client.sync()
        assert outcome.ok, outcome
        self.sent |= pending
        return outcome

    def new_entries(self, count: int, start: int, photo: bool = False) -> list[str]:
        form = self.client.form(*KUN)
        ids = []
        for n in range(start, start + count):
            answers = valid_answers(n)
            if photo:
                source = self.folder / f"foto_{n}.jpg"
                source.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2_000 + n))  # a JPEG signature
                answers["foto"] = import_photo(self.folder / "attachments", source)
            entry_id = self.store.create_draft(form.form_id, form.version, "16.71", answers)
            assert self.store.finalize_entry(entry_id, form) == []
            ids.append(entry_id)
        return ids

    def correct(self, entry_id: str, note: str) -> None:
        form = self.client.form(*KUN)
        self.store.start_correction(entry_id)
        answers = {**self.store.get_entry(entry_id)["answers"], "catatan": note}
        self.store.save_answers(entry_id, answers)
        assert self.store.finalize_entry(entry_id, form) == []


def _cli(instance: Path, database_url: str, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["--instance", str(instance), *args], env={"SURVEY_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output


def _max_seq(server: LiveServer) -> int:
    with engine_of(server.app).connect() as conn:
        return conn.execute(select(func.max(changes.c.seq))).scalar() or 0


@pytest.fixture
def restarted() -> Iterator[Callable[[Path, str], LiveServer]]:
    """Start the server again on the same instance and database (stopped after the test)."""
    started: list[LiveServer] = []

    def start(instance: Path, url: str) -> LiveServer:
        started.append(start_live_server(instance, url))
        return started[-1]

    yield start
    for live in started:
        live.stop()


@pytest.mark.parametrize("method", ["command", "file_copy"])
def test_restore_loses_nothing_the_tablets_sent(
    server: LiveServer,
    tmp_path: Path,
    method: str,
    restarted: Callable[[Path, str], LiveServer],
) -> None:
    engine = engine_of(server.app)
    url = engine.url.render_as_string(hide_password=False)
    if method == "file_copy" and engine.dialect.name != "sqlite":
        pytest.skip("a file copy restores an SQLite database only")
    instance = Path(server.app.instance_path)
    create_user(server.app, "petugas2", PASSWORD, "officer", ["16.71"], "Petugas Dua")
    spv = Staff(server.url, "spv")
    a = Device(tmp_path / "a", server.url, "petugas")
    b = Device(tmp_path / "b", server.url, "petugas2")
    a.sync(), b.sync()
    a_old = a.new_entries(3, 0, photo=True)
    b_old = b.new_entries(3, 10)
    a.sync(), b.sync()
    spv.post(f"/entries/{a_old[0]}/review", {"status": "approved", "comment": "ok"})

    _cli(instance, url, "backup", str(tmp_path / "backup"))

    a_new = a.new_entries(3, 20, photo=True)
    b_new = b.new_entries(1, 30)
    a.sync(), b.sync()
    b.correct(b_old[0], "koreksi sebelum pemulihan")  # a correction of a backed-up entry
    b.sync()
    spv.post(f"/entries/{a_new[0]}/review", {"status": "needs_correction", "comment": "foto?"})
    a.sync()
    assert a.store.get_entry(a_new[0])["status"] == entries.NEEDS_CORRECTION
    a.correct(a_new[0], "dikoreksi")  # its parent will be lost by the restore; not synced yet
    tablet_seq = max(parse(d.store.pull_cursor()).seq for d in (a, b))

    server.stop()  # the admin stops the server, restores, and starts it again
    if method == "command":
        _cli(instance, url, "restore", str(tmp_path / "backup"), "--yes")
    else:  # the database file copied back by hand
        # as a new file renamed into place: a stopped process has closed its connections, but
        # this in-process server's threads may still hold one on the old file
        db = Path(engine.url.database)
        shutil.copyfile(tmp_path / "backup" / "database.sqlite3", db.with_name("copied"))
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.with_name("copied").replace(db)
    server = restarted(instance, url)
    spv = Staff(server.url, "spv")
    for device in (a, b):
        device.client._server_url = server.url
    # supervisor reviews after the restore; on the hand-copied database enough of them that the
    # feed grows past the tablets' cursors (only the cursor's check of its row can tell)
    spv.post(f"/entries/{a_old[1]}/review", {"status": "needs_correction", "comment": "ulang"})
    spv.post(f"/entries/{b_old[1]}/review", {"status": "approved", "comment": "bagus"})
    if method == "file_copy":
        while _max_seq(server) <= tablet_seq:
            spv.post(f"/entries/{b_old[2]}/review", {"status": "approved", "comment": "x"})
            spv.post(f"/entries/{b_old[2]}/review", {"status": "received", "comment": "x"})

    first_a, first_b = a.sync(), b.sync()
    assert first_a.reconciled and first_b.reconciled
    assert first_a.resent >= len(a_new) and first_b.resent >= 2
    assert not first_a.resend_rejected and not first_b.resend_rejected
    # the correction of the lost entry was stored after its history, not rejected
    corrected = a.store.get_entry(a_new[0])
    assert corrected["status"] == entries.SENT and corrected["rejection"] is None
    spv.post(f"/entries/{a_new[1]}/review", {"status": "approved", "comment": "diterima"})
    a.sync(), b.sync()

    for device in (a, b):
        by_entry: dict[str, set[str]] = {}
        for entry_id, rev in device.sent:
            by_entry.setdefault(entry_id, set()).add(rev)
        for entry_id, revs in by_entry.items():
            detail = spv.get(f"/entries/{entry_id}")
            assert revs <= {r["rev"] for r in detail["revisions"]}, entry_id
            assert device.store.get_entry(entry_id)["rev"] == detail["rev"]
            for ref in detail["attachments"]:
                head = requests.head(
                    f"{server.url}/api/v1/attachments/{ref['sha256']}",
                    headers=spv.headers,
                    timeout=10,
                )
                assert head.status_code == 200
    assert len(by_entry) == len(b_old) + len(b_new)
    assert len({e for e, _ in a.sent}) == len(a_old) + len(a_new)
    # reviews made after the restore reached the tablets
    assert a.store.get_entry(a_old[1])["status"] == entries.NEEDS_CORRECTION
    assert b.store.get_entry(b_old[1])["review_status"] == "approved"
    assert a.store.get_entry(a_new[1])["review_status"] == "approved"
    assert a.store.get_entry(a_old[0])["review_status"] == "approved"  # from the backup
    # nothing left to send again; the server's check finds nothing wrong
    again = a.sync()
    assert again.resent == 0
    result = CliRunner().invoke(
        cli, ["--instance", str(instance), "check"], env={"SURVEY_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output


def test_daily_check_sends_again_what_the_server_lost_without_a_restore(
    server: LiveServer, tmp_path: Path
) -> None:
    """A photo file lost on the server (deleted with its row, as ``check`` advises) comes back
    at the tablet's next sync (it asks which photos of its sent entries the server lacks); the
    daily check still runs once a day, not at every sync."""
    from sqlalchemy import delete

    from sync_server.db import write_tx
    from sync_server.schema import attachments

    a = Device(tmp_path / "a", server.url, "petugas")
    a.sync()
    a.new_entries(2, 0, photo=True)
    a.sync()
    clock = [a.client.clock()]
    a.client.clock = lambda: clock[0]
    spv = Staff(server.url, "spv")
    sha = a.store.get_entry(next(iter(a.sent))[0])["answers"]["foto"]["sha256"]
    root = Path(server.app.config["ATTACHMENTS_DIR"])
    (root / sha[:2] / sha).unlink()
    with write_tx(engine_of(server.app)) as conn:
        conn.execute(delete(attachments).where(attachments.c.sha256 == sha))

    def held() -> int:
        return requests.head(
            f"{server.url}/api/v1/attachments/{sha}", headers=spv.headers, timeout=10
        ).status_code

    clock[0] += 3600
    assert a.sync().reconciled is None  # checked less than a day ago ...
    assert held() == 200  # ... but the lost photo went up again with the sync
    clock[0] += 24 * 3600
    outcome = a.sync()
    assert outcome.reconciled == "daily" and held() == 200
    assert (root / sha[:2] / sha).is_file()


def test_a_tablet_with_an_old_cursor_reconciles_once(server: LiveServer, tmp_path: Path) -> None:
    """A cursor of the first format (before server epochs) is read as "epoch unknown"."""
    a = Device(tmp_path / "a", server.url, "petugas")
    a.sync()
    a.new_entries(2, 0)
    a.sync()
    a.store.apply_pull([], "c3")  # what a tablet of the previous version holds
    outcome = a.sync()
    assert outcome.reconciled == "unknown_epoch" and outcome.resent == 0
    assert parse(a.store.pull_cursor()).server_id is not None
    assert a.sync().reconciled is None
