"""The tablet in real use, against a real sync server on loopback (SQLite and PostgreSQL).

Entries made the way the app makes them (the controller and the autosaving editor): their
metadata, who owns them when officers share a tablet, an officer moved to another region.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import requests

from field_app import entries
from field_app.ui.controller import AppController
from tests.field_app.live import PASSWORD, Staff, observation_answers
from tests.support.server import LiveServer

OBS = ("observasi_kabkota_antikorupsi", "2024110101")
METADATA = ("start", "end", "today", "deviceid", "username")


def controller(folder: Path, url: str) -> AppController:
    """The app's model on a fresh data folder, signed in as nobody yet."""
    return AppController(folder, server_url=url, durable=False)


def fill_and_finalize(app: AppController, answers: dict) -> str:
    """Start an entry as the app does, autosave ``answers`` into it, reopen it and finalize."""
    editor = app.new_entry(*OBS)
    entry_id = editor.entry_id
    app.store.save_answers(entry_id, {**editor.answers(), **answers})
    reopened = app.open_entry(entry_id)
    assert reopened.finalize() == []
    return entry_id


def export_rows(url: str, staff: Staff, form_id: str) -> dict[str, dict[str, str]]:
    """The CSV export's rows by entry id."""
    response = requests.get(f"{url}/export/{form_id}.csv", headers=staff.headers, timeout=20)
    assert response.status_code == 200, response.text
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    return {row["KEY"].removeprefix("uuid:"): row for row in reader}


def test_an_entry_made_in_the_app_records_its_metadata_on_the_server_and_in_the_export(
    server: LiveServer, tmp_path: Path
) -> None:
    app = controller(tmp_path / "tab", server.url)
    app.sign_in(server.url, "petugas", PASSWORD)
    assert app.client.sync().ok
    answers = {k: v for k, v in observation_answers().items() if k not in METADATA}
    entry_id = fill_and_finalize(app, answers)
    record = app.store.get_entry(entry_id)
    assert record["status"] == entries.FINALIZED
    for name in METADATA:
        assert record["answers"].get(name), name
    assert record["answers"]["deviceid"] == app.store.device_id
    assert record["answers"]["username"] == "petugas"
    assert record["answers"]["today"] == record["answers"]["start"][:10]
    assert record["answers"]["end"] >= record["answers"]["start"]
    outcome = app.client.sync()
    assert outcome.ok and outcome.sent == 1, outcome

    spv = Staff(server.url, "spv")
    detail = spv.get(f"/entries/{entry_id}")
    for name in METADATA:
        assert detail["answers"][name] == record["answers"][name], name
    row = export_rows(server.url, spv, OBS[0])[entry_id]
    for name in METADATA:
        assert row[name] == record["answers"][name], name

    # a correction keeps the original start and records a new end
    spv.post(
        f"/entries/{entry_id}/review", {"status": "needs_correction", "comment": "Periksa lagi"}
    )
    assert app.client.sync().ok
    editor = app.open_entry(entry_id)
    assert app.store.get_entry(entry_id)["status"] == entries.DRAFT
    editor.set_answer("catatan_i01", "Sudah diperiksa")
    assert editor.finalize() == []
    again = app.store.get_entry(entry_id)["answers"]
    assert again["start"] == record["answers"]["start"]
    assert again["end"] >= record["answers"]["end"]
    assert app.client.sync().ok
    assert spv.get(f"/entries/{entry_id}")["answers"]["start"] == record["answers"]["start"]
    app.stop()
