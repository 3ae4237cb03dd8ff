"""A supervisor's edit inside a repeat instance keeps every instance's "@key" (SQLite and
PostgreSQL), and the edit page never offers "@key" as an answer to edit."""

from __future__ import annotations

import copy

from flask import Flask

from survey_forms import load_pilot_form
from survey_forms.instance_keys import KEY
from sync_server.review.answer_paths import editable_fields, with_answer

from .conftest import as_user, engine_of
from .data import new_entry, observation_answers


def keyed_findings() -> list[dict]:
    findings = copy.deepcopy(observation_answers()["temuan"])
    findings[0][KEY] = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    findings[1][KEY] = "#1"
    return findings  # the third stays keyless (implied "#2")


def test_editing_inside_a_keyed_instance_keeps_the_keys(app: Flask) -> None:
    from sync_server.entries import get_entry
    from sync_server.users import get_user

    findings = keyed_findings()
    rev = new_entry(app, changes={"temuan": findings})
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{rev['entry_id']}").text
    assert "@key" not in page
    resp = web.post(
        f"/entries/{rev['entry_id']}/edit",
        {"name": "temuan[0]/rekomendasi", "value": "Diperbaiki.", "parent_rev": rev["rev"]},
    )
    assert resp.status_code == 302
    with engine_of(app).connect() as conn:
        head = get_entry(conn, get_user(conn, "spv_plg"), rev["entry_id"])
    assert head["rev"] != rev["rev"]
    items = head["answers"]["temuan"]
    assert [item.get(KEY) for item in items] == [findings[0][KEY], "#1", None]
    assert items[0]["rekomendasi"] == "Diperbaiki."


def test_answer_paths_keep_keys_and_never_list_them() -> None:
    form = load_pilot_form("observasi")
    answers = observation_answers()
    answers["temuan"] = keyed_findings()
    fields = editable_fields(form, answers, "id")
    assert not any("@" in field["name"] for field in fields)
    edited = with_answer(answers, [("temuan", 1)], "prioritas", "rendah")
    assert [item.get(KEY) for item in edited["temuan"]] == [
        item.get(KEY) for item in answers["temuan"]
    ]
    assert edited["temuan"][1]["prioritas"] == "rendah"


def test_history_diffs_never_show_keys() -> None:
    from sync_server.review.diffs import diff_answers

    legacy = observation_answers()
    keyed = copy.deepcopy(legacy)
    keyed["temuan"] = keyed_findings()
    assert diff_answers(legacy, keyed) == []
    assert all("@" not in change["path"] for change in diff_answers(None, keyed))
    keyed["temuan"][2]["prioritas"] = "rendah"
    assert [c["path"] for c in diff_answers(legacy, keyed)] == ["temuan[2]/prioritas"]
