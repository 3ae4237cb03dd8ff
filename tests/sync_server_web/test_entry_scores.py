"""Stored per-entry scores (``entry_scores``) follow every change of an entry's head: after
each kind of write, the stored rows equal what :func:`score_values` computes from the heads'
answers now (an independent recomputation over the whole table, so a write path that forgets
to store catches the test whichever entry it touches)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select

from sync_server.db import read_tx, write_tx
from sync_server.entries import edit_entry, resolve_conflict, restore_entry, soft_delete_entry
from sync_server.entry_moves import move_entry
from sync_server.entry_scores import refresh_entry_scores, score_values, unpack_tally
from sync_server.schema import entries, entry_scores, revisions
from sync_server.state import state
from sync_server.users import get_user
from tests.support.server import engine_of
from tests.sync_server.helpers import head_answers_text, store_head_directly

from .conftest import head_rev_of
from .data import child, new_entry, push_as

COMPARED = ["rev", "form_id", "region", "kecamatan", "deleted", "score", "consent", "lat", "lon"]


def _expected(app: Flask) -> dict[str, dict[str, Any]]:
    """Each entry's scores computed here from its head revision's answers."""
    out = {}
    with read_tx(engine_of(app)) as conn:
        rows = conn.execute(
            select(entries, revisions.c.answers).join(
                revisions,
                (revisions.c.entry_id == entries.c.entry_id)
                & (revisions.c.rev == entries.c.head_rev),
            )
        ).mappings()
        for row in rows:
            answers = json.loads(row["answers"])
            values = score_values(answers)
            out[row["entry_id"]] = {
                "rev": row["head_rev"],
                "form_id": row["form_id"],
                "region": row["region"],
                "kecamatan": answers.get("kecamatan") or "",
                "deleted": row["deleted_at"] is not None,
                **values,
            }
    return out


def _stored(app: Flask) -> dict[str, dict[str, Any]]:
    with read_tx(engine_of(app)) as conn:
        return {r["entry_id"]: dict(r) for r in conn.execute(select(entry_scores)).mappings()}


def assert_scores_follow_heads(app: Flask) -> None:
    expected, stored = _expected(app), _stored(app)
    assert set(stored) == set(expected)
    for entry_id, want in expected.items():
        got = stored[entry_id]
        keys = COMPARED + [k for k in want if k.startswith(("part_", "ind_"))]
        assert {k: got[k] for k in keys} == {k: want[k] for k in keys}, entry_id


def _user(app: Flask, name: str) -> Any:
    with read_tx(engine_of(app)) as conn:
        return get_user(conn, name)


def test_every_head_change_stores_the_heads_scores(app: Flask) -> None:
    # push: new entries (bulk and one by one), each result of the indicator kinds
    first = new_entry(app, changes={"hasil_i02": "terpenuhi", "hasil_i05": "sebagian"})
    second = new_entry(app, officer="petugas_mura", region="16.05")
    assert_scores_follow_heads(app)
    stored = _stored(app)[first["entry_id"]]
    assert unpack_tally(stored["ind_02"]) == (1, 0, 0)
    assert unpack_tally(stored["ind_05"]) == (0, 1, 0)
    assert stored["lat"] == first["answers"]["lokasi"]["latitude"]
    assert stored["score"] is not None and 0 <= stored["score"] <= 100
    # push: a fast-forward on top of the head
    ahead = child(first, dict(first["answers"], hasil_i03="tidak_terpenuhi"))
    assert push_as(app, "petugas_plg", [ahead])[0]["status"] == "stored"
    assert_scores_follow_heads(app)
    assert unpack_tally(_stored(app)[first["entry_id"]]["ind_03"]) == (0, 0, 1)
    # push: two tablets changed different fields -> a server merge becomes the head
    side_a = child(ahead, dict(ahead["answers"], hasil_i07="terpenuhi"))
    side_b = child(ahead, dict(ahead["answers"], hasil_i08="tidak_terpenuhi"))
    results = push_as(app, "petugas_plg", [side_a, side_b])
    assert results[-1]["status"] == "merged", results
    assert_scores_follow_heads(app)
    merged = _stored(app)[first["entry_id"]]
    assert unpack_tally(merged["ind_07"]) == (1, 0, 0)
    assert unpack_tally(merged["ind_08"]) == (0, 0, 1)
    # conflict, then its resolution
    base = new_entry(app)
    push_as(
        app,
        "petugas_plg",
        [
            child(base, dict(base["answers"], hasil_i04="sebagian", catatan_i04="a")),
            child(base, dict(base["answers"], hasil_i04="tidak_terpenuhi", catatan_i04="b")),
        ],
    )
    assert_scores_follow_heads(app)
    engine, forms = engine_of(app), state_forms(app)
    head = json.loads(head_answers_text(engine, base["entry_id"]))
    resolved = dict(head, hasil_i04="terpenuhi")
    resolved.pop("catatan_i04", None)
    with app.app_context():
        resolve_conflict(
            engine, forms, _user(app, "spv_plg"), base["entry_id"], resolved,
            parent_rev=head_rev_of(app, base["entry_id"]),
        )  # fmt: skip
    assert_scores_follow_heads(app)
    assert unpack_tally(_stored(app)[base["entry_id"]]["ind_04"]) == (1, 0, 0)
    # supervisor edit
    head = json.loads(head_answers_text(engine, second["entry_id"]))
    with app.app_context():
        edit_entry(
            engine,
            forms,
            _user(app, "admin"),
            second["entry_id"],
            head_rev_of(app, second["entry_id"]),
            dict(head, hasil_i01="tidak_terpenuhi", catatan_i01="MCP di bawah ambang"),
        )
    assert_scores_follow_heads(app)
    assert unpack_tally(_stored(app)[second["entry_id"]]["ind_01"]) == (0, 0, 1)
    # soft delete and restore
    admin = _user(app, "admin")
    soft_delete_entry(engine, admin, first["entry_id"])
    assert_scores_follow_heads(app)
    assert _stored(app)[first["entry_id"]]["deleted"] is True
    restore_entry(engine, admin, first["entry_id"])
    assert_scores_follow_heads(app)


def test_a_move_to_another_region_moves_the_scores(app: Flask) -> None:
    entry = new_entry(app)
    engine, forms = engine_of(app), state_forms(app)
    # the form's kecamatan list follows the regency: give the head a Musi Rawas kecamatan
    # first (written by hand, then noticed by the refresh), so that the move validates
    answers = json.loads(head_answers_text(engine, entry["entry_id"]))
    answers["kecamatan"] = "16.05.01"
    store_head_directly(engine, entry["entry_id"], json.dumps(answers))
    with write_tx(engine) as conn:
        assert refresh_entry_scores(conn) == 1
    with app.app_context():
        move_entry(
            engine,
            forms,
            _user(app, "admin"),
            entry["entry_id"],
            region="16.05",
            officer="petugas_mura",
        )
    assert_scores_follow_heads(app)
    assert _stored(app)[entry["entry_id"]]["region"] == "16.05"


def state_forms(app: Flask) -> Any:
    with app.app_context():
        return state().forms


def test_refresh_stores_heads_written_by_other_means(app: Flask) -> None:
    entry = new_entry(app)
    engine = engine_of(app)
    answers = json.loads(head_answers_text(engine, entry["entry_id"]))
    answers["skor_total"] = "12.5"
    store_head_directly(engine, entry["entry_id"], json.dumps(answers))
    with write_tx(engine) as conn:
        assert refresh_entry_scores(conn) == 1
        assert refresh_entry_scores(conn) == 0  # idempotent
    assert_scores_follow_heads(app)
    assert _stored(app)[entry["entry_id"]]["score"] == 12.5


def test_values_that_are_not_scores_are_stored_as_none() -> None:
    for bad in ("NaN", "abc", True, [1], {"a": 1}, "1e400", -1, 100.5, float("nan"), None, ""):
        assert score_values({"skor_total": bad, "skor_k1": bad})["score"] is None
        assert score_values({"skor_total": bad, "skor_k1": bad})["part_1"] is None
    values = score_values({"ikm": "80.5", "skm_u1": "4", "skm_u2": 5, "persetujuan": "ya"})
    assert (values["score"], values["part_1"], values["part_2"], values["consent"]) == (
        80.5,
        4.0,
        None,
        1,
    )
    assert score_values({"lokasi": {"latitude": 95, "longitude": 10}})["lat"] is None
    assert score_values({"hasil_i01": ["terpenuhi"]})["ind_01"] == 0
    assert score_values("not a dict")["score"] is None
