"""What the server refuses from tablets and supervisors, changing nothing (SQLite and
PostgreSQL, over HTTP): an entry id reused for another form or region, numbers a float cannot
hold in any JSON body, changes to deleted entries, unbounded issue lists; and what it sends
when a bad value is stored anyway (the pull feed stays standard JSON)."""

from __future__ import annotations

import copy
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sync_server.audit import history
from sync_server.db import read_tx
from sync_server.push import MAX_ISSUES
from sync_server.schema import audit_log, changes, entries, revisions
from tests.support.server import LiveServer, create_user, engine_of, publish_form

from .helpers import (
    FIXTURES,
    PASSWORD,
    Client,
    child,
    head_answers_text,
    make_revision,
    observation_answers,
    store_head_directly,
)

SURVEY_FORM = "survei_partisipasi_masyarakat"
SURVEY_VERSION = "2024110101"


def _survey_answers() -> dict[str, Any]:
    return json.loads((FIXTURES / "survei_complete.json").read_text("utf-8"))


def _snapshot(server: LiveServer) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    with read_tx(engine_of(server.app)) as conn:
        return {
            "entries": [
                dict(row)
                for row in conn.execute(select(entries).order_by(entries.c.entry_id)).mappings()
            ],
            "revisions": conn.execute(select(func.count()).select_from(revisions)).scalar_one(),
            "changes": conn.execute(select(func.count()).select_from(changes)).scalar_one(),
            "audit": conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        }


# -- an entry id belongs to one form and one region ------------------------------------------


def test_an_entry_id_reused_for_another_form_is_refused(server: LiveServer):
    tab = Client(server.url, "petugas_plg")
    obs = make_revision(observation_answers())
    assert tab.push(obs)[0]["status"] == "stored"
    before = _snapshot(server)
    as_new = make_revision(
        _survey_answers(),
        entry_id=obs["entry_id"],
        form_id=SURVEY_FORM,
        form_version=SURVEY_VERSION,
    )
    as_child = make_revision(
        _survey_answers(),
        entry_id=obs["entry_id"],
        parent_rev=obs["rev"],
        form_id=SURVEY_FORM,
        form_version=SURVEY_VERSION,
    )
    results = tab.push(as_new, as_child)
    for result in results:
        assert result["status"] == "rejected" and result["error"] == "entry_mismatch", result
        assert SURVEY_FORM in result["message"] and result["message_id"]
    assert _snapshot(server) == before
    detail = Client(server.url, "admin").get(f"/entries/{obs['entry_id']}").json()
    assert detail["form_id"] == obs["form_id"] and detail["review_status"] == "received"


def test_an_entry_id_reused_for_another_region_is_refused(server: LiveServer):
    create_user(server.app, "petugas_dua", PASSWORD, "officer", ["16.71", "16.05"])
    tab = Client(server.url, "petugas_dua")
    first = make_revision(observation_answers("16.71"), officer="petugas_dua")
    assert tab.push(first)[0]["status"] == "stored"
    before = _snapshot(server)
    moved = make_revision(
        observation_answers("16.05"),
        entry_id=first["entry_id"],
        parent_rev=first["rev"],
        region="16.05",
        officer="petugas_dua",
    )
    result = tab.push(moved)[0]
    assert result["status"] == "rejected" and result["error"] == "entry_mismatch", result
    assert _snapshot(server) == before


def test_a_new_version_of_the_same_form_is_still_allowed(server: LiveServer):
    forms = Path(__file__).resolve().parent / "forms"
    publish_form(server.app, forms / "mini.md")
    publish_form(server.app, forms / "mini_v2.md")
    tab = Client(server.url, "petugas_plg")
    first = make_revision({"a": "x"}, form_id="mini", form_version="1")
    assert tab.push(first)[0]["status"] == "stored"
    upgraded = make_revision(
        {"a": "y"},
        entry_id=first["entry_id"],
        parent_rev=first["rev"],
        form_id="mini",
        form_version="2",
    )
    result = tab.push(upgraded)[0]
    assert result["status"] == "stored", result
    assert (
        Client(server.url, "admin").get(f"/entries/{first['entry_id']}").json()["form_version"]
        == "2"
    )


def test_a_supervisor_edit_with_another_forms_answers_is_refused(server: LiveServer):
    tab = Client(server.url, "petugas_plg")
    obs = make_revision(observation_answers())
    tab.push(obs)
    spv = Client(server.url, "spv_plg")
    before = _snapshot(server)
    resp = spv.post(
        f"/entries/{obs['entry_id']}/revisions",
        json={"parent_rev": obs["rev"], "answers": _survey_answers()},
    )
    assert resp.status_code == 422 and resp.json()["error"] == "invalid", resp.text
    assert _snapshot(server) == before


# -- deleted entries -------------------------------------------------------------------------


def _conflicted_entry(tab: Client) -> dict[str, Any]:
    base = make_revision(observation_answers())
    tab.push(base)
    a1, a2 = observation_answers(), observation_answers()
    a1["jumlah_petugas"], a2["jumlah_petugas"] = 6, 7
    tab.push(child(base, a1))
    assert tab.push(child(base, a2))[0]["status"] == "conflict"
    return base


def test_deleted_entries_refuse_review_edit_and_resolve(server: LiveServer):
    tab = Client(server.url, "petugas_plg")
    spv = Client(server.url, "spv_plg")
    admin = Client(server.url, "admin")
    plain = make_revision(observation_answers())
    tab.push(plain)
    conflicted = _conflicted_entry(tab)
    for rev in (plain, conflicted):
        assert admin.session.delete(f"{admin.base}/entries/{rev['entry_id']}").status_code == 200
    before = _snapshot(server)
    edited = observation_answers()
    edited["nama_unit"] = "diubah setelah dihapus"
    calls = []
    for user in (spv, admin):
        for rev in (plain, conflicted):
            eid = rev["entry_id"]
            head = user.get(f"/entries/{eid}").json()["rev"]
            calls += [
                user.post(f"/entries/{eid}/review", json={"status": "approved"}),
                user.post(
                    f"/entries/{eid}/revisions", json={"parent_rev": head, "answers": edited}
                ),
                user.post(
                    f"/entries/{eid}/resolve", json={"parent_rev": head, "answers": edited}
                ),
            ]
    for resp in calls:
        assert resp.status_code == 409 and resp.json()["error"] == "entry_deleted", resp.text
        assert resp.json()["message_id"]
    assert _snapshot(server) == before
    # restore first, then reviewing works again
    assert admin.post(f"/entries/{plain['entry_id']}/restore").status_code == 200
    ok = spv.post(f"/entries/{plain['entry_id']}/review", json={"status": "approved"})
    assert ok.status_code == 200, ok.text


# -- the push response stays small -----------------------------------------------------------


def test_a_rejected_revision_lists_at_most_max_issues(server: LiveServer):
    answers = observation_answers()
    for i in range(3 * MAX_ISSUES):
        answers[f"tidak_ada_{i:03d}"] = "x"
    result = Client(server.url, "petugas_plg").push(make_revision(answers))[0]
    assert result["status"] == "rejected" and result["error"] == "invalid"
    assert len(result["issues"]) == MAX_ISSUES
    assert result["issue_count"] >= 3 * MAX_ISSUES and result["issues_truncated"] is True
    assert str(result["issue_count"]) in result["message"]


# -- numbers a float cannot hold, in every JSON body -----------------------------------------

OUT_OF_RANGE = [b"1e400", b"-1e400", b"1" + b"0" * 400, b"-2e308"]


def _json_routes(server: LiveServer) -> list[tuple[str, str]]:
    """(method, path) of every API route whose view reads a JSON body."""
    app = server.app
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/api/") or "read_json_object" not in inspect.getsource(view):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _arg(m.group(1)), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS", "GET"}):
            out.append((method, path))
    return out


def _arg(name: str) -> str:
    return {"sha256": "a" * 64, "username": "petugas_plg"}.get(
        name, "00000000-0000-4000-8000-000000000000"
    )


def test_every_json_route_refuses_numbers_out_of_range(server: LiveServer):
    admin = Client(server.url, "admin")
    routes = _json_routes(server)
    # sign-in, push, missing attachments, review, edit, resolve at least
    assert len(routes) >= 6, routes
    before = _snapshot(server)
    for method, path in routes:
        for number in OUT_OF_RANGE:
            body = b'{"revisions": [], "answers": {"jumlah_petugas": ' + number + b'}, "x": 1}'
            resp = admin.session.request(
                method,
                server.url + path,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
            assert resp.status_code == 400, (method, path, number, resp.text)
            error = resp.json()
            assert error["error"] == "number_out_of_range", (method, path, error)
            assert error["message"] and error["message_id"]
    assert _snapshot(server) == before


def test_a_pushed_answer_out_of_range_stores_nothing(server: LiveServer):
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(observation_answers())
    text = json.dumps({"revisions": [rev]}).replace(
        '"jumlah_petugas": 4', '"jumlah_petugas": 1e400'
    )
    assert "1e400" in text
    before = _snapshot(server)
    resp = tab.session.post(
        tab.base + "/sync/push",
        data=text,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == 400 and resp.json()["error"] == "number_out_of_range"
    assert _snapshot(server) == before


# -- a bad value stored anyway: the pull feed stays standard JSON ----------------------------

POISON = ["Infinity", "-Infinity", "NaN", "1e400", "1" + "0" * 400, "[1, 2]", '{"a": 1}', "true"]


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("token", POISON)
def test_the_pull_feed_is_standard_json_with_a_poisoned_value(server: LiveServer, token: str):
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    engine = engine_of(server.app)
    stored = json.loads(head_answers_text(engine, rev["entry_id"]))
    text = json.dumps(stored)
    poisoned = text.replace('"skor_total": "', f'"skor_total": {token}, "was": "', 1)
    assert poisoned != text
    new_rev = store_head_directly(engine, rev["entry_id"], poisoned)
    # a supervisor's review writes the feed row of the (poisoned) head
    spv = Client(server.url, "spv_plg")
    reviewed = spv.post(f"/entries/{rev['entry_id']}/review", json={"status": "approved"})
    assert reviewed.status_code == 200, reviewed.text
    for client in (tab, spv):
        resp = client.session.get(client.base + "/sync/pull", params={"since": ""}, timeout=30)
        assert resp.status_code == 200
        page = _strict_json(resp.text)
        entry = [c for c in page["changes"] if c.get("entry_id") == rev["entry_id"]][-1]
        assert entry["rev"] == new_rev and entry["review_status"] == "approved"
        assert entry["answers"]["nama_unit"] == stored["nama_unit"]
        if token in ("Infinity", "-Infinity", "NaN"):
            assert entry["answers"]["skor_total"] is None
        else:
            assert entry["answers"]["skor_total"] == json.loads(token)
    with read_tx(engine) as conn:
        assert history(conn, "entry", rev["entry_id"])  # the entry is there, audited


def test_the_feed_keeps_text_that_merely_looks_like_a_constant(server: LiveServer):
    tab = Client(server.url, "petugas_plg")
    answers = observation_answers()
    answers["nama_unit"] = "Unit NaN Infinity"
    rev = make_revision(answers)
    tab.push(rev)
    changes_, _ = tab.pull_all()
    mine = [c for c in changes_ if c.get("entry_id") == rev["entry_id"]]
    assert mine[-1]["answers"]["nama_unit"] == "Unit NaN Infinity"
    assert copy.deepcopy(mine[-1]["answers"])["jumlah_petugas"] == answers["jumlah_petugas"]
