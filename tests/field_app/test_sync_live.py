"""The sync client against a real sync server on loopback (no mocks).

First sync, a sync resumed after the connection drops mid-batch (a fault-injecting TCP proxy),
duplicated deliveries, rejected entries with their field errors, a needs-correction round trip,
a conflict round trip, a revoked token, sign-out.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import time
from pathlib import Path

import requests

from field_app import entries
from field_app.attachments import import_photo
from field_app.http_api import ApiClient, SyncError
from tests.field_app.helpers import KUNJUNGAN, kunjungan_form, valid_answers
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.support.server import LiveServer, publish_form
from tests.support.tcp_proxy import FaultyProxy

OBS = ("observasi_kabkota_antikorupsi", "2024110101")
KUN = ("kunjungan_uji", "2024110101")


def signed_in(folder: Path, url: str, **options):
    store, client = tablet(folder, url, **options)
    client.sign_in("petugas", PASSWORD)
    return store, client


def finalized_entries(store, form, count: int, start: int = 0) -> list[str]:
    ids = []
    for n in range(start, start + count):
        entry_id = store.create_draft(form.form_id, form.version, "16.71", valid_answers(n))
        assert store.finalize_entry(entry_id, form) == []
        ids.append(entry_id)
    return ids


def test_first_sync_sends_finalized_entries_and_photos_never_drafts(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    user = client.sign_in("petugas", PASSWORD)
    assert user["username"] == "petugas" and store.credentials()["token"]
    first = client.sync()
    assert first.ok, first
    assert {OBS, KUN} <= {(f["form_id"], f["version"]) for f in store.list_forms()}
    form = client.form(*OBS)  # rebuilt from the downloaded definition
    photo = tmp_path / "loket_perizinan.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(30_000))  # a JPEG signature
    answers = observation_answers()
    answers["foto_i08"] = import_photo(tmp_path / "tab" / "attachments", photo)
    ids = []
    for _ in range(3):
        entry_id = store.create_draft(form.form_id, form.version, "16.71", answers)
        assert store.finalize_entry(entry_id, form) == []
        ids.append(entry_id)
    draft_id = store.create_draft(form.form_id, form.version, "16.71", answers)

    progress = []
    outcome = client.sync(progress.append)
    assert outcome.ok, outcome
    assert outcome.sent == 3
    assert "terkirim" in outcome.message["id"] and "sent" in outcome.message["en"]
    assert [store.get_entry(i)["status"] for i in ids] == [entries.SENT] * 3
    assert store.get_entry(draft_id)["status"] == entries.DRAFT
    assert not store.has_unsent()
    assert store.pull_cursor() != ""

    spv = Staff(server.url, "spv")
    for entry_id in ids:
        detail = spv.get(f"/entries/{entry_id}")
        assert detail["rev"] == store.get_entry(entry_id)["rev"]
        assert detail["answers"]["foto_i08"]["sha256"] == answers["foto_i08"]["sha256"]
    missing = requests.get(f"{server.url}/api/v1/entries/{draft_id}", headers=spv.headers,
                           timeout=10)
    assert missing.status_code == 404  # drafts are never sent
    sha = answers["foto_i08"]["sha256"]
    head = requests.head(f"{server.url}/api/v1/attachments/{sha}", headers=spv.headers,
                         timeout=10)
    assert head.status_code == 200
    phases = {p.phase for p in progress}
    assert {"attachments", "push", "pull"} <= phases
    last_push = [p for p in progress if p.phase == "push"][-1]
    assert (last_push.done, last_push.total) == (3, 3)
    assert progress[-1].bytes_sent > 30_000  # the photo went up once

    again = client.sync()
    assert again.ok and again.sent == 0


def test_wrong_password_is_reported_in_both_languages(server: LiveServer, tmp_path: Path) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    try:
        client.sign_in("petugas", "salah-sekali")
    except SyncError as exc:
        assert exc.reason == "wrong_password"
        assert exc.message["id"] == "Nama pengguna atau kata sandi salah."
        assert exc.message["en"] == "Wrong username or password."
    else:
        raise AssertionError("sign-in with a wrong password succeeded")
    assert store.credentials() is None
    assert client.sync().reason == "not_signed_in"


def test_too_many_wrong_passwords_says_wait_at_once(server: LiveServer, tmp_path: Path) -> None:
    _, client = tablet(tmp_path / "tab", server.url)
    reasons = []
    started = time.monotonic()
    for _ in range(11):
        try:
            client.sign_in("petugas", "tebak-tebakan")
        except SyncError as exc:
            reasons.append(exc.reason)
    assert reasons == ["wrong_password"] * 10 + ["rate_limited"]
    assert time.monotonic() - started < 10  # the officer is told at once, not kept waiting
    assert "Terlalu banyak percobaan" in SyncError("rate_limited").message["id"]


def test_sync_resumes_after_the_connection_drops_mid_batch(
    server: LiveServer, tmp_path: Path
) -> None:
    with FaultyProxy(("127.0.0.1", server.port), seed=3) as proxy:
        store, client = signed_in(tmp_path / "tab", proxy.url, batch_size=10,
                                  api_options={"max_retries": 0})
        assert client.sync().ok
        form = client.form(*KUN)
        ids = finalized_entries(store, form, 25)
        # the server receives the first batch and stores it; its answer is cut off
        proxy.set_faults(cut_after=40, direction="response")
        outcome = client.sync()
        assert not outcome.ok and outcome.reason == "no_connection"
        assert "koneksi" in outcome.message["id"] and "connection" in outcome.message["en"]
        assert proxy.stats.cut >= 1
        assert store.counts()["finalized"] == 25  # nothing is sent without an acknowledgement
        spv = Staff(server.url, "spv")
        pushed = [i for i in ids[:10]
                  if requests.get(f"{server.url}/api/v1/entries/{i}", headers=spv.headers,
                                  timeout=10).status_code == 200]
        assert pushed == ids[:10]  # the first batch reached the server
        # the request itself cut halfway: the server gets nothing usable
        proxy.set_faults(cut_after=300, direction="request")
        assert client.sync().reason == "no_connection"
        proxy.clear()
        outcome = client.sync()
        assert outcome.ok, outcome
        assert outcome.sent == 25
    for entry_id in ids:
        detail = spv.get(f"/entries/{entry_id}")
        assert len(detail["revisions"]) == 1  # the resent batch was recognised, not stored twice
        assert detail["rev"] == store.get_entry(entry_id)["rev"]


def test_flaky_network_with_retries_eventually_sends_everything_once(
    server: LiveServer, tmp_path: Path
) -> None:
    with FaultyProxy(("127.0.0.1", server.port), seed=11) as proxy:
        store, client = signed_in(tmp_path / "tab", proxy.url, batch_size=7)
        assert client.sync().ok
        ids = finalized_entries(store, client.form(*KUN), 30)
        proxy.set_faults(cut_probability=0.5, cut_range=2000)
        outcomes = []
        for _ in range(8):
            outcomes.append(client.sync())
            if outcomes[-1].ok:
                break
        assert outcomes[-1].ok, outcomes
        assert proxy.stats.cut > 0
    assert sum(o.sent for o in outcomes) == 30
    spv = Staff(server.url, "spv")
    for entry_id in ids:
        assert len(spv.get(f"/entries/{entry_id}")["revisions"]) == 1


def test_duplicated_delivery_after_restoring_a_backup(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    ids = finalized_entries(store, client.form(*KUN), 5)
    payloads = store.pending_revisions()
    store.close()
    shutil.copytree(tmp_path / "tab", tmp_path / "backup")
    store, client = tablet(tmp_path / "tab", server.url)
    assert client.sync().sent == 5
    # the same revisions delivered again, straight to the API: all recognised
    api = ApiClient(server.url, store.credentials()["token"])
    assert {r["status"] for r in api.push(payloads)} == {"duplicate"}
    assert store.apply_push_results(api.push(payloads)) == []  # nothing changes locally
    # the tablet restored from yesterday's backup sends them once more
    restored, restored_client = tablet(tmp_path / "backup", server.url)
    outcome = restored_client.sync()
    assert outcome.ok and outcome.sent == 5
    assert [restored.get_entry(i)["status"] for i in ids] == [entries.SENT] * 5
    spv = Staff(server.url, "spv")
    for entry_id in ids:
        assert len(spv.get(f"/entries/{entry_id}")["revisions"]) == 1


def test_rejected_entry_returns_to_draft_with_field_labels(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    # a tablet whose copy of the form lacks the server's constraint on the score
    lax = kunjungan_form(KUNJUNGAN.replace(". >= 0 and . <= 100", "               "))
    good = finalized_entries(store, lax, 1)[0]
    bad = store.create_draft(lax.form_id, lax.version, "16.71", {**valid_answers(1), "skor": 500})
    assert store.finalize_entry(bad, lax) == []
    outcome = client.sync()
    assert not outcome.ok and outcome.reason == "entry_rejected"
    assert outcome.sent == 1 and store.get_entry(good)["status"] == entries.SENT
    assert "ditolak" in outcome.message["id"] and "rejected" in outcome.message["en"]
    [rejected] = outcome.rejected
    assert rejected["entry_id"] == bad and rejected["error"] == "invalid"
    [issue] = rejected["issues"]
    assert issue["path"] == "skor"
    assert issue["field"] == {"id": "Skor MCP", "en": "MCP score"}
    assert issue["text"]["id"].startswith("Skor MCP: ")
    record = store.get_entry(bad)
    assert record["status"] == entries.DRAFT and record["rejection"]["error"] == "invalid"
    assert not store.has_unsent()  # never resent unchanged
    store.save_answers(bad, {**valid_answers(1), "skor": 50})
    assert store.finalize_entry(bad, lax) == []
    assert client.sync().ok


def test_needs_correction_round_trip(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    form = client.form(*KUN)
    [entry_id] = finalized_entries(store, form, 1)
    assert client.sync().ok
    first_rev = store.get_entry(entry_id)["rev"]
    spv = Staff(server.url, "spv")
    spv.post(f"/entries/{entry_id}/review",
             {"status": "needs_correction", "comment": "Skor MCP belum sesuai dokumen"})
    outcome = client.sync()
    assert outcome.ok and outcome.received >= 1
    record = store.get_entry(entry_id)
    assert record["status"] == entries.NEEDS_CORRECTION
    assert record["review_comment"] == "Skor MCP belum sesuai dokumen"
    store.start_correction(entry_id)
    store.save_answers(entry_id, {**record["answers"], "skor": 81})
    assert store.finalize_entry(entry_id, form) == []
    assert client.sync().ok
    record = store.get_entry(entry_id)
    assert record["status"] == entries.SENT and record["parent_rev"] == first_rev
    detail = spv.get(f"/entries/{entry_id}")
    assert detail["rev"] == record["rev"] and detail["parent_rev"] == first_rev
    assert detail["answers"]["skor"] == 81


def test_conflict_round_trip(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    form = client.form(*KUN)
    [entry_id] = finalized_entries(store, form, 1)
    assert client.sync().ok
    first_rev = store.get_entry(entry_id)["rev"]
    spv = Staff(server.url, "spv")
    spv.post(f"/entries/{entry_id}/review", {"status": "needs_correction", "comment": "cek"})
    assert client.sync().ok
    store.start_correction(entry_id)
    base = store.get_entry(entry_id)["answers"]
    store.save_answers(entry_id, {**base, "catatan": "versi petugas"})
    # meanwhile the supervisor edits the same answer on the server
    spv.post(f"/entries/{entry_id}/revisions",
             {"parent_rev": first_rev, "answers": {**base, "catatan": "versi supervisor"},
              "comment": "diperbaiki"})
    assert store.finalize_entry(entry_id, form) == []
    outcome = client.sync()
    assert outcome.ok, outcome
    record = store.get_entry(entry_id)
    assert record["status"] == entries.CONFLICT
    [conflict] = record["conflicts"]
    assert conflict["path"] == "catatan"
    assert {conflict["ours"], conflict["theirs"]} == {"versi petugas", "versi supervisor"}
    assert not store.has_unsent()
    seen = spv.get(f"/entries/{entry_id}")["rev"]
    spv.post(f"/entries/{entry_id}/resolve",
             {"answers": {**base, "catatan": "versi bersama"}, "comment": "disepakati",
              "parent_rev": seen})
    assert client.sync().ok
    record = store.get_entry(entry_id)
    assert record["status"] == entries.SENT
    assert record["answers"]["catatan"] == "versi bersama"
    assert record["conflicts"] == []


def test_revoked_token_asks_to_sign_in_again_and_keeps_entries(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    ids = finalized_entries(store, client.form(*KUN), 2)
    Staff(server.url, "admin").post("/users/petugas/revoke-tokens", {})
    outcome = client.sync()
    assert not outcome.ok and outcome.reason == "token_revoked"
    assert "masuk kembali" in outcome.message["id"] and "sign in" in outcome.message["en"]
    assert store.credentials() is None
    assert [store.get_entry(i)["status"] for i in ids] == [entries.FINALIZED] * 2
    client.sign_in("petugas", PASSWORD)
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 2


def test_sign_out_forgets_the_token_never_the_unsent_entries(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    token = store.credentials()["token"]
    ids = finalized_entries(store, client.form(*KUN), 2)
    client.sign_out()
    assert store.credentials() is None
    assert store.counts()["finalized"] == 2
    stale = requests.get(f"{server.url}/api/v1/sync/pull",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert stale.status_code == 401  # the token was revoked on the server too
    assert client.sync().reason == "not_signed_in"
    client.sign_in("petugas", PASSWORD)
    assert client.sync().sent == 2
    assert all(store.get_entry(i)["status"] == entries.SENT for i in ids)


def test_merged_head_is_applied_after_a_concurrent_edit(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    form = client.form(*KUN)
    [entry_id] = finalized_entries(store, form, 1)
    assert client.sync().ok
    first_rev = store.get_entry(entry_id)["rev"]
    spv = Staff(server.url, "spv")
    spv.post(f"/entries/{entry_id}/review", {"status": "needs_correction", "comment": "catatan?"})
    assert client.sync().ok
    store.start_correction(entry_id)
    base = store.get_entry(entry_id)["answers"]
    store.save_answers(entry_id, {**base, "catatan": "ditambah petugas"})
    spv.post(f"/entries/{entry_id}/revisions",
             {"parent_rev": first_rev, "answers": {**base, "opd": "Dinas (dikoreksi)"}})
    assert store.finalize_entry(entry_id, form) == []
    outcome = client.sync()
    assert outcome.ok, outcome
    record = store.get_entry(entry_id)
    assert record["status"] == entries.SENT
    # the server's three-way merge keeps both edits; the pull brings the merged head
    assert record["answers"]["catatan"] == "ditambah petugas"
    assert record["answers"]["opd"] == "Dinas (dikoreksi)"
    assert record["sent_rev"] == spv.get(f"/entries/{entry_id}")["rev"]


def test_pull_cut_off_keeps_the_cursor_and_resumes(server: LiveServer, tmp_path: Path) -> None:
    with FaultyProxy(("127.0.0.1", server.port), seed=9) as proxy:
        store, client = signed_in(tmp_path / "tab", proxy.url, pull_limit=2,
                                  api_options={"max_retries": 0})
        assert client.sync().ok
        ids = finalized_entries(store, client.form(*KUN), 5)
        assert client.sync().ok
        cursor = store.pull_cursor()
        spv = Staff(server.url, "spv")
        for entry_id in ids:
            spv.post(f"/entries/{entry_id}/review",
                     {"status": "needs_correction", "comment": f"cek {entry_id[:4]}"})
        proxy.set_faults(cut_after=200, direction="response")
        outcome = client.sync()
        assert outcome.reason == "no_connection"
        assert store.pull_cursor() == cursor  # no page stored, so no cursor moved
        assert store.counts()["needs_correction"] == 0
        proxy.clear()
        outcome = client.sync()
        assert outcome.ok and outcome.received == 5
        assert store.counts()["needs_correction"] == 5
        assert store.pull_cursor() != cursor
        assert client.sync().received == 0  # the same cursor never gives the changes twice


def test_entry_soft_deleted_on_the_server_is_flagged_never_deleted(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    [entry_id] = finalized_entries(store, client.form(*KUN), 1)
    assert client.sync().ok
    admin = Staff(server.url, "admin")
    response = requests.delete(f"{server.url}/api/v1/entries/{entry_id}", headers=admin.headers,
                               timeout=10)
    assert response.status_code == 200
    assert client.sync().ok
    assert store.has_entry(entry_id)  # the sync never deletes
    [summary] = store.list_entries()
    assert summary["server_deleted"] is True


def test_entry_whose_photo_file_is_gone_waits_and_the_rest_is_sent(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    form = client.form(*KUN)
    photo = tmp_path / "bukti.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))  # a JPEG signature
    answer = import_photo(tmp_path / "tab" / "attachments", photo)
    with_photo = store.create_draft(form.form_id, form.version, "16.71",
                                    {**valid_answers(1), "foto": answer})
    assert store.finalize_entry(with_photo, form) == []
    [plain] = finalized_entries(store, form, 1, start=2)
    (tmp_path / "tab" / "attachments" / answer["sha256"]).unlink()  # lost from the device
    outcome = client.sync()
    assert not outcome.ok and outcome.reason == "attachment_missing"
    assert "bukti.jpg" in outcome.message["id"] and "bukti.jpg" in outcome.message["en"]
    assert store.get_entry(plain)["status"] == entries.SENT
    assert store.get_entry(with_photo)["status"] == entries.FINALIZED
    import_photo(tmp_path / "tab" / "attachments", photo)  # the photo is found again
    assert client.sync().ok
    assert store.get_entry(with_photo)["status"] == entries.SENT


def test_new_form_version_arrives_with_the_next_sync(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    assert KUN in {(f["form_id"], f["version"]) for f in store.list_forms()}
    newer = tmp_path / "kunjungan_uji_v2.md"
    newer.write_text(textwrap.dedent(KUNJUNGAN).replace("2024110101", "2024120101")
                     .replace("| Catatan | Notes |", "| Catatan akhir | Final notes |"),
                     encoding="utf-8")
    publish_form(server.app, newer)
    assert client.sync().ok
    assert ("kunjungan_uji", "2024120101") in {(f["form_id"], f["version"])
                                              for f in store.list_forms()}
    form = client.form("kunjungan_uji", "2024120101")
    assert form.question("catatan").label("en") == "Final notes"
