"""Calculated values are the server's: whatever a tablet (or a supervisor) sends for a
``calculate`` question, the server stores what the form's engine computes, and records any
disagreement in the audit log (SQLite and PostgreSQL, over HTTP)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from survey_forms import load_pilot_form
from survey_forms.model import Form
from survey_forms.recompute import (
    recompute_calculations,
    reproducible_calculations,
    validate_and_recalculate,
)
from sync_server.audit import history
from sync_server.db import read_tx
from tests.support.server import LiveServer, engine_of

from .helpers import FIXTURES, Client, child, make_revision

PILOT = {
    "observasi": "observasi_complete.json",
    "survei_masyarakat": "survei_complete.json",
}
WRONG = "99999"


def _form(key: str) -> Form:
    return load_pilot_form(key)


def _fixture(key: str) -> dict[str, Any]:
    return json.loads((FIXTURES / PILOT[key]).read_text("utf-8"))


def _calculate_names(form: Form) -> list[str]:
    return [node.name for node in form.graph.nodes.values() if node.type == "calculate"]


def _head(server: LiveServer, entry_id: str) -> dict[str, Any]:
    spv = Client(server.url, "admin")
    resp = spv.get(f"/entries/{entry_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _recalculations(server: LiveServer, entry_id: str) -> list[dict[str, Any]]:
    with read_tx(engine_of(server.app)) as conn:
        rows = history(conn, "entry", entry_id)
    return [row["details"] for row in rows if row["action"] == "entry.recalculate"]


def test_the_pilot_forms_calculations_are_all_reproducible() -> None:
    # Every calculation below is checked by the server; one that reads now() or the device
    # would be kept as the tablet sent it (survey_forms.recompute), and needs its own test.
    for key in PILOT:
        form = _form(key)
        assert set(_calculate_names(form)) == reproducible_calculations(form), key
        assert _calculate_names(form), key


@pytest.mark.parametrize("key", sorted(PILOT))
def test_every_calculation_sent_wrong_is_replaced_and_audited(server: LiveServer, key: str):
    form = _form(key)
    correct = recompute_calculations(form, _fixture(key))
    tab = Client(server.url, "petugas_plg")
    pushed: dict[str, dict[str, Any]] = {}
    for name in _calculate_names(form):
        node = form.graph.nodes[name]
        assert not node.depth, "the pilot forms have no calculation inside a repeat"
        answers = copy.deepcopy(correct)
        answers[name] = WRONG
        pushed[name] = make_revision(answers, form_id=form.form_id, form_version=form.version)
    results = tab.push(*pushed.values())
    assert [r["status"] for r in results] == ["stored"] * len(pushed), results
    for name, rev in pushed.items():
        head = _head(server, rev["entry_id"])
        assert head["rev"] == rev["rev"]  # the tablet's revision id names its edit
        assert head["answers"] == correct, name
        audit = _recalculations(server, rev["entry_id"])
        assert audit == [
            {
                "rev": rev["rev"],
                "fields": [{"path": name, "sent": WRONG, "computed": correct.get(name)}],
            }
        ], name


def test_agreeing_calculations_are_stored_as_sent_without_an_audit_row(server: LiveServer):
    form = _form("observasi")
    answers = recompute_calculations(form, _fixture("observasi"))
    rev = make_revision(answers)
    assert Client(server.url, "petugas_plg").push(rev)[0]["status"] == "stored"
    assert _head(server, rev["entry_id"])["answers"] == answers
    assert _recalculations(server, rev["entry_id"]) == []


def test_a_corrected_revision_resends_as_a_duplicate_and_the_tablet_pulls_the_fix(server):
    form = _form("observasi")
    correct = recompute_calculations(form, _fixture("observasi"))
    sent = {**correct, "skor_total": WRONG, "skor_k1": "0"}
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(sent)
    assert tab.push(rev)[0]["status"] == "stored"
    # a resend after a cut connection: the same revision, nothing new stored or audited
    again = tab.push(rev)[0]
    assert again["status"] == "duplicate" and again["head_rev"] == rev["rev"]
    assert len(_recalculations(server, rev["entry_id"])) == 1
    changes, _ = tab.pull_all()
    mine = [c for c in changes if c.get("entry_id") == rev["entry_id"]]
    assert mine[-1]["rev"] == rev["rev"] and mine[-1]["answers"] == correct
    # the tablet's next edit builds on the pulled (corrected) head: a plain fast-forward
    edited = {**correct, "nama_unit": "Unit sesudah koreksi"}
    result = tab.push(child(rev, edited))[0]
    assert result["status"] == "stored"
    assert _head(server, rev["entry_id"])["answers"] == recompute_calculations(form, edited)


def test_a_supervisor_edit_stores_the_computed_scores(server: LiveServer):
    form = _form("observasi")
    answers = recompute_calculations(form, _fixture("observasi"))
    rev = make_revision(answers)
    Client(server.url, "petugas_plg").push(rev)
    spv = Client(server.url, "spv_plg")
    edited = {**answers, "hasil_i01": "tidak_terpenuhi", "skor_total": WRONG, "skor_k1": WRONG}
    resp = spv.post(
        f"/entries/{rev['entry_id']}/revisions",
        json={"parent_rev": rev["rev"], "answers": edited},
    )
    assert resp.status_code == 201, resp.text
    stored = _head(server, rev["entry_id"])["answers"]
    assert stored == recompute_calculations(form, edited)
    assert stored["skor_k1"] != WRONG and stored["skor_total"] != WRONG


# -- property: whatever is pushed, no stored calculated value differs from the engine's ------

_OBSERVATION = _form("observasi")
_CALCULATES = _calculate_names(_OBSERVATION)
_RESULTS = [
    node.name
    for node in _OBSERVATION.graph.nodes.values()
    if node.name.startswith("hasil_i") and node.type == "select_one"
]
_CALC_VALUES = st.one_of(
    st.just(WRONG),
    st.text(max_size=8),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["0", "50", "100", "NaN", ""]),
)


def _choices(name: str) -> list[str]:
    node = _OBSERVATION.graph.nodes[name]
    return [choice.name for choice in _OBSERVATION.choices[node.question.list_name]]


@st.composite
def _pushed_answers(draw: st.DrawFn) -> dict[str, Any]:
    answers = recompute_calculations(_OBSERVATION, _fixture("observasi"))
    for name in draw(st.lists(st.sampled_from(_RESULTS), max_size=6, unique=True)):
        answers[name] = draw(st.sampled_from([*_choices(name), "bukan_pilihan"]))
    for name in draw(st.lists(st.sampled_from(_CALCULATES), max_size=8, unique=True)):
        value = draw(_CALC_VALUES)
        if value == "":
            answers.pop(name, None)
        else:
            answers[name] = value
    return answers


def _without_calculations(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if k not in _CALCULATES}


@settings(max_examples=200, deadline=None)
@given(_pushed_answers())
def test_validate_and_recalculate_agrees_with_the_engine(answers: dict[str, Any]) -> None:
    issues, computed = validate_and_recalculate(_OBSERVATION, answers)
    assert issues == _OBSERVATION.validate(answers)
    if not issues:
        assert computed == recompute_calculations(_OBSERVATION, answers)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=_pushed_answers())
@example(answers={**recompute_calculations(_OBSERVATION, _fixture("observasi")),
                  _CALCULATES[0]: "a\x00"})  # refused as malformed, not as invalid
def test_no_pushed_calculation_is_stored_unless_the_engine_computes_it(
    server: LiveServer, answers: dict[str, Any]
) -> None:
    tab = Client(server.url, "petugas_plg")
    rev = make_revision(answers)
    result = tab.push(rev)[0]
    if result["status"] == "rejected":
        # a NUL character is refused before validation, as malformed (it cannot be stored)
        has_nul = any(isinstance(v, str) and "\x00" in v for v in answers.values())
        assert result["error"] == ("malformed" if has_nul else "invalid"), (result, answers)
        return
    assert result["status"] == "stored", result
    stored = _head(server, rev["entry_id"])["answers"]
    assert stored == recompute_calculations(_OBSERVATION, stored)
    assert _without_calculations(stored) == _without_calculations(answers)
    assert stored == recompute_calculations(_OBSERVATION, answers)


def test_fixture_paths_exist() -> None:
    for name in PILOT.values():
        assert Path(FIXTURES / name).is_file()


def test_the_export_has_the_computed_value_before_and_after_the_cell_worker(server):
    import time

    import requests

    form = _form("observasi")
    correct = recompute_calculations(form, _fixture("observasi"))
    rev = make_revision({**correct, "skor_total": WRONG})
    tab = Client(server.url, "petugas_plg")
    assert tab.push(rev)[0]["status"] == "stored"
    admin = Client(server.url, "admin")
    for _ in range(2):  # twice: the cell worker may lay the entry out in between
        resp = requests.get(
            f"{server.url}/export/{form.form_id}.csv",
            headers={"Authorization": f"Bearer {admin.token}"},
            timeout=30,
        )
        assert resp.status_code == 200
        assert WRONG.encode() not in resp.content
        assert correct["skor_total"].encode() in resp.content
        time.sleep(1.5)
