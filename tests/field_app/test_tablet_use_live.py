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
from tests.field_app.helpers import valid_answers
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.support.server import LiveServer, create_user

OBS = ("observasi_kabkota_antikorupsi", "2024110101")
KUN = ("kunjungan_uji", "2024110101")
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


def test_officers_sharing_a_tablet_each_see_and_send_only_their_own_entries(
    server: LiveServer, tmp_path: Path
) -> None:
    create_user(server.app, "petugas2", PASSWORD, "officer", ["16.71"], "Petugas Dua")
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    form = client.form(*KUN)
    first = [store.create_draft(form.form_id, form.version, "16.71", valid_answers(n))
             for n in range(2)]
    for entry_id in first:
        assert store.finalize_entry(entry_id, form) == []
    draft = store.create_draft(form.form_id, form.version, "16.71", valid_answers(9))
    cursor_a = store.pull_cursor()
    client.sign_out()  # unsent work stays on the tablet

    client.sign_in("petugas2", PASSWORD)
    assert store.list_entries() == [] and not store.has_unsent()
    assert sum(store.counts().values()) == 0
    assert store.pull_cursor() == ""  # the second officer's own cursor
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 0 and not outcome.rejected, outcome
    mine = store.create_draft(form.form_id, form.version, "16.71", valid_answers(5))
    assert store.finalize_entry(mine, form) == []
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 1, outcome
    admin = Staff(server.url, "admin")
    assert admin.get(f"/entries/{mine}")["officer"] == "petugas2"
    for entry_id in first:
        response = requests.get(f"{admin.url}/entries/{entry_id}", headers=admin.headers,
                                timeout=10)
        assert response.status_code == 404  # never sent under the second officer's name
    assert [e["entry_id"] for e in store.list_entries()] == [mine]
    client.sign_out()

    client.sign_in("petugas", PASSWORD)
    assert store.pull_cursor() == cursor_a
    assert {e["entry_id"] for e in store.list_entries()} == {*first, draft}
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 2 and not outcome.rejected, outcome
    for entry_id in first:
        assert admin.get(f"/entries/{entry_id}")["officer"] == "petugas"
        assert store.get_entry(entry_id)["status"] == entries.SENT
    assert store.get_entry(mine)["owner"] == "petugas2"  # still on the tablet, still theirs


def test_an_entry_refused_as_someone_elses_says_what_to_do_and_cannot_be_deleted(
    server: LiveServer, tmp_path: Path
) -> None:
    create_user(server.app, "petugas2", PASSWORD, "officer", ["16.71"], "Petugas Dua")
    store_a, client_a = tablet(tmp_path / "a", server.url)
    client_a.sign_in("petugas", PASSWORD)
    assert client_a.sync().ok
    form = client_a.form(*KUN)
    entry_id = store_a.create_draft(form.form_id, form.version, "16.71", valid_answers(1))
    assert store_a.finalize_entry(entry_id, form) == []
    payload = store_a.pending_revisions()[0]
    assert client_a.sync().sent == 1
    # the same entry reaches another officer's tablet (e.g. a copied store): the server refuses it
    store_b, client_b = tablet(tmp_path / "b", server.url)
    client_b.sign_in("petugas2", PASSWORD)
    assert client_b.sync().ok
    copy = entries.new_draft(entry_id, form.form_id, form.version, "16.71",
                             {"officer": "petugas2"}, store_b.now(), payload["answers"])
    copy["answers"]["opd"] = "Dinas diubah"
    copy["owner"] = "petugas2"
    store_b._put_many([copy])
    assert store_b.finalize_entry(entry_id, form) == []
    outcome = client_b.sync()
    assert [r["error"] for r in outcome.rejected] == ["not_owner"]
    assert "milik petugas lain" in outcome.rejected[0]["message"]["id"]
    assert "belongs to another officer" in outcome.rejected[0]["message"]["en"]
    record = store_b.get_entry(entry_id)
    assert record["status"] == entries.DRAFT and not entries.can_delete(record)
    [summary] = store_b.list_entries()
    assert summary["deletable"] is False and summary["rejection_error"] == "not_owner"
    try:
        store_b.delete_draft(entry_id)
    except entries.LifecycleError:
        pass
    else:  # pragma: no cover - the bug this test hunts
        raise AssertionError("an entry refused as someone else's was deleted")
    assert store_b.has_entry(entry_id)


def set_regions(server: LiveServer, username: str, regions: list[str]) -> None:
    """An admin changes an officer's regions on the server (the accounts page does this)."""
    from sync_server.db import write_tx
    from sync_server.users import get_user, update_user
    from tests.support.server import engine_of

    with server.app.app_context(), write_tx(engine_of(server.app)) as conn:
        user = get_user(conn, username)
        update_user(conn, username, role=user.role, regions=regions, full_name=user.full_name,
                    active=True, actor="admin")


def audit_actions(server: LiveServer, entry_id: str) -> list[str]:
    """The audit log's actions on an entry."""
    from sqlalchemy import select

    from sync_server.schema import audit_log
    from tests.support.server import engine_of

    with engine_of(server.app).connect() as conn:
        return list(conn.execute(select(audit_log.c.action).where(
            audit_log.c.target_id == entry_id)).scalars())


def test_an_officer_moved_to_another_region_gets_the_entry_moved_and_sent(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    observed = store.create_draft(OBS[0], OBS[1], "16.71", {
        k: v for k, v in observation_answers().items() if k not in METADATA})
    assert store.finalize_entry(observed, client.form(*OBS)) == []
    form = client.form(*KUN)
    entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(2))
    assert store.finalize_entry(entry_id, form) == []
    assert client.sync().sent == 2

    set_regions(server, "petugas", ["16.05"])
    store.start_correction(entry_id)
    corrected = {**store.get_entry(entry_id)["answers"], "opd": "Dinas dikoreksi"}
    store.save_answers(entry_id, corrected)
    assert store.finalize_entry(entry_id, form) == []
    outcome = client.sync()
    assert store.credentials()["user"]["regions"] == ["16.05"]  # refreshed at this sync
    assert [r["error"] for r in outcome.rejected] == ["region_forbidden"], outcome
    # on the server already: only an admin moves it (a supervisor cannot)
    assert "minta admin memindahkan entri ini" in outcome.rejected[0]["message"]["id"]
    assert "ask the admin to move this entry" in outcome.rejected[0]["message"]["en"]
    assert not entries.can_delete(store.get_entry(entry_id))

    admin = Staff(server.url, "admin")
    # the observation's district belongs to its old region: that move is refused in words
    refused = requests.post(f"{admin.url}/entries/{observed}/move", json={"region": "16.05"},
                            headers=admin.headers, timeout=10)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid"
    assert admin.get(f"/entries/{observed}")["answers"]["kabkota"] == "16.71"
    moved = admin.post(f"/entries/{entry_id}/move", {"region": "16.05"})
    assert moved["region"] == "16.05" and moved["officer"] == "petugas"
    assert "entry.move" in audit_actions(server, entry_id)

    outcome = client.sync()
    assert outcome.ok and outcome.sent == 1 and not outcome.rejected, outcome
    record = store.get_entry(entry_id)
    assert record["status"] == entries.SENT and record["region"] == "16.05"
    head = admin.get(f"/entries/{entry_id}")
    assert head["answers"]["opd"] == "Dinas dikoreksi" and head["region"] == "16.05"

    # a new entry of the old region, never sent: nothing to move, the region is given back
    unsent = store.create_draft(form.form_id, form.version, "16.71", valid_answers(5))
    assert store.finalize_entry(unsent, form) == []
    later = client.sync()
    [advice] = [r["message"] for r in later.rejected if r["entry_id"] == unsent]
    assert "Your region was changed before this entry was sent" in advice["en"]
    assert "give you region 16.71 back until it is sent" in advice["en"]
    assert "mengembalikan wilayah 16.71" in advice["id"]


def test_an_admin_moves_an_entry_to_another_officer_whose_tablet_receives_it(
    server: LiveServer, tmp_path: Path
) -> None:
    create_user(server.app, "petugas2", PASSWORD, "officer", ["16.71"], "Petugas Dua")
    store_a, client_a = tablet(tmp_path / "a", server.url)
    client_a.sign_in("petugas", PASSWORD)
    assert client_a.sync().ok
    form = client_a.form(*KUN)
    entry_id = store_a.create_draft(form.form_id, form.version, "16.71", valid_answers(3))
    assert store_a.finalize_entry(entry_id, form) == []
    assert client_a.sync().sent == 1

    admin = Staff(server.url, "admin")
    url = f"{admin.url}/entries/{entry_id}/move"
    spv = Staff(server.url, "spv")
    assert requests.post(url, json={"officer": "petugas2"}, headers=spv.headers,
                         timeout=10).status_code == 403
    refused = requests.post(url, json={"officer": "nobody"}, headers=admin.headers, timeout=10)
    assert refused.status_code == 422 and refused.json()["error"] == "unknown_officer"
    assert refused.json()["message_id"]
    refused = requests.post(url, json={"officer": "petugas2", "region": "16.05"},
                            headers=admin.headers, timeout=10)
    assert refused.status_code == 422 and refused.json()["error"] == "officer_region"
    assert admin.post(f"/entries/{entry_id}/move", {"officer": "petugas2"})["officer"] == \
        "petugas2"

    store_b, client_b = tablet(tmp_path / "b", server.url)
    client_b.sign_in("petugas2", PASSWORD)
    assert client_b.sync().ok
    assert store_b.get_entry(entry_id)["owner"] == "petugas2"
    assert [e["entry_id"] for e in store_b.list_entries()] == [entry_id]
    me = requests.get(f"{admin.url}/users/me", headers=admin.headers, timeout=10).json()
    assert me["username"] == "admin" and me["role"] == "admin"
