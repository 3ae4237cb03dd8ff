"""The entry lifecycle as pure functions: draft → finalized → sent, corrections, conflicts."""

from __future__ import annotations

import pytest

from field_app import entries as e
from survey_forms.revisions import revision_id

NOW = "2024-08-13T09:30:00.000+07:00"
LATER = "2024-08-13T10:00:00.000+07:00"


def draft(answers: dict | None = None) -> dict:
    return e.new_draft("e-1", "kunjungan_uji", "2024110101", "16.71",
                       {"officer": "petugas", "device_id": "tab-1"}, NOW, answers)


def finalized(answers: dict | None = None) -> dict:
    return e.finalize(draft(answers or {"opd": "Dinas"}), [], LATER)


def test_finalize_computes_the_shared_revision_id_and_keeps_the_input() -> None:
    record = draft({"opd": "Dinas"})
    done = e.finalize(record, [], LATER, {"app_version": "9"})
    assert record["status"] == e.DRAFT and record["rev"] is None
    assert done["status"] == e.FINALIZED
    assert done["rev"] == revision_id(None, "kunjungan_uji", "2024110101", "16.71",
                                      {"opd": "Dinas"})
    assert done["rev"].startswith("1-")
    assert done["meta"]["finalized_at"] == LATER and done["meta"]["app_version"] == "9"


def test_invalid_form_is_never_finalized() -> None:
    with pytest.raises(e.LifecycleError) as info:
        e.finalize(draft(), ["issue"], LATER)
    assert info.value.code == "invalid"


def test_only_drafts_are_editable() -> None:
    with pytest.raises(e.LifecycleError):
        e.set_answers(finalized(), {"opd": "lain"}, LATER)
    assert e.set_answers(draft(), {"opd": "baru"}, LATER)["answers"] == {"opd": "baru"}


def test_push_payload_lists_attachments_found_in_repeats() -> None:
    photo = {"sha256": "a" * 64, "filename": "x.jpg", "media_type": "image/jpeg"}
    record = finalized({"opd": "D", "temuan": [{"foto_t": photo}, {"foto_t": photo}]})
    payload = e.push_payload(record)
    assert payload["attachments"] == [photo]
    assert set(payload) == {"entry_id", "rev", "parent_rev", "form_id", "form_version",
                            "region", "answers", "meta", "attachments"}
    with pytest.raises(e.LifecycleError):
        e.push_payload(draft())


@pytest.mark.parametrize("status", ["stored", "duplicate", "merged"])
def test_acknowledged_push_marks_sent(status: str) -> None:
    record = finalized()
    result = {"entry_id": "e-1", "rev": record["rev"], "status": status}
    if status == "merged":
        result["head_rev"] = "3-abc"
    sent = e.apply_push_result(record, result, LATER)
    assert sent["status"] == e.SENT
    assert sent["sent_rev"] == (result.get("head_rev") or record["rev"])


def test_conflict_result_keeps_both_values() -> None:
    record = finalized()
    conflicts = [{"path": "opd", "base": "A", "ours": "B", "theirs": "C"}]
    after = e.apply_push_result(
        record, {"entry_id": "e-1", "rev": record["rev"], "status": "conflict",
                 "head_rev": "3-h", "conflicts": conflicts}, LATER)
    assert after["status"] == e.CONFLICT and after["conflicts"] == conflicts


def test_rejection_returns_to_draft_with_reason_and_stale_results_are_ignored() -> None:
    record = finalized()
    stale = e.apply_push_result(record, {"entry_id": "e-1", "rev": "1-other",
                                         "status": "stored"}, LATER)
    assert stale["status"] == e.FINALIZED
    issues = [{"path": "skor", "code": "constraint", "message": {"id": "x", "en": "y"}}]
    after = e.apply_push_result(record, {"entry_id": "e-1", "rev": record["rev"],
                                         "status": "rejected", "error": "invalid",
                                         "issues": issues}, LATER)
    assert after["status"] == e.DRAFT and after["rev"] is None
    assert after["rejection"]["issues"] == issues
    assert e.can_delete(after)


def test_correction_round_trip_links_parent_to_sent_revision() -> None:
    sent = e.apply_push_result(finalized(), {"entry_id": "e-1", "rev": finalized()["rev"],
                                             "status": "stored"}, LATER)
    change = {"kind": "entry", "seq": 5, "entry_id": "e-1", "rev": sent["sent_rev"],
              "parent_rev": None, "form_id": "kunjungan_uji", "form_version": "2024110101",
              "region": "16.71", "answers": sent["answers"], "meta": sent["meta"],
              "review_status": "needs_correction", "review_comment": "Skor salah",
              "conflicts": []}
    flagged = e.apply_pull_change(sent, change, LATER)
    assert flagged["status"] == e.NEEDS_CORRECTION
    assert flagged["review_comment"] == "Skor salah"
    editing = e.start_correction(flagged, LATER)
    assert editing["status"] == e.DRAFT and editing["parent_rev"] == sent["sent_rev"]
    assert not e.can_delete(editing)  # it was sent once: not the officer's to delete
    again = e.finalize(e.set_answers(editing, {"opd": "Dinas X"}, LATER), [], LATER)
    assert again["rev"].startswith("2-")


def test_pull_keeps_local_work_and_adopts_new_entries() -> None:
    record = draft({"opd": "mine"})
    change = {"kind": "entry", "entry_id": "e-1", "rev": "2-x", "parent_rev": "1-y",
              "form_id": "kunjungan_uji", "form_version": "2024110101", "region": "16.71",
              "answers": {"opd": "theirs"}, "review_status": "approved"}
    kept = e.apply_pull_change(record, change, LATER)
    assert kept["answers"] == {"opd": "mine"} and kept["status"] == e.DRAFT
    assert kept["sent_rev"] == "2-x"
    fresh = e.apply_pull_change(None, change, LATER)
    assert fresh["status"] == e.SENT and fresh["answers"] == {"opd": "theirs"}
    assert fresh["rev"] == "2-x"


def test_finalized_revision_seen_in_pull_counts_as_acknowledged() -> None:
    record = finalized()
    change = {"kind": "entry", "entry_id": "e-1", "rev": record["rev"], "parent_rev": None,
              "form_id": "kunjungan_uji", "form_version": "2024110101", "region": "16.71",
              "answers": record["answers"], "review_status": "received"}
    assert e.apply_pull_change(record, change, LATER)["status"] == e.SENT
    other = dict(change, rev="2-zzz")
    assert e.apply_pull_change(record, other, LATER)["status"] == e.FINALIZED


def test_answered_correction_is_not_flagged_again_but_a_new_request_is() -> None:
    sent = e.apply_push_result(finalized(), {"entry_id": "e-1", "rev": finalized()["rev"],
                                             "status": "stored"}, LATER)
    flag = {"kind": "entry", "entry_id": "e-1", "rev": sent["sent_rev"], "parent_rev": None,
            "form_id": "kunjungan_uji", "form_version": "2024110101", "region": "16.71",
            "answers": sent["answers"], "review_status": "needs_correction",
            "review_comment": "Lengkapi OPD"}
    editing = e.start_correction(e.apply_pull_change(sent, flag, LATER), LATER)
    corrected = e.finalize(e.set_answers(editing, {"opd": "Dinas Y"}, LATER), [], LATER)
    acked = e.apply_push_result(corrected, {"entry_id": "e-1", "rev": corrected["rev"],
                                            "status": "stored"}, LATER)
    # the server still shows the old flag on the new head: sent, awaiting review
    same_flag = dict(flag, rev=corrected["rev"], parent_rev=sent["sent_rev"],
                     answers={"opd": "Dinas Y"})
    assert e.apply_pull_change(acked, same_flag, LATER)["status"] == e.SENT
    # the supervisor asks again, with a new comment: needs correction again
    again = dict(same_flag, review_comment="Masih kurang bukti")
    assert e.apply_pull_change(acked, again, LATER)["status"] == e.NEEDS_CORRECTION
