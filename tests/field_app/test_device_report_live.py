"""The tablet reports what waits on it when it syncs; the server keeps the last contact and
the counts per account and device (the dashboard's "who has not synced")."""

from __future__ import annotations

from pathlib import Path

import requests
from sqlalchemy import select

from field_app import device_report
from sync_server.schema import device_contacts
from tests.field_app.live import PASSWORD, tablet
from tests.field_app.test_sync_live import KUN, finalized_entries
from tests.support.server import LiveServer, engine_of


def _contacts(server: LiveServer) -> list[dict]:
    with engine_of(server.app).connect() as conn:
        return [dict(r) for r in conn.execute(select(device_contacts)).mappings()]


def test_sync_reports_waiting_and_draft_counts(server: LiveServer, tmp_path: Path) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok  # the forms arrive; nothing waits yet
    first = _contacts(server)
    assert [(r["username"], r["device_id"], r["waiting"], r["drafts"]) for r in first] == [
        ("petugas", store.device_id, 0, 0)
    ]
    form = client.form(*KUN)
    finalized_entries(store, form, 2)
    store.create_draft(form.form_id, form.version, "16.71", {})
    assert device_report.counts(store) == {"waiting": 2, "drafts": 1}
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 2
    (row,) = _contacts(server)
    # counted when the sync started: two entries were waiting then
    assert (row["waiting"], row["drafts"]) == (2, 1)
    assert row["last_contact_at"] >= first[0]["last_contact_at"]
    assert client.sync().ok
    (row,) = _contacts(server)
    assert (row["waiting"], row["drafts"]) == (0, 1)


def test_malformed_report_is_refused_in_both_languages(server: LiveServer, tmp_path: Path) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    token = store.credentials()["token"]
    for bad in (
        "waiting=-1, drafts=0",
        "waiting=1",
        "waiting=1, drafts=2, extra=3",
        "waiting=1, waiting=2",
        "waiting=\u00b2, drafts=0",
        "drafts=1, waiting=2",
        "",
        "waiting=12345678, drafts=0",
    ):
        resp = requests.get(
            f"{server.url}/api/v1/forms",
            headers={"Authorization": f"Bearer {token}", "X-Device-Report": bad},
            timeout=10,
        )
        assert resp.status_code == 400, bad
        body = resp.json()
        assert body["error"] == "invalid_device_report"
        assert "X-Device-Report" in body["message_id"] and "tidak valid" in body["message_id"]
    assert all(r["waiting"] is None for r in _contacts(server))
