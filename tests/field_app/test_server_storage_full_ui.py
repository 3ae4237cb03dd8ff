"""The officer's home screen after a sync against a server whose disk is full (the real app
offscreen, 1280x800, the real server on loopback with its attachments folder on a filled tmpfs,
or with its upload write edge failing when tmpfs cannot be mounted).

The entry without photos is sent; the entry with a photo waits on the tablet; the screen says
in Indonesian that the server's storage is full and the admin must be told, and names the
waiting photo. Screenshot: ``test-artifacts/screens/1280x800-home_server_storage_full.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from field_app import entries
from field_app.store import Store
from field_app.sync_client import SyncClient
from survey_forms import pilot_form_path
from tests.field_app.test_server_storage_full_live import FullDisk
from tests.field_app_ui.conftest import PASSWORD, SCREENS, run_scenario
from tests.support.server import create_user, publish_form, start_live_server
from tests.support.weak_link import make_entries, realistic_photo

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(400)]


def test_home_screen_says_the_server_storage_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(tmp_path / "disk", "2m", monkeypatch)
    server = start_live_server(tmp_path / "server", ATTACHMENTS_DIR=str(disk.path / "files"))
    try:
        publish_form(server.app, pilot_form_path("observasi"))
        create_user(server.app, "petugas", PASSWORD, "officer", ["16.71"], "Rina Petugas")
        device = tmp_path / "data"
        run_scenario("first_run", device, server=server.url, username="petugas", wrong="0")
        store = Store(device / "store", durable=False)
        client = SyncClient(store, attachments_folder=device / "attachments")
        (plain,), (with_photo,) = make_entries(
            store, client, tmp_path, 1, [[realistic_photo(5, (800, 600), 400)]])
        store.close()
        disk.fill()

        done = run_scenario("sync", device)
        shot = SCREENS / "1280x800-home_after_sync.png"
        if shot.exists():
            shutil.copyfile(shot, SCREENS / "1280x800-home_server_storage_full.png")
        outcome = done["outcome"].lower()
        assert "penyimpanan server penuh" in outcome, done["outcome"]
        assert "admin" in outcome and "foto_" in outcome  # who to tell, and what waits
        assert "server sedang bermasalah" not in outcome  # not the generic server error
        store = Store(device / "store", durable=False)
        assert store.get_entry(plain)["status"] == entries.SENT
        assert store.get_entry(with_photo)["status"] == entries.FINALIZED
        store.close()
    finally:
        server.stop()
        disk.close()
