"""The officer's after-sync summary: what a pulled change means (echo, returned, conflict,
rejected, changed by someone else) and the words for it, in both languages."""

from __future__ import annotations

import pytest

from field_app.messages import LANGUAGES
from field_app.sync_outcome import Progress, classify_pulled
from field_app.sync_summary import NAMED, changed_count, summary_lines

SENT = {"entry_id": "e1", "status": "sent", "rev": "1-a", "sent_rev": "1-a",
        "review_status": "received", "review_comment": None, "answers": {"x": 1}}


@pytest.mark.parametrize(("after", "kind"), [
    # the tablet's own revision echoed back, with the server's calculations: no news
    ({**SENT, "answers": {"x": 1, "skor": 100}}, None),
    ({**SENT, "status": "needs_correction", "review_status": "needs_correction",
      "review_comment": "foto buram"}, "returned"),
    ({**SENT, "status": "conflict", "review_status": "conflict", "rev": "2-b"}, "conflicts"),
    ({**SENT, "review_status": "rejected", "review_comment": "duplikat"}, "review_rejected"),
    ({**SENT, "rev": "2-c", "answers": {"x": 2}}, "updated"),
    ({**SENT, "server_deleted": True}, "updated"),
    ({**SENT, "review_status": "approved"}, None),
])
def test_pulled_changes_are_classified(after: dict, kind: str | None) -> None:
    assert classify_pulled(SENT, after) == kind


def test_a_new_entry_and_a_new_comment_are_news() -> None:
    assert classify_pulled(None, SENT) == "updated"
    returned = {**SENT, "status": "needs_correction", "review_comment": "a"}
    assert classify_pulled(returned, {**returned, "review_comment": "b"}) == "returned"
    assert classify_pulled(returned, returned) is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_summary_lines_name_entries_comments_reasons_and_photos(lang: str) -> None:
    summary = {
        "sent": [{"entry_id": f"e{n}", "label": f"Unit {n}"} for n in range(NAMED + 2)],
        "returned": [{"entry_id": "r", "label": "Unit R", "comment": "Foto buram"}],
        "conflicts": [{"entry_id": "c", "label": "Unit C", "fields": ["nama_unit"]}],
        "rejected": [{"entry_id": "x", "label": "Unit X",
                      "message": {"id": "Wilayah salah", "en": "Wrong region"}}],
        "review_rejected": [{"entry_id": "v", "label": "Unit V",
                             "message": {"id": "Duplikat", "en": "Duplicate"}}],
        "held_back": [{"entry_id": "h", "label": "Unit H", "photos": [
            {"filename": "a.jpg", "sha256": "1" * 64, "problem": "missing"},
            {"filename": "b.jpg", "sha256": "2" * 64, "problem": "damaged"}]}],
        "updated": [],
    }
    lines = summary_lines(summary, lang)
    assert len(lines) == 6
    assert f"({NAMED + 2})" in lines[0] and "Unit 0" in lines[0]
    assert f"Unit {NAMED + 1}" not in lines[0] and "2" in lines[0].rsplit(";", 1)[1]
    assert "Unit R" in lines[1] and "Foto buram" in lines[1]
    assert "nama_unit" in lines[2]
    assert ("Wilayah salah" if lang == "id" else "Wrong region") in lines[3]
    assert "Unit V" in lines[4] and ("Duplikat" if lang == "id" else "Duplicate") in lines[4]
    assert "a.jpg" in lines[5] and "b.jpg" in lines[5]
    assert ("hilang" if lang == "id" else "missing") in lines[5]
    assert ("rusak" if lang == "id" else "damaged") in lines[5]
    assert all("{" not in line for line in lines)
    assert changed_count(summary) == 3  # returned, conflict, rejected by the supervisor


def test_nothing_changed_is_said() -> None:
    assert summary_lines({}, "id") == ["Tidak ada perubahan: tidak ada entri terkirim maupun "
                                       "kembali."]


def test_progress_percent_is_of_this_syncs_photo_bytes() -> None:
    base = Progress("attachments", 1, 2, 0, 0, {})
    assert base.percent is None
    assert Progress("attachments", 1, 2, 0, 0, {}, photo_sent=250, photo_total=1000
                    ).percent == 25.0
