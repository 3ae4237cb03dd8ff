"""Rules every new revision obeys, whoever makes it (review of issues 14 and 19, gaps 2-4, 6),
on a live server over SQLite and PostgreSQL:

* a supervisor's edit or resolution names the head it was made on (``parent_rev`` required):
  a tablet write that arrived after the supervisor looked is never discarded silently;
* it keeps the entry's region (the push's ``region_mismatch`` rule; moves are an admin's);
* no revision drops the instance keys of its parent (API edits, resolutions, pushes of an old
  app), at the top level or inside nested repeats;
* the meta's officer is the pushing account, whatever the tablet wrote.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from survey_forms import pilot_form_path
from tests.support.server import LiveServer, create_user, publish_form, start_live_server

from .authz_support import pg_schema
from .helpers import PASSWORD, Client, child, make_revision, observation_answers

NESTED = Path(__file__).parent / "forms" / "nested_rooms.md"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One seeded live server per backend for the module."""
    with ExitStack() as stack:
        url = stack.enter_context(pg_schema()) if request.param == "postgres" else None
        server = start_live_server(tmp_path_factory.mktemp(f"rules-{request.param}"), url)
        stack.callback(server.stop)
        publish_form(server.app, pilot_form_path("observasi"))
        publish_form(server.app, NESTED)
        for name, role, region in (
            ("petugas_plg", "officer", "16.71"),
            ("petugas_mura", "officer", "16.05"),
            ("spv_plg", "supervisor", "16.71"),
            ("spv_mura", "supervisor", "16.05"),
        ):
            create_user(server.app, name, PASSWORD, role, [region])
        yield server


def _keyed(answers: dict[str, Any]) -> dict[str, Any]:
    for i, item in enumerate(answers["temuan"]):
        item["@key"] = f"k{i}"
    return answers


def _conflicted(tab: Client, region: str = "16.71") -> tuple[dict, dict]:
    """An entry in conflict on jenis_unit (rsud against opd); returns (base, side_a)."""
    officer = "petugas_plg" if region == "16.71" else "petugas_mura"
    base = make_revision(_keyed(observation_answers(region)), region=region, officer=officer)
    assert tab.push(base)[0]["status"] == "stored"
    side_a = child(base, dict(copy.deepcopy(base["answers"]), jenis_unit="rsud"))
    side_b = child(base, dict(copy.deepcopy(base["answers"]), jenis_unit="opd"))
    assert tab.push(side_a, side_b)[-1]["status"] == "conflict"
    return base, side_a


def _refused(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == code, body
    assert body["message"] and body["message_id"] and body["message"] != body["message_id"]
    return body


def test_edits_and_resolutions_need_the_head_the_supervisor_saw(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    base, side_a = _conflicted(tab)
    eid = base["entry_id"]
    seen = spv.get(f"/entries/{eid}").json()  # the supervisor opens the conflict
    # a tablet writes another field meanwhile (still in conflict on jenis_unit)
    late = child(side_a, dict(copy.deepcopy(side_a["answers"]), jumlah_petugas=9))
    assert tab.push(late)[0]["status"] == "conflict"
    resolution = dict(seen["answers"], jenis_unit="mpp")
    for body in ({"answers": resolution}, {"answers": resolution, "parent_rev": None}):
        _refused(spv.post(f"/entries/{eid}/resolve", json=body), 422, "parent_rev_required")
    stale = {"answers": resolution, "parent_rev": seen["rev"]}
    _refused(spv.post(f"/entries/{eid}/resolve", json=stale), 409, "stale_parent")
    head = spv.get(f"/entries/{eid}").json()
    assert head["answers"]["jumlah_petugas"] == 9 and head["review_status"] == "conflict"
    # looked at again: the resolution on the head keeps the tablet's write
    again = {"answers": dict(head["answers"], jenis_unit="mpp"), "parent_rev": head["rev"]}
    assert spv.post(f"/entries/{eid}/resolve", json=again).status_code == 201
    head = spv.get(f"/entries/{eid}").json()
    assert head["answers"]["jumlah_petugas"] == 9 and head["review_status"] == "received"
    # edits: the same rule
    edit = dict(head["answers"], jumlah_petugas=5)
    _refused(spv.post(f"/entries/{eid}/revisions", json={"answers": edit}), 422,
             "parent_rev_required")  # fmt: skip
    assert spv.get(f"/entries/{eid}").json()["rev"] == head["rev"]


def test_an_edit_or_resolution_never_moves_the_entry_to_another_region(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_mura"), Client(srv.url, "spv_mura")
    base = make_revision(observation_answers("16.05"), region="16.05", officer="petugas_mura")
    assert tab.push(base)[0]["status"] == "stored"
    eid = base["entry_id"]
    head = spv.get(f"/entries/{eid}").json()
    for moved in (
        dict(head["answers"], kabkota="16.71", kecamatan="16.71.01"),
        dict(head["answers"], kabkota="16.71"),
    ):
        body = _refused(
            spv.post(f"/entries/{eid}/revisions", json={"parent_rev": head["rev"], "answers": moved}),
            422,
            "region_change_needs_move",
        )
        assert "Move" in body["message"] and "Pindahkan" in body["message_id"]
    conflicted, _ = _conflicted(tab, "16.05")
    seen = spv.get(f"/entries/{conflicted['entry_id']}").json()
    moved = dict(seen["answers"], jenis_unit="mpp", kabkota="16.71", kecamatan="16.71.01")
    _refused(
        spv.post(f"/entries/{conflicted['entry_id']}/resolve",
                 json={"parent_rev": seen["rev"], "answers": moved}),
        422, "region_change_needs_move",
    )  # fmt: skip
    after = spv.get(f"/entries/{eid}").json()
    assert after["rev"] == head["rev"] and after["answers"]["kabkota"] == "16.05"
    # the officer's tablet is not stuck: its next edit is stored
    assert tab.push(child(base, dict(base["answers"], jumlah_petugas=3)))[0]["status"] == "stored"


def test_api_edits_and_resolutions_never_drop_instance_keys(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    base = make_revision(_keyed(observation_answers()))
    assert tab.push(base)[0]["status"] == "stored"
    eid = base["entry_id"]
    head = spv.get(f"/entries/{eid}").json()

    def edit(answers: dict[str, Any]) -> Any:
        return spv.post(f"/entries/{eid}/revisions",
                        json={"parent_rev": head["rev"], "answers": answers})  # fmt: skip

    stripped = copy.deepcopy(head["answers"])
    for item in stripped["temuan"]:
        item.pop("@key")
    stripped["jumlah_petugas"] = 7
    body = _refused(edit(stripped), 422, "repeat_keys_missing")
    assert "temuan[0]" in body["message"]
    one_stripped = copy.deepcopy(head["answers"])
    one_stripped["temuan"][2].pop("@key")
    _refused(edit(one_stripped), 422, "repeat_keys_missing")
    added_keyless = copy.deepcopy(head["answers"])
    added_keyless["temuan"].append({k: v for k, v in head["answers"]["temuan"][0].items()
                                    if k != "@key"})  # fmt: skip
    assert "temuan[3]" in _refused(edit(added_keyless), 422, "repeat_keys_missing")["message"]
    # keys kept (and a new instance with a key of its own): stored
    kept = copy.deepcopy(head["answers"])
    kept["jumlah_petugas"] = 7
    assert edit(kept).status_code == 201
    # the reviewer's case: a tablet that never saw the edit removes T0; it stays removed
    removes_t0 = copy.deepcopy(base["answers"])
    removes_t0["temuan"] = removes_t0["temuan"][1:]
    assert tab.push(child(base, removes_t0))[0]["status"] == "merged"
    final = spv.get(f"/entries/{eid}").json()
    assert [t["@key"] for t in final["answers"]["temuan"]] == ["k1", "k2"]
    assert final["answers"]["jumlah_petugas"] == 7 and final["review_status"] == "received"
    # a resolution follows the same rule
    conflicted, _ = _conflicted(tab)
    seen = spv.get(f"/entries/{conflicted['entry_id']}").json()
    resolution = dict(copy.deepcopy(seen["answers"]), jenis_unit="mpp")
    for item in resolution["temuan"]:
        item.pop("@key")
    _refused(
        spv.post(f"/entries/{conflicted['entry_id']}/resolve",
                 json={"parent_rev": seen["rev"], "answers": resolution}),
        422, "repeat_keys_missing",
    )  # fmt: skip


def _nested(rooms_key: bool = True) -> dict[str, Any]:
    def room(key: str, name: str) -> dict[str, Any]:
        return {**({"@key": key} if rooms_key else {}), "nama_ruang": name, "orang": 2}

    return {
        "kabkota": "16.71",
        "gedung": [
            {"@key": "B1", "nama_gedung": "x", "ruang": [room("R1", "a"), room("R2", "b")]},
            {"@key": "B2", "nama_gedung": "y", "ruang": [room("R1", "c")]},
        ],
    }


def _nested_rev(answers: dict[str, Any], parent: dict | None = None) -> dict[str, Any]:
    if parent is not None:
        return make_revision(answers, entry_id=parent["entry_id"], parent_rev=parent["rev"],
                             form_id="nested_rooms", form_version="1")  # fmt: skip
    return make_revision(answers, form_id="nested_rooms", form_version="1")


def test_nested_instance_keys_are_kept_by_edits_and_pushes(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    base = _nested_rev(_nested())
    assert tab.push(base)[0]["status"] == "stored"
    eid = base["entry_id"]
    head = spv.get(f"/entries/{eid}").json()
    dropped = copy.deepcopy(head["answers"])
    dropped["gedung"][0]["ruang"][1].pop("@key")
    body = _refused(
        spv.post(f"/entries/{eid}/revisions", json={"parent_rev": head["rev"], "answers": dropped}),
        422, "repeat_keys_missing",
    )  # fmt: skip
    assert "gedung[0]/ruang[1]" in body["message"]
    # a push of an old app: the inner key dropped (a room removed before it)
    old_app = copy.deepcopy(base["answers"])
    old_app["gedung"][0]["ruang"] = [{"nama_ruang": "b", "orang": 2}]
    result = tab.push(_nested_rev(old_app, base))[0]
    assert result["status"] == "rejected" and result["error"] == "repeat_keys_missing", result
    assert "gedung[0]/ruang[0]" in result["message"]
    assert "Perbarui aplikasi" in result["message_id"] and "Update the app" in result["message"]
    # keys kept (a room removed, one added with its own key): stored
    fine = copy.deepcopy(base["answers"])
    fine["gedung"][0]["ruang"] = [fine["gedung"][0]["ruang"][1]]
    fine["gedung"][1]["ruang"].append({"@key": "R7", "nama_ruang": "d", "orang": 1})
    assert tab.push(_nested_rev(fine, base))[0]["status"] == "stored"
    # a legacy entry without keys stays editable by an old app
    legacy = _nested_rev(_nested(rooms_key=False))
    assert tab.push(legacy)[0]["status"] == "stored"
    older = copy.deepcopy(legacy["answers"])
    older["gedung"][0]["ruang"].pop(0)
    assert tab.push(_nested_rev(older, legacy))[0]["status"] == "stored"


def test_an_old_app_cannot_drop_the_keys_of_a_keyed_entry(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    base = make_revision(_keyed(observation_answers()))
    assert tab.push(base)[0]["status"] == "stored"
    keyless = copy.deepcopy(base["answers"])
    keyless["temuan"] = [{k: v for k, v in t.items() if k != "@key"} for t in keyless["temuan"]]
    keyless["temuan"] = keyless["temuan"][1:]  # the old app removed T0
    keyed_edit = copy.deepcopy(base["answers"])
    keyed_edit["temuan"][1]["prioritas"] = "rendah"
    results = tab.push(child(base, keyless), child(base, keyed_edit))
    assert results[0]["status"] == "rejected" and results[0]["error"] == "repeat_keys_missing"
    assert results[1]["status"] == "stored"
    head = spv.get(f"/entries/{base['entry_id']}").json()
    assert [t["@key"] for t in head["answers"]["temuan"]] == ["k0", "k1", "k2"]
    assert head["answers"]["temuan"][1]["prioritas"] == "rendah"


def test_the_meta_officer_is_the_pushing_account(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    first = make_revision(observation_answers(), officer="petugas_mura")
    assert tab.push(first)[0]["status"] == "stored"
    again = child(first, dict(first["answers"], jumlah_petugas=2))
    again["meta"]["officer"] = "spv_plg_fake"
    assert tab.push(again)[0]["status"] == "stored"
    assert spv.get(f"/entries/{first['entry_id']}").json()["meta"]["officer"] == "petugas_plg"
    changes, _ = tab.pull_all()
    metas = [c["meta"] for c in changes if c.get("entry_id") == first["entry_id"]]
    assert metas and all(m["officer"] == "petugas_plg" for m in metas)
