"""Push and pull over real HTTP, as a tablet uses them (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from sync_server.audit import history
from sync_server.db import read_tx
from sync_server.schema import entries, revisions
from tests.support.server import engine_of

from .helpers import OBS_FORM, OBS_VERSION, Client, child, make_revision, observation_answers


def count(server, table) -> int:
    with read_tx(engine_of(server.app)) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_new_entry_is_stored_and_a_resend_is_a_duplicate(server):
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(observation_answers())
    first = tab.push(rev)[0]
    assert first["status"] == "stored" and first["head_rev"] == rev["rev"]
    again = tab.push(rev, rev)
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert count(server, entries) == 1 and count(server, revisions) == 1


def test_fast_forward_then_pull_gives_the_new_head(server):
    tab = Client(server.url, "petugas_plg")
    r1 = make_revision(observation_answers())
    answers = observation_answers()
    answers["catatan_i04"] = "Pakta integritas ditandatangani semua kepala OPD."
    r2 = child(r1, answers)
    assert [r["status"] for r in tab.push(r1, r2)] == ["stored", "stored"]
    changes, _ = tab.pull_all()
    entry_changes = [c for c in changes if c["kind"] == "entry"]
    assert entry_changes[-1]["rev"] == r2["rev"]
    assert entry_changes[-1]["answers"]["catatan_i04"].startswith("Pakta")
    assert entry_changes[-1]["review_status"] == "received"
    form_changes = [c for c in changes if c["kind"] == "form"]
    assert {c["form_id"] for c in form_changes} == {OBS_FORM, "survei_partisipasi_masyarakat"}
    assert all(c["title"] for c in form_changes)


def test_concurrent_edits_merge_field_by_field(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = make_revision(observation_answers())
    tab.push(base)
    # The supervisor corrects one field on the server...
    spv_answers = observation_answers()
    spv_answers["nama_unit"] = "MPP Kota Palembang (Gedung Baru)"
    resp = spv.post(
        f"/entries/{base['entry_id']}/revisions",
        json={"parent_rev": base["rev"], "answers": spv_answers},
    )
    assert resp.status_code == 201, resp.text
    # ...while the tablet, offline, edits another one on top of the old head.
    tab_answers = observation_answers()
    tab_answers["jumlah_petugas"] = 5
    result = tab.push(child(base, tab_answers))[0]
    assert result["status"] == "merged", result
    changes, _ = tab.pull_all()
    head = [c for c in changes if c["kind"] == "entry"][-1]
    assert head["rev"] == result["head_rev"]
    assert head["answers"]["nama_unit"] == "MPP Kota Palembang (Gedung Baru)"
    assert head["answers"]["jumlah_petugas"] == 5
    assert head["conflicts"] == []


def test_scores_follow_a_merge_of_different_indicators(server):
    """A supervisor and a tablet change different indicators of one component: both scores
    were recalculated on their side, yet the merge has no conflict on the scores and holds
    them computed from the merged indicators."""
    from survey_forms import load_pilot_form
    from survey_forms.recompute import recompute_calculations

    form = load_pilot_form("observasi")
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    start = recompute_calculations(form, observation_answers())
    assert start["skor_k2"] == "58.33"
    base = make_revision(start)
    tab.push(base)
    spv_answers = dict(start, hasil_i05="terpenuhi")  # the server recomputes the scores
    resp = spv.post(
        f"/entries/{base['entry_id']}/revisions",
        json={"parent_rev": base["rev"], "answers": spv_answers},
    )
    assert resp.status_code == 201, resp.text
    tab_answers = recompute_calculations(form, dict(start, hasil_i02="terpenuhi"))
    assert tab_answers["skor_k2"] == "66.67"  # the tablet's own score for its change
    result = tab.push(child(base, tab_answers))[0]
    assert result["status"] == "merged", result
    changes, _ = tab.pull_all()
    head = [c for c in changes if c["kind"] == "entry"][-1]
    assert head["conflicts"] == []
    merged = head["answers"]
    assert merged["hasil_i02"] == merged["hasil_i05"] == "terpenuhi"
    expected = recompute_calculations(form, merged)
    assert merged == expected and merged["skor_k2"] == "83.33"


def test_conflicting_edits_are_recorded_and_resolved_by_a_supervisor(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = make_revision(observation_answers())
    tab.push(base)
    a1 = observation_answers()
    a1["hasil_i05"] = "sebagian"
    a2 = observation_answers()
    a2["hasil_i05"] = "terpenuhi"
    a2["catatan_i05"] = "LHKPN sudah 100% setelah dicek ulang."
    r1 = child(base, a1)
    r2 = child(base, a2)
    assert tab.push(r1)[0]["status"] == "stored"
    result = tab.push(r2)[0]
    assert result["status"] == "conflict"
    paths = {c["path"]: c for c in result["conflicts"]}
    assert paths["hasil_i05"]["base"] == "tidak_terpenuhi"
    assert {paths["hasil_i05"]["ours"], paths["hasil_i05"]["theirs"]} == {"sebagian", "terpenuhi"}
    detail = spv.get(f"/entries/{base['entry_id']}").json()
    assert detail["review_status"] == "conflict" and detail["conflicts"]
    # Approving is refused until the conflict is resolved.
    refused = spv.post(f"/entries/{base['entry_id']}/review", json={"status": "approved"})
    assert refused.status_code == 409 and refused.json()["error"] == "unresolved_conflict"
    resolved_answers = copy.deepcopy(detail["answers"])
    resolved_answers["hasil_i05"] = "terpenuhi"
    resp = spv.post(
        f"/entries/{base['entry_id']}/resolve",
        json={
            "answers": resolved_answers,
            "comment": "Dicek dengan Inspektorat.",
            "parent_rev": detail["rev"],
        },
    )
    assert resp.status_code == 201, resp.text
    after = spv.get(f"/entries/{base['entry_id']}").json()
    assert after["review_status"] == "received" and after["conflicts"] == []
    assert after["answers"]["hasil_i05"] == "terpenuhi"
    assert after["revisions"][-1]["author"] == "spv_plg"
    changes, _ = tab.pull_all()
    last = [c for c in changes if c["kind"] == "entry"][-1]
    assert last["rev"] == after["rev"] and last["author"] == "spv_plg"
    actions = [row["action"] for row in history_of(server, base["entry_id"])]
    assert actions[:1] == ["entry.create"] and "entry.merge" in actions
    assert actions[-1] == "entry.resolve"


def history_of(server, entry_id):
    with read_tx(engine_of(server.app)) as conn:
        return history(conn, "entry", entry_id)


def test_needs_correction_round_trip(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    _changes, cursor = tab.pull_all()
    resp = spv.post(
        f"/entries/{rev['entry_id']}/review",
        json={"status": "needs_correction", "comment": "Foto bukti I14 kurang jelas."},
    )
    assert resp.status_code == 200, resp.text
    page = tab.pull(cursor)
    assert [c["review_status"] for c in page["changes"]] == ["needs_correction"]
    assert page["changes"][0]["review_comment"] == "Foto bukti I14 kurang jelas."
    fixed = observation_answers()
    fixed["catatan_i14"] = "Foto diulang; deklarasi benturan kepentingan belum ada."
    assert tab.push(child(rev, fixed))[0]["status"] == "stored"
    # The fix is back in the supervisor's queue, with the last comment kept.
    detail = spv.get(f"/entries/{rev['entry_id']}").json()
    assert detail["review_status"] == "received"
    assert detail["review_comment"] == "Foto bukti I14 kurang jelas."
    resp = spv.post(f"/entries/{rev['entry_id']}/review", json={"status": "approved"})
    assert resp.json()["review_status"] == "approved"
    page = tab.pull(page["next"])
    assert [c["review_status"] for c in page["changes"]][-1] == "approved"


def test_same_cursor_gives_the_same_answer(server):
    tab = Client(server.url, "petugas_plg")
    first = make_revision(observation_answers())
    tab.push(first)
    page1 = tab.pull("", limit=2)
    tab.push(make_revision(observation_answers()))
    spv = Client(server.url, "spv_plg")
    spv.post(f"/entries/{first['entry_id']}/review", json={"status": "rejected", "comment": "x"})
    assert tab.pull("", limit=2) == page1
    everything = tab.pull("")
    assert tab.pull("") == everything
    seqs = [c["seq"] for c in everything["changes"]]
    assert seqs == sorted(seqs)
    assert tab.pull(everything["next"])["changes"] == []


def test_pull_is_filtered_per_user(server):
    plg = Client(server.url, "petugas_plg")
    mura = Client(server.url, "petugas_mura")
    spv = Client(server.url, "spv_plg")
    admin = Client(server.url, "admin")
    r_plg = make_revision(observation_answers("16.71"))
    r_mura = make_revision(observation_answers("16.05"), region="16.05", officer="petugas_mura")
    assert plg.push(r_plg)[0]["status"] == "stored"
    assert mura.push(r_mura)[0]["status"] == "stored"

    def entry_ids(client):
        return {c["entry_id"] for c in client.pull_all()[0] if c["kind"] == "entry"}

    assert entry_ids(plg) == {r_plg["entry_id"]}
    assert entry_ids(mura) == {r_mura["entry_id"]}
    assert entry_ids(spv) == {r_plg["entry_id"]}
    assert entry_ids(admin) == {r_plg["entry_id"], r_mura["entry_id"]}
    assert mura.get(f"/entries/{r_plg['entry_id']}").status_code == 404
    assert spv.get(f"/entries/{r_mura['entry_id']}").status_code == 404


def test_each_rejection_has_a_reason_and_does_not_affect_the_batch(server):
    tab = Client(server.url, "petugas_plg")
    good = make_revision(observation_answers())
    invalid_answers = observation_answers()
    invalid_answers["jumlah_petugas"] = 999
    del invalid_answers["nama_unit"]
    invalid = make_revision(invalid_answers)
    unknown_form = make_revision({"a": "x"}, form_id="tidak_ada", form_version="1")
    foreign = make_revision(observation_answers("16.05"), region="16.05")
    tampered = make_revision(observation_answers())
    tampered["answers"]["nama_unit"] = "diubah setelah id dihitung"
    orphan = make_revision(observation_answers(), parent_rev="1-" + "a" * 32)
    not_an_object = "revisi"
    good2 = make_revision(observation_answers())
    results = tab.push(good, invalid, unknown_form, foreign, tampered, orphan, not_an_object, good2)
    assert [r["status"] for r in results] == ["stored"] + ["rejected"] * 6 + ["stored"]
    assert [r.get("error") for r in results[1:7]] == [
        "invalid",
        "unknown_form",
        "region_forbidden",
        "malformed",
        "unknown_parent",
        "malformed",
    ]
    issues = {i["path"]: i["code"] for i in results[1]["issues"]}
    assert issues == {"jumlah_petugas": "constraint", "nama_unit": "required"}
    for r in results[1:7]:
        assert r["message"] and r["message_id"]
    assert count(server, entries) == 2


def test_an_officer_cannot_push_to_another_officers_entry(server):
    plg = Client(server.url, "petugas_plg")
    rev = make_revision(observation_answers())
    plg.push(rev)
    server_user2 = Client(server.url, "admin")
    assert server_user2.get(f"/entries/{rev['entry_id']}").status_code == 200
    # A second officer of the same region:
    from tests.support.server import create_user

    from .helpers import PASSWORD

    create_user(server.app, "petugas_plg2", PASSWORD, "officer", ["16.71"])
    other = Client(server.url, "petugas_plg2")
    answers = observation_answers()
    answers["nama_unit"] = "diambil alih"
    result = other.push(child(rev, answers))[0]
    assert result["status"] == "rejected" and result["error"] == "not_owner"


def test_supervisor_edit_is_validated_and_needs_the_current_head(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    bad = observation_answers()
    bad["jumlah_petugas"] = -1
    resp = spv.post(
        f"/entries/{rev['entry_id']}/revisions", json={"parent_rev": rev["rev"], "answers": bad}
    )
    assert resp.status_code == 422 and resp.json()["error"] == "invalid"
    assert resp.json()["details"][0]["path"] == "jumlah_petugas"
    stale = spv.post(
        f"/entries/{rev['entry_id']}/revisions",
        json={"parent_rev": "1-" + "b" * 32, "answers": observation_answers()},
    )
    assert stale.status_code == 409 and stale.json()["error"] == "stale_parent"
    officer_try = tab.post(
        f"/entries/{rev['entry_id']}/revisions",
        json={"parent_rev": rev["rev"], "answers": observation_answers()},
    )
    assert officer_try.status_code == 403


def test_soft_delete_and_restore(server):
    tab = Client(server.url, "petugas_plg")
    admin = Client(server.url, "admin")
    spv = Client(server.url, "spv_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    assert spv.session.delete(f"{spv.base}/entries/{rev['entry_id']}").status_code == 403
    resp = admin.session.delete(f"{admin.base}/entries/{rev['entry_id']}")
    assert resp.status_code == 200 and resp.json()["deleted"] is True
    assert admin.get(f"/entries/{rev['entry_id']}").json()["deleted"] is True
    answers = observation_answers()
    answers["nama_unit"] = "setelah dihapus"
    assert tab.push(child(rev, answers))[0]["error"] == "entry_deleted"
    assert tab.push(rev)[0]["status"] == "duplicate"
    assert admin.post(f"/entries/{rev['entry_id']}/restore").json()["deleted"] is False
    assert count(server, revisions) == 1
    changes, _ = tab.pull_all()
    assert [c["deleted"] for c in changes if c["kind"] == "entry"] == [False, True, False]


def test_missing_attachments_are_reported_until_uploaded(server):
    import hashlib

    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    photo = b"\xff\xd8\xff fake jpeg bytes"
    sha = hashlib.sha256(photo).hexdigest()
    answers = observation_answers()
    answers["foto_i01"] = {"sha256": sha, "filename": "bukti.jpg", "media_type": "image/jpeg"}
    rev = make_revision(answers)
    result = tab.push(rev)[0]
    assert sha in result["missing_attachments"]
    listed = spv.get("/entries/missing-attachments").json()["entries"]
    assert any(e["entry_id"] == rev["entry_id"] and sha in e["missing"] for e in listed)
    put = tab.session.put(
        f"{tab.base}/attachments/{sha}", data=photo, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 201
    again = tab.push(rev)[0]
    assert sha not in again.get("missing_attachments", [])


def test_forms_list_and_detail_with_etags(server):
    tab = Client(server.url, "petugas_plg")
    listing = tab.get("/forms")
    assert listing.status_code == 200
    versions = {(f["form_id"], f["version"]) for f in listing.json()["forms"]}
    assert (OBS_FORM, OBS_VERSION) in versions
    etag = listing.headers["ETag"]
    assert tab.get("/forms", headers={"If-None-Match": etag}).status_code == 304
    detail = tab.get(f"/forms/{OBS_FORM}/{OBS_VERSION}")
    assert detail.status_code == 200
    assert detail.json()["form_id"] == OBS_FORM
    etag = detail.headers["ETag"]
    cached = tab.get(f"/forms/{OBS_FORM}/{OBS_VERSION}", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    missing = tab.get(f"/forms/{OBS_FORM}/1999")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_form"


def test_a_tablet_edit_on_a_conflicted_head_keeps_the_conflict_open(server):
    tab = Client(server.url, "petugas_plg")
    base = make_revision(observation_answers())
    tab.push(base)
    a1 = observation_answers()
    a1["jumlah_petugas"] = 6
    a2 = observation_answers()
    a2["jumlah_petugas"] = 7
    tab.push(child(base, a1))
    conflict = tab.push(child(base, a2))[0]
    assert conflict["status"] == "conflict"
    head = [c for c in tab.pull_all()[0] if c["kind"] == "entry"][-1]
    assert head["review_status"] == "conflict"
    edited = copy.deepcopy(head["answers"])
    edited["catatan_i01"] = "diubah di tablet setelah konflik"
    on_top = make_revision(edited, entry_id=base["entry_id"], parent_rev=head["rev"])
    result = tab.push(on_top)[0]
    assert result["status"] == "stored"
    detail = Client(server.url, "spv_plg").get(f"/entries/{base['entry_id']}").json()
    assert detail["rev"] == on_top["rev"]
    assert detail["review_status"] == "conflict"
    assert [c["path"] for c in detail["conflicts"]] == ["jumlah_petugas"]


def test_attachment_downloads_follow_the_entries_a_user_may_read(server):
    import hashlib

    tab = Client(server.url, "petugas_plg")
    other = Client(server.url, "petugas_mura")
    spv = Client(server.url, "spv_plg")
    data = b"\x89PNG\r\n\x1a\n fake"
    sha = hashlib.sha256(data).hexdigest()
    assert tab.session.put(f"{tab.base}/attachments/{sha}", data=data).status_code == 201
    assert spv.get(f"/attachments/{sha}").status_code == 404  # no entry uses it yet
    answers = observation_answers()
    answers["foto_i01"] = {"sha256": sha, "filename": "bukti.png", "media_type": "image/png"}
    assert tab.push(make_revision(answers))[0]["status"] == "stored"
    got = spv.get(f"/attachments/{sha}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert tab.get(f"/attachments/{sha}").status_code == 200  # the officer's own entry
    assert other.get(f"/attachments/{sha}").status_code == 404
    assert spv.get(f"/attachments/{'2' * 64}").status_code == 404
