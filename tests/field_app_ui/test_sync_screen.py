"""The sync the officer can follow, in the real app offscreen (1280x800), over a throttled
loopback link to the real server: progress in bytes and percent with the entry being sent, a
Cancel button that stops the sync (what was sent stays recorded), and after the sync a summary
of what changed for the officer (sent, returned for correction with the supervisor's comment),
not a count of their own entries echoed back.

Screenshots: ``test-artifacts/screens/1280x800-home_sync_progress_id.png``,
``...-home_sync_summary_id.png`` and ``...-home_sync_cancelled.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from field_app import entries
from field_app.store import Store
from field_app.sync_client import SyncClient
from tests.field_app_ui.conftest import PASSWORD, SCREENS, run_scenario
from tests.support.server import LiveServer, create_user
from tests.support.tcp_proxy import FaultyProxy
from tests.support.weak_link import make_entries, realistic_photo

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(600)]

OFFICER = "petugas_sinkron"
COMMENT = "Foto papan informasi buram, mohon diperbaiki"


def _supervisor(url: str) -> dict[str, str]:
    response = requests.post(f"{url}/api/v1/sessions", json={
        "username": "spv", "password": PASSWORD, "device_id": "browser"}, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_sync_progress_cancel_and_summary(ui_server: LiveServer, tmp_path: Path) -> None:
    create_user(ui_server.app, OFFICER, PASSWORD, "officer", ["16.71"], "Sari Sinkron")
    device = tmp_path / "data"
    with FaultyProxy(("127.0.0.1", ui_server.port)) as proxy:
        run_scenario("first_run", device, server=proxy.url, username=OFFICER, wrong="0")
        # an entry sent earlier, which the supervisor then returns for correction
        store = Store(device / "store", durable=False)
        client = SyncClient(store, attachments_folder=device / "attachments")
        _, (returned,) = make_entries(store, client, tmp_path, 0, [[]])
        assert client.sync().ok
        review = requests.post(f"{ui_server.url}/api/v1/entries/{returned}/review",
                               json={"status": "needs_correction", "comment": COMMENT},
                               headers=_supervisor(ui_server.url), timeout=10)
        assert review.status_code == 200, review.text
        photos = [[realistic_photo(40 + 2 * n + i, (1600, 1200), 800) for i in range(2)]
                  for n in range(3)]
        plain, with_photos = make_entries(store, client, tmp_path, 4, photos)
        store.close()
        proxy.set_faults(throttle=40_000)  # about 15 s of photos

        cancelled = run_scenario("sync_cancel", device)
        assert cancelled["cancel_visible"] and cancelled["cancel_hidden_after"]
        assert "Membatalkan" in cancelled["cancelling"]
        assert cancelled["outcome"].startswith("Sinkronisasi dibatalkan")
        assert "%" in cancelled["detail"] and "kB" in cancelled["detail"]
        # the entries without photos went first and stay sent
        assert "Terkirim (4)" in cancelled["summary"], cancelled["summary"]

        done = run_scenario("sync_progress", device, lang="id")
    assert "Unit layanan" in done["detail"] and "%" in done["detail"], done["detail"]
    assert 5 <= done["progress_value"] <= 90
    assert done["sync_ok"], done["outcome"]
    assert "pembaruan diterima" not in done["outcome"]  # no echo counting
    assert done["outcome"] == "Sinkronisasi selesai: 3 entri terkirim, 1 entri Anda berubah " \
        "di server."
    assert "Terkirim (3)" in done["summary"]
    assert "Dikembalikan untuk perbaikan (1)" in done["summary"]
    assert COMMENT in done["summary"]
    store = Store(device / "store", durable=False)
    assert all(store.get_entry(e)["status"] == entries.SENT for e in plain + with_photos)
    assert store.get_entry(returned)["status"] == entries.NEEDS_CORRECTION
    store.close()
    for name in ("home_sync_progress_id", "home_sync_summary_id", "home_sync_cancelled"):
        shot = SCREENS / f"1280x800-{name}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot
