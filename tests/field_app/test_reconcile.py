"""The tablet's side of reconciliation, pure: what to send again and in which order, and the
archive of sent revisions (no server)."""

from __future__ import annotations

from pathlib import Path

from field_app.reconcile import legacy_payloads, plan_resend, pulled_payload
from field_app.sent_revisions import SentRevisions
from survey_forms.revisions import revision_id

FORM = ("kunjungan_uji", "2024110101")


def _payload(entry_id: str, parent: dict | None, note: str) -> dict:
    answers = {"opd": "Dinas", "skor": 1, "catatan": note}
    rev = revision_id(parent["rev"] if parent else None, *FORM, "16.71", answers)
    return {
        "entry_id": entry_id,
        "rev": rev,
        "parent_rev": parent["rev"] if parent else None,
        "form_id": FORM[0],
        "form_version": FORM[1],
        "region": "16.71",
        "answers": answers,
        "meta": {"device_id": "tab-1", "officer": "petugas"},
        "attachments": [],
    }


def _chain() -> tuple[dict, dict, dict]:
    first = _payload("e1", None, "satu")
    supervisor = _payload("e1", first, "dua (supervisor)")
    correction = _payload("e1", supervisor, "tiga")
    return first, supervisor, correction


def test_plan_sends_own_missing_revisions_with_the_ancestors_they_need() -> None:
    first, supervisor, correction = _chain()
    archive = {
        "e1": [
            {"origin": "pulled", "payload": supervisor},  # recorded out of order on purpose
            {"origin": "pushed", "payload": correction},
            {"origin": "pushed", "payload": first},
        ]
    }

    def plan(*lost: dict) -> list[str]:
        return [p["rev"] for p in plan_resend(archive, {("e1", p["rev"]) for p in lost})]

    assert plan(first, supervisor, correction) == [
        first["rev"],
        supervisor["rev"],
        correction["rev"],
    ]
    assert plan(supervisor, correction) == [supervisor["rev"], correction["rev"]]
    assert plan(correction) == [correction["rev"]]
    assert plan(supervisor) == []  # a pulled revision alone is the server's business
    assert plan() == []


def test_archive_records_once_and_skips_damaged_or_unsafe_files(tmp_path: Path) -> None:
    archive = SentRevisions(tmp_path / "sent", durable=False)
    first, supervisor, _ = _chain()
    assert archive.record([first]) == 1
    assert archive.record([first, supervisor], origin="pulled") == 1
    assert [(i["origin"], i["payload"]["rev"]) for i in archive.entries()["e1"]] == [
        ("pushed", first["rev"]),
        ("pulled", supervisor["rev"]),
    ]
    assert archive.record([{**first, "entry_id": "../../escape"}]) == 0
    (tmp_path / "sent" / "e2.json").write_text("{not json")
    assert set(SentRevisions(tmp_path / "sent").entries()) == {"e1"}


def test_pulled_merges_and_other_devices_revisions_are_not_resent() -> None:
    first, supervisor, _ = _chain()
    change = {"kind": "entry", **supervisor, "review_status": "received"}
    assert pulled_payload(change)["rev"] == supervisor["rev"]
    merge = {**change, "rev": "3-0000", "answers": {"opd": "x"}}
    assert pulled_payload(merge) is None  # a merge's id cannot be computed by a device
    record = {**first, "status": "sent", "meta": {"device_id": "tab-1"}}
    assert [p["rev"] for p in legacy_payloads([record], "tab-1")] == [first["rev"]]
    assert legacy_payloads([record], "tab-2") == []
    assert legacy_payloads([{**record, "status": "draft"}], "tab-1") == []
