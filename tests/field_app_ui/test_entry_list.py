"""The entries list's paging and search, from the controller (no Kivy)."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from field_app import entries
from field_app.ui.controller import PAGE_SIZE, AppController
from survey_forms import load_pilot_form

FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"


def sent_change(form, number: int, unit: str) -> dict:
    """A pulled sent observation whose instance name holds ``unit``."""
    answers = json.loads((FIXTURE / "observasi_complete.json").read_text("utf-8"))
    answers = copy.deepcopy(answers)
    answers["nama_unit"] = unit
    return {"kind": "entry", "seq": number, "entry_id": f"e-{number:04d}",
            "rev": "1-" + "a" * 32, "parent_rev": None, "form_id": form.form_id,
            "form_version": form.version, "region": "16.71", "answers": answers, "meta": {},
            "review_status": "received", "review_comment": None, "conflicts": []}


@pytest.fixture
def controller(tmp_path: Path) -> AppController:
    """A device with 150 sent observations, pulled one after the other (the oldest first)."""
    ticks = itertools.count()

    def clock() -> str:  # one second per change: the order does not depend on timing
        n = next(ticks)
        return f"2024-08-13T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000+07:00"

    app = AppController(tmp_path / "data", durable=False)
    app.store._clock = clock
    form = load_pilot_form("observasi")
    app.store.save_forms([form.to_json()])
    for number in range(150):
        unit = "Dinas Kesehatan" if number in (3, 77, 149) else f"Kelurahan {number:03d}"
        app.store.apply_pull([sent_change(form, number, unit)], f"c{number}")
    return app


def test_pages_follow_each_other_without_gaps_or_repeats(controller: AppController) -> None:
    first = controller.entry_page(entries.SENT, "id")
    assert len(first.rows) == PAGE_SIZE == 60
    assert (first.matching, first.shown, first.more) == (150, 60, True)
    ids = [row["entry_id"] for row in first.rows]
    assert ids[0] == "e-0149"  # the most recently changed first
    second = controller.entry_page(entries.SENT, "id", after=first.next_after)
    assert (len(second.rows), second.shown, second.more) == (60, 120, True)
    third = controller.entry_page(entries.SENT, "id", after=second.next_after)
    assert (len(third.rows), third.shown, third.more) == (30, 150, False)
    assert third.next_after is None
    ids += [row["entry_id"] for row in second.rows + third.rows]
    assert ids == [f"e-{n:04d}" for n in range(149, -1, -1)]
    assert controller.entry_rows(entries.SENT, "id") == first.rows


def test_an_entry_changed_between_pages_is_not_listed_twice(
        controller: AppController) -> None:
    first = controller.entry_page(entries.SENT, "id", limit=10)
    form = controller.form("observasi_kabkota_antikorupsi", "2024110101")
    old = sent_change(form, 5, "Kelurahan 005 (diperbarui)")
    controller.store.apply_pull([{**old, "rev": "2-" + "b" * 32, "parent_rev": "1-" + "a" * 32}],
                                "later")  # entry 5 is now the most recent: a new first row
    second = controller.entry_page(entries.SENT, "id", after=first.next_after, limit=10)
    assert [row["entry_id"] for row in second.rows] == [f"e-{n:04d}"
                                                       for n in range(139, 129, -1)]


def test_search_covers_every_entry_of_the_status(controller: AppController) -> None:
    page = controller.entry_page(entries.SENT, "id", query="  dinas KESEHATAN ")
    assert [row["entry_id"] for row in page.rows] == ["e-0149", "e-0077", "e-0003"]
    assert (page.matching, page.shown, page.more) == (3, 3, False)
    assert all("Dinas Kesehatan" in row["name"] for row in page.rows)
    assert controller.entry_page(entries.SENT, "id", query="tidak ada").rows == []
    assert controller.entry_page(entries.DRAFT, "id", query="dinas").rows == []
    # a search that needs paging: "Kelurahan 0" matches 000-099 (not the three Dinas entries)
    first = controller.entry_page(entries.SENT, "id", query="kelurahan 0")
    assert (first.matching, len(first.rows), first.more) == (98, 60, True)
    rest = controller.entry_page(entries.SENT, "id", query="kelurahan 0", after=first.next_after)
    names = [row["name"] for row in first.rows + rest.rows]
    assert len(set(names)) == 98 and not rest.more
    assert all("Kelurahan 0" in name for name in names)


def test_search_matches_the_summary_of_entries_without_an_instance_name(
        controller: AppController) -> None:
    editor = controller.new_entry("observasi_kabkota_antikorupsi", "2024110101")
    controller.store.save_answers(editor.entry_id, {})  # instance name " –  – "
    [row] = controller.entry_page(entries.DRAFT, "id", query="observasi kabupaten").rows
    assert row["entry_id"] == editor.entry_id
    assert row["name"].startswith("Observasi Kabupaten/Kota Antikorupsi – ")


def test_names_are_computed_ahead_in_small_steps(controller: AppController) -> None:
    assert not controller.warm_names(entries.SENT, "id", budget=0)
    assert not controller._names  # no time, no name
    assert not controller.warm_names(entries.SENT, "id", budget=0.001)
    assert "e-0149" in controller._names and "e-0000" not in controller._names  # newest first
    calls = 2
    while not controller.warm_names(entries.SENT, "id", budget=0.005):
        calls += 1
    assert len(controller._names) == 150 and calls > 3  # in steps

    def no_session(*_args, **_kwargs):
        raise AssertionError("a name was computed again")

    controller.form = no_session  # every name cached: a search computes none
    assert controller.entry_page(entries.SENT, "id", query="dinas").matching == 3
