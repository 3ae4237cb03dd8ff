"""The review pages with bad data stored and on deleted entries (SQLite and PostgreSQL): a
stored value that is not a score never breaks the dashboard (its stored per-entry scores leave
it out and count it as invalid), and a deleted entry cannot be reviewed, edited or resolved from the pages."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from sync_server import entries as svc
from sync_server.db import read_tx, write_tx
from sync_server.entry_scores import refresh_entry_scores
from sync_server.review.answer_input import parse_answer
from sync_server.users import get_user
from tests.support.server import engine_of
from tests.sync_server.helpers import head_answers_text, store_head_directly

from .conftest import as_user
from .data import new_entry

DASHBOARD = "/dashboard?form_id=observasi_kabkota_antikorupsi"

#: JSON text stored as a score: none of them is a score
POISON = [
    "Infinity",
    "-Infinity",
    "NaN",
    "1e400",
    "-1e400",
    "1" + "0" * 400,
    "1e308",
    '"99999"',
    '"-5"',
    '"abc"',
    '"Infinity"',
    "[1, 2]",
    '{"a": 1}',
    "true",
]


def _poison(app: Flask, entry_id: str, field: str, token: str) -> None:
    engine = engine_of(app)
    answers = json.loads(head_answers_text(engine, entry_id))
    answers.pop(field, None)
    text = json.dumps(answers)
    store_head_directly(engine, entry_id, f'{{"{field}": {token}, {text[1:]}')
    _refresh(app)


def _refresh(app: Flask) -> None:
    """Store the scores of heads written into the database by hand (what ``survey-server
    init-db`` does; the service's own writes store them as they change the head)."""
    with write_tx(engine_of(app)) as conn:
        assert refresh_entry_scores(conn) >= 1


def _total_cell(html: str, region: str) -> tuple[str, str]:
    """(the region cell's text, the average total) of a region's score row."""
    table = re.search(r'<table class="grid" id="scores">(.*?)</table>', html, re.S)
    assert table, "no score table"
    row = re.search(
        rf'<tr class="region-row" data-region="{re.escape(region)}" data-kecamatan="">(.*?)</tr>',
        table.group(1),
        re.S,
    )
    assert row, f"no row for {region}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return cells[0], cells[-1]


@pytest.mark.parametrize("token", POISON)
def test_the_dashboard_leaves_out_and_flags_a_poisoned_score(app: Flask, token: str) -> None:
    good = new_entry(app)
    bad = new_entry(app)
    _poison(app, bad["entry_id"], "skor_total", token)
    expected = json.loads(head_answers_text(engine_of(app), good["entry_id"]))["skor_total"]
    for user in ("admin", "spv_plg"):
        resp = as_user(app, user).get(DASHBOARD)
        assert resp.status_code == 200, (token, resp.text[:500])
        row, total = _total_cell(resp.text, "16.71")
        assert total == f"{float(expected):.1f}", token  # the average of the good entry alone
        assert "1 nilai tidak sah tidak dihitung" in row, token


def test_the_dashboard_survives_a_whole_document_of_odd_values(app: Flask) -> None:
    entry = new_entry(app)
    tokens = ["NaN", "Infinity", "[]", "{}", "null", "false", '"x"', "1e999"]
    fields = ["skor_k1", "skor_k2", "skor_k3", "skor_k4", "skor_k5", "skor_k6", "skor_total", "z"]
    body = ", ".join(f'"{f}": {t}' for f, t in zip(fields, tokens, strict=True))
    store_head_directly(engine_of(app), entry["entry_id"], f"{{{body}}}")
    _refresh(app)
    resp = as_user(app, "admin").get(DASHBOARD)
    assert resp.status_code == 200
    row, total = _total_cell(resp.text, "16.71")
    assert total == "—"
    # null is empty; NaN, Infinity, [], {}, false and "x" are not scores ("z" is no score)
    assert "6 nilai tidak sah" in row


def test_a_deleted_entry_cannot_be_reviewed_edited_or_resolved_on_the_pages(app: Flask) -> None:
    rev = new_entry(app)
    entry_id = rev["entry_id"]
    with app.app_context(), read_tx(engine_of(app)) as conn:
        admin_user = get_user(conn, "admin")
    svc.soft_delete_entry(engine_of(app), admin_user, entry_id)
    before = head_answers_text(engine_of(app), entry_id)
    for user in ("spv_plg", "admin"):
        web = as_user(app, user)
        web.get(f"/entries/{entry_id}")
        web.post(f"/entries/{entry_id}/review", {"status": "approved"})
        page = web.get(f"/entries/{entry_id}").text
        assert "sudah dihapus" in page  # the catalog's entry_deleted message
        assert 'id="entry-status">Disetujui' not in page
        web.post(
            f"/entries/{entry_id}/edit",
            {"name": "nama_unit", "value": "baru", "parent_rev": rev["rev"]},
        )
        assert "sudah dihapus" in web.get(f"/entries/{entry_id}").text
        web.post(
            "/forms/observasi_kabkota_antikorupsi/entries/review",
            {"status": "approved", "entry_id": entry_id},
        )
        web.post(
            f"/entries/{entry_id}/resolve",
            {"answer::jumlah_petugas": "5", "parent_rev": rev["rev"]},
        )
    assert head_answers_text(engine_of(app), entry_id) == before


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("decimal", "1e400"),
        ("decimal", "-1e400"),
        ("decimal", "nan"),
        ("decimal", "inf"),
        ("decimal", "-Infinity"),
        ("integer", "1" + "0" * 400),
        ("integer", "9007199254740993"),
        ("geopoint", "-2.99 inf"),
        ("geopoint", "nan 104.7"),
        ("geopoint", "1e400 104.7"),
    ],
)
def test_a_typed_number_out_of_range_is_refused(kind: str, raw: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(kind, raw)


def test_a_typed_number_out_of_range_changes_nothing_on_the_page(app: Flask) -> None:
    rev = new_entry(app)
    before = head_answers_text(engine_of(app), rev["entry_id"])
    web = as_user(app, "spv_plg")
    web.get(f"/entries/{rev['entry_id']}")
    for name, value in (("jumlah_petugas", "1" + "0" * 400), ("jumlah_petugas", "1e400")):
        web.post(f"/entries/{rev['entry_id']}/edit", {"name": name, "value": value})
    assert head_answers_text(engine_of(app), rev["entry_id"]) == before


@pytest.mark.parametrize("token", ["Infinity", "NaN", "1e400", "1" + "0" * 400, "[1, 2]", "true"])
def test_the_entry_pages_show_a_poisoned_answer_without_failing(app: Flask, token: str) -> None:
    rev = new_entry(app)
    for field in ("jumlah_petugas", "skor_total", "tanggal_kunjungan"):
        _poison(app, rev["entry_id"], field, token)
    web = as_user(app, "spv_plg")
    for url in (
        f"/entries/{rev['entry_id']}",
        f"/entries/{rev['entry_id']}/form",
        "/forms/observasi_kabkota_antikorupsi/entries",
        "/forms/observasi_kabkota_antikorupsi/entries?sort=entry_date",
        DASHBOARD,
    ):
        resp = web.get(url)
        assert resp.status_code == 200, (url, token, resp.text[:300])
