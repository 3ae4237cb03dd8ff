"""One tablet, two officers, and a server restored from a backup: the reconciliation that sends
again what the server lost sends only the signed-in officer's entries, under their own name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from tests.field_app.live import PASSWORD, Staff
from tests.field_app.test_restore_live import Device, _cli, restarted  # noqa: F401 (fixture)
from tests.support.server import LiveServer, create_user, engine_of


def test_a_restore_resends_each_officers_entries_only_under_their_own_name(
    server: LiveServer,
    tmp_path: Path,
    restarted: Callable[[Path, str], LiveServer],  # noqa: F811
) -> None:
    engine = engine_of(server.app)
    url = engine.url.render_as_string(hide_password=False)
    instance = Path(server.app.instance_path)
    create_user(server.app, "petugas2", PASSWORD, "officer", ["16.71"], "Petugas Dua")
    device = Device(tmp_path / "tab", server.url, "petugas")
    device.sync()
    _cli(instance, url, "backup", str(tmp_path / "backup"))
    lost = device.new_entries(2, 0)  # sent after the backup: the restore loses them
    device.sync()
    device.client.sign_out()

    server.stop()
    _cli(instance, url, "restore", str(tmp_path / "backup"), "--yes")
    server = restarted(instance, url)
    device.client._server_url = server.url
    admin = Staff(server.url, "admin")
    device.client.sign_in("petugas2", PASSWORD)  # the next officer on the same tablet

    outcome = device.client.sync()
    assert outcome.ok and outcome.reconciled, outcome
    assert outcome.resent == 0 and not outcome.resend_rejected
    for entry_id in lost:  # not sent under the second officer's name
        response = requests.get(
            f"{admin.url}/entries/{entry_id}", headers=admin.headers, timeout=10
        )
        assert response.status_code == 404

    device.client.sign_out()
    device.client.sign_in("petugas", PASSWORD)
    outcome = device.client.sync()
    assert outcome.ok and outcome.resent == len(lost), outcome
    for entry_id in lost:
        assert admin.get(f"/entries/{entry_id}")["officer"] == "petugas"
