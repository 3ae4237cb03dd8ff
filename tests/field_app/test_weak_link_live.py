"""Sync over a weak link, short form of bench/bench_weak_link.py: the real tablet sync client,
the real server on loopback, and between them the loopback proxy throttling the upstream or
cutting every connection after so many bytes.

* Throttled: entries without photos reach the server before any photo byte is sent, and every
  entry and photo arrives in one sync.
* Cut: a photo larger than what one connection carries still arrives, because the upload
  resumes from the offset the server reports instead of starting from byte 0 (a whole-file
  upload could never pass); the bytes sent stay close to the photos' size.
* One missing and one damaged photo hold back only their own entries, named photo by photo.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from field_app import entries
from sync_server.db import read_tx
from sync_server.schema import attachments
from sync_server.schema import entries as server_entries
from tests.field_app.live import PASSWORD, tablet
from tests.support.server import LiveServer, engine_of
from tests.support.tcp_proxy import FaultyProxy
from tests.support.weak_link import make_entries, realistic_photo, sync_until_done


def _server_counts(server: LiveServer) -> tuple[int, int]:
    with read_tx(engine_of(server.app)) as conn:
        return (conn.execute(select(func.count()).select_from(server_entries)).scalar_one(),
                conn.execute(select(func.count()).select_from(attachments)).scalar_one())


def _signed_in(server: LiveServer, folder: Path, url: str, **options):
    store, client = tablet(folder, server.url, **options)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok  # the forms, on a good link
    client._server_url = url  # from now on through the proxy
    return store, client


def test_throttled_link_sends_entries_without_photos_first(
    server: LiveServer, tmp_path: Path
) -> None:
    photos = [[realistic_photo(10 * n + i, (800, 600), 400) for i in range(2)] for n in range(3)]
    with FaultyProxy(("127.0.0.1", server.port)) as proxy:
        store, client = _signed_in(server, tmp_path / "tab", proxy.url)
        plain, with_photos = make_entries(store, client, tmp_path, 7, photos)
        proxy.set_faults(throttle=200_000)
        run = sync_until_done(store, client, plain, max_attempts=1)
    assert run.outcomes[-1].ok, run.outcomes[-1].detail
    assert _server_counts(server) == (10, 6)
    first_photo = next(i for i, p in enumerate(run.progress) if p.file_sent > 0)
    pushed = [p.done for p in run.progress[:first_photo] if p.phase == "push"]
    assert pushed and max(pushed) >= 7  # the seven were acknowledged before any photo byte
    assert run.plain_seconds is not None and run.plain_seconds < run.seconds
    summary = run.outcomes[-1].summary
    assert sorted(item["entry_id"] for item in summary["sent"]) == sorted(plain + with_photos)
    # progress names the entry whose photos are on their way, in bytes and percent
    uploads = [p for p in run.progress if p.phase == "attachments" and p.file_size]
    assert {p.entry_id for p in uploads} == set(with_photos)
    assert uploads[-1].percent == 100.0 and uploads[-1].photo_sent == uploads[-1].photo_total
    assert all(p.entry_label for p in uploads)
    assert "%" in uploads[-1].message["id"] and "%" in uploads[-1].message["en"]


def test_cut_connections_resume_photo_uploads_from_the_server_offset(
    server: LiveServer, tmp_path: Path
) -> None:
    photos = [[realistic_photo(10 * n + i, (2000, 1500), 1000) for i in range(2)]
              for n in range(3)]
    payload = sum(len(p) for pair in photos for p in pair)
    cut = 120_000
    assert all(len(p) > cut for pair in photos for p in pair) or payload > 3 * cut
    with FaultyProxy(("127.0.0.1", server.port)) as proxy:
        # no retries inside a sync: every cut ends the sync attempt, as a harsh link would
        store, client = _signed_in(server, tmp_path / "tab", proxy.url,
                                   api_options={"max_retries": 0})
        plain, with_photos = make_entries(store, client, tmp_path, 7, photos)
        proxy.set_faults(cut_after=cut, direction="request")
        run = sync_until_done(store, client, plain, max_attempts=payload // cut + 6)
        sent_upstream = proxy.stats.bytes_request
        cuts = proxy.stats.cut
    assert run.outcomes[-1].ok, [o.detail for o in run.outcomes]
    assert cuts >= 2 and run.attempts >= 2
    assert _server_counts(server) == (10, 6)
    assert all(store.get_entry(e)["status"] == entries.SENT for e in plain + with_photos)
    # resumed, not restarted: about the photos once, plus the pieces lost to the cuts
    assert sent_upstream < payload + cuts * 70_000 + 200_000, (sent_upstream, payload, cuts)
    failed = [o for o in run.outcomes if not o.ok]
    assert all(o.reason == "no_connection" for o in failed)


def test_a_missing_or_damaged_photo_holds_back_only_its_own_entry(
    server: LiveServer, tmp_path: Path
) -> None:
    photos = [[realistic_photo(100 * n + i, (400, 300), 300) for i in range(2)]
              for n in range(3)]
    store, client = _signed_in(server, tmp_path / "tab", server.url)
    plain, (lost, damaged, fine) = make_entries(store, client, tmp_path, 2, photos)

    def refs(entry_id: str) -> list[dict]:
        return entries.attachments_of(store.get_entry(entry_id)["answers"])

    for ref in refs(lost):  # both photos of this entry are gone
        (client.attachments_folder / ref["sha256"]).unlink()
    broken = refs(damaged)[1]
    path = client.attachments_folder / broken["sha256"]
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    outcome = client.sync()
    assert not outcome.ok and outcome.reason == "attachment_missing"
    held = {item["entry_id"]: item for item in outcome.held_back}
    assert set(held) == {lost, damaged}
    assert [(p["sha256"], p["problem"]) for p in held[lost]["photos"]] == [
        (r["sha256"], "missing") for r in refs(lost)]
    assert [(p["sha256"], p["problem"]) for p in held[damaged]["photos"]] == [
        (broken["sha256"], "damaged")]
    assert {e for e in [*plain, fine] if store.get_entry(e)["status"] == entries.SENT} == {
        *plain, fine}
    assert store.get_entry(lost)["status"] == entries.FINALIZED
    assert _server_counts(server) == (3, 2)
    assert "2" in outcome.message["id"] and "2" in outcome.message["en"]
    # the message names every affected photo with its own problem, not only the first
    named = {p["filename"]: p["problem"] for item in outcome.held_back for p in item["photos"]}
    assert len(named) == 3
    for filename, problem in named.items():
        word = {"missing": ("missing", "hilang"), "damaged": ("damaged", "rusak")}[problem]
        assert f"photo {filename} {word[0]}" in outcome.message["en"], outcome.message
        assert f"foto {filename} {word[1]}" in outcome.message["id"], outcome.message
    assert {i["entry_id"] for i in outcome.summary["held_back"]} == {lost, damaged}


def test_a_server_without_resumable_uploads_gets_the_whole_file(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older server (no /attachments/<sha>/upload: 404) still gets every photo, by PUT."""
    from flask import jsonify

    from field_app.http_api import ApiClient

    def older_server(sha256: str):
        return jsonify({"error": "not_found", "message": "Not found", "message_id": "-"}), 404

    monkeypatch.setitem(server.app.view_functions, "api.attachment_upload_status", older_server)
    put = ApiClient.put_attachment
    calls: list[str] = []

    def counted(self: ApiClient, sha256: str, data: bytes, media_type: str) -> None:
        calls.append(sha256)
        put(self, sha256, data, media_type)

    monkeypatch.setattr(ApiClient, "put_attachment", counted)
    photos = [[realistic_photo(300 + i, (400, 300), 300) for i in range(2)]]
    store, client = _signed_in(server, tmp_path / "tab", server.url)
    _, (entry_id,) = make_entries(store, client, tmp_path, 0, photos)
    assert client.sync().ok
    assert sorted(calls) == sorted(a["sha256"] for a in entries.attachments_of(
        store.get_entry(entry_id)["answers"]))
    assert _server_counts(server) == (1, 2)
