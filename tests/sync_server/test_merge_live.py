"""The merge rules through the live server (SQLite and PostgreSQL): repeat instances by
identity, causal per-field history (a supervisor's resolution stands), invalid merged heads."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .helpers import Client, child, make_revision, observation_answers


def _entry_state(spv: Client, entry_id: str) -> dict[str, Any]:
    resp = spv.get(f"/entries/{entry_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _keyed(answers: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(answers)
    for i, item in enumerate(out["temuan"]):
        item["@key"] = f"t{i}-9f2c"
    return out


def test_repeat_removal_and_edit_of_another_instance_by_identity(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = make_revision(_keyed(observation_answers()))
    stored = tab.push(base)[0]
    if stored["status"] == "rejected":
        assert any(i["code"] == "unknown_field" for i in stored.get("issues", [])), stored
        pytest.skip("validation does not accept repeat '@key' yet (the keys change is not merged)")
    t0, t1, t2 = base["answers"]["temuan"]
    removes_t0 = copy.deepcopy(base["answers"])
    removes_t0["temuan"] = [t1, t2]
    raises_t1 = copy.deepcopy(base["answers"])
    raises_t1["temuan"][1]["prioritas"] = "tinggi"
    removes_t2 = copy.deepcopy(base["answers"])
    removes_t2["temuan"] = [t0, t1]
    a, b, c = child(base, removes_t0), child(base, raises_t1), child(base, removes_t2)
    results = tab.push(a, b, c)
    assert [r["status"] for r in results] == ["stored", "merged", "merged"], results
    head = _entry_state(spv, base["entry_id"])
    assert head["review_status"] == "received" and head["conflicts"] == []
    assert head["answers"]["temuan"] == [{**t1, "prioritas": "tinggi"}]


def _conflicted_unit(tab: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    base = make_revision(observation_answers())  # jenis_unit = mpp
    assert tab.push(base)[0]["status"] == "stored"
    rsud = dict(observation_answers(), jenis_unit="rsud")
    opd = dict(observation_answers(), jenis_unit="opd")
    results = tab.push(child(base, rsud), child(base, opd))
    assert results[-1]["status"] == "conflict", results
    return base, results[-1]


def test_resolution_to_the_base_value_stands_against_a_late_concurrent_revision(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base, _ = _conflicted_unit(tab)
    entry_id = base["entry_id"]
    detail = _entry_state(spv, entry_id)
    resolved = dict(detail["answers"], jenis_unit="mpp")
    resp = spv.post(
        f"/entries/{entry_id}/resolve", json={"answers": resolved, "parent_rev": detail["rev"]}
    )
    assert resp.status_code == 201, resp.text
    assert _entry_state(spv, entry_id)["review_status"] == "received"
    # a tablet that never saw the resolution (nor the conflict) changes the unit type
    late = child(base, dict(observation_answers(), jenis_unit="unit_layanan"))
    result = tab.push(late)[0]
    assert result["status"] == "conflict", result
    after = _entry_state(spv, entry_id)
    assert after["review_status"] == "conflict"
    conflict = {c["path"]: c for c in after["conflicts"]}["jenis_unit"]
    assert {conflict["ours"], conflict["theirs"]} == {"mpp", "unit_layanan"}
    # a late revision touching another field leaves the resolution standing
    base2, _ = _conflicted_unit(tab)
    detail2 = _entry_state(spv, base2["entry_id"])
    resp = spv.post(
        f"/entries/{base2['entry_id']}/resolve",
        json={"answers": dict(detail2["answers"], jenis_unit="mpp"), "parent_rev": detail2["rev"]},
    )
    assert resp.status_code == 201, resp.text
    other = child(base2, dict(observation_answers(), jumlah_petugas=9))
    assert tab.push(other)[0]["status"] == "merged"
    final = _entry_state(spv, base2["entry_id"])
    assert final["review_status"] == "received"
    assert final["answers"]["jenis_unit"] == "mpp" and final["answers"]["jumlah_petugas"] == 9


def _invalid_merge(tab: Client) -> dict[str, Any]:
    base = make_revision(observation_answers())  # hasil_i05 tidak_terpenuhi, with its note
    assert tab.push(base)[0]["status"] == "stored"
    fulfilled = observation_answers()
    fulfilled["hasil_i05"] = "terpenuhi"
    del fulfilled["catatan_i05"]  # not required any more
    other = observation_answers()
    other["bukti_i05"] = ["regulasi", "lainnya"]  # "other evidence" needs the note
    a, b = child(base, fulfilled), child(base, other)
    results = tab.push(a, b)
    assert results[0]["status"] == "stored", results
    assert results[1]["status"] == "conflict", results
    return base


def test_an_invalid_merge_is_a_conflict_naming_the_path_until_fixed(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = _invalid_merge(tab)
    entry_id = base["entry_id"]
    detail = _entry_state(spv, entry_id)
    assert detail["review_status"] == "conflict"
    assert detail["answers"]["hasil_i05"] == "terpenuhi"
    assert detail["answers"]["bukti_i05"] == ["regulasi", "lainnya"]
    [invalid] = [c for c in detail["conflicts"] if c.get("kind") == "invalid"]
    assert invalid["path"] == "catatan_i05" and invalid["code"] == "required"
    assert invalid["message"]["id"] and invalid["message"]["en"]
    # the tablet sees it in the pull feed
    changes, _ = tab.pull_all()
    last = [c for c in changes if c["kind"] == "entry" and c["entry_id"] == entry_id][-1]
    assert last["rev"] == detail["rev"]
    assert any(c.get("kind") == "invalid" for c in last["conflicts"])
    # a tablet revision on the invalid head that does not make it worse is accepted...
    head_rev = {"entry_id": entry_id, "rev": detail["rev"], **_meta(base)}
    edited = dict(detail["answers"], jumlah_petugas=6)
    on_top = child(head_rev, edited)
    result = tab.push(on_top)[0]
    assert result["status"] != "rejected", result
    still = _entry_state(spv, entry_id)
    assert still["review_status"] == "conflict" and still["rev"] == on_top["rev"]
    assert [c["path"] for c in still["conflicts"] if c.get("kind") == "invalid"] == ["catatan_i05"]
    # ...one that makes it worse is not
    worse = dict(edited, jumlah_petugas=6)
    del worse["nama_unit"]
    assert tab.push(child(on_top, worse))[0]["status"] == "rejected"
    # the tablet adds the note: valid again, received
    fixed = dict(edited, catatan_i05="Bukti lain: surat edaran LHKPN 2024.")
    assert tab.push(child(on_top, fixed))[0]["status"] == "stored"
    done = _entry_state(spv, entry_id)
    assert done["review_status"] == "received" and done["conflicts"] == []


def test_a_supervisor_resolves_an_invalid_merge_with_the_dependent_answer(server):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = _invalid_merge(tab)
    entry_id = base["entry_id"]
    detail = _entry_state(spv, entry_id)
    # resolving with the invalid answers as they are is refused, as a whole
    seen = detail["rev"]
    refused = spv.post(
        f"/entries/{entry_id}/resolve", json={"answers": detail["answers"], "parent_rev": seen}
    )
    assert refused.status_code == 422, refused.text
    answers = dict(detail["answers"], catatan_i05="Bukti lain diperiksa.")
    resp = spv.post(f"/entries/{entry_id}/resolve", json={"answers": answers, "parent_rev": seen})
    assert resp.status_code == 201, resp.text
    done = _entry_state(spv, entry_id)
    assert done["review_status"] == "received" and done["conflicts"] == []


def _meta(revision: dict[str, Any]) -> dict[str, Any]:
    return {k: revision[k] for k in ("region", "form_id", "form_version")}


def test_a_revision_on_an_invalid_head_gets_the_servers_scores_too(server):
    """The tolerated path (a tablet edit on top of an invalid merged head) must not let a
    calculated value through as sent: the dashboard averages it."""
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    base = _invalid_merge(tab)
    detail = _entry_state(spv, base["entry_id"])
    head_rev = {"entry_id": base["entry_id"], "rev": detail["rev"], **_meta(base)}
    forged = dict(detail["answers"], jumlah_petugas=7, skor_total="99999")
    result = tab.push(child(head_rev, forged))[0]
    assert result["status"] != "rejected", result
    stored = _entry_state(spv, base["entry_id"])
    assert stored["answers"]["skor_total"] == detail["answers"]["skor_total"] != "99999"
    assert stored["answers"]["jumlah_petugas"] == 7
