"""The region question decides an entry's region: the pure check the push path calls."""

from __future__ import annotations

import textwrap

from survey_forms import load_xlsform
from survey_forms.loader import load_pilot_form
from sync_server.messages import message
from sync_server.region_rules import region_mismatch, region_question, with_region

NO_REGION = textwrap.dedent("""
    | survey |
    | | type | name | label |
    | | text | opd | OPD |
    | settings |
    | | form_id | version |
    | | tanpa_wilayah | 1 |
""")


def test_the_pilot_forms_region_question_decides_and_a_mismatch_is_named() -> None:
    for name in ("observasi", "survei_masyarakat"):
        form = load_pilot_form(name)
        assert region_question(form) == "kabkota"
        assert region_mismatch(form, "16.71", {"kabkota": "16.71"}) is None
        assert region_mismatch(form, "16.71", {}) is None  # unanswered: validation says so
        params = region_mismatch(form, "16.71", {"kabkota": "16.05"})
        assert params == {"region": "16.71", "question": "kabkota", "answer": "16.05"}
        text = message("region_mismatch", **params)
        assert "16.05" in text["id"] and "16.71" in text["id"]
        assert "does not match" in text["en"]
        assert with_region(form, {"kabkota": "16.71", "x": 1}, "16.05") == {
            "kabkota": "16.05",
            "x": 1,
        }


def test_a_form_without_a_region_question_keeps_the_region_sent() -> None:
    form = load_xlsform(NO_REGION.encode("utf-8"), "md", form_id="tanpa_wilayah")
    assert region_question(form) is None
    assert region_mismatch(form, "16.71", {"kabkota": "16.05"}) is None
    assert with_region(form, {"opd": "x"}, "16.05") == {"opd": "x"}
    assert region_mismatch(form, "16.71", "not a dict") is None  # type: ignore[arg-type]


def test_the_server_refuses_a_revision_whose_region_and_answers_disagree(server) -> None:
    """An officer of both regions files a Musi Rawas observation under Palembang: refused,
    nothing stored; the same answers under their own region are stored."""
    from sync_server.users import create_user

    from .helpers import Client, make_revision, observation_answers

    with server.app.app_context():
        from sync_server.db import write_tx
        from sync_server.state import state

        with write_tx(state().engine) as conn:
            create_user(conn, "petugas_dua", "rahasia-123", "officer", ["16.71", "16.05"])
    officer = Client(server.url, "petugas_dua")
    answers = observation_answers("16.05")
    wrong = make_revision(answers, region="16.71", officer="petugas_dua")
    [result] = officer.push(wrong)
    assert result["status"] == "rejected" and result["error"] == "region_mismatch", result
    assert "16.05" in result["message_id"] and "16.71" in result["message_id"]
    changes, _ = officer.pull_all()
    assert not [c for c in changes if c["kind"] == "entry"]
    right = make_revision(answers, region="16.05", officer="petugas_dua")
    assert officer.push(right)[0]["status"] == "stored"
