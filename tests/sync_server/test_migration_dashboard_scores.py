"""Migration 0011 creates ``entry_scores`` and ``device_contacts`` and back-fills the scores of
existing entries from their head revisions (not from older revisions)."""

from __future__ import annotations

import json

from sqlalchemy import select

from sync_server.db import make_engine, write_tx
from sync_server.entry_scores import unpack_tally
from sync_server.migrate import current_revision, upgrade
from sync_server.schema import entries, entry_scores, revisions


def test_upgrade_back_fills_the_scores_from_the_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0009")
        assert current_revision(engine) == "0009"
        now = "2024-08-01T00:00:00Z"
        common = {"form_id": "f", "form_version": "1", "region": "16.71", "created_at": now}
        old = {"kecamatan": "16.71.01", "skor_total": "10", "hasil_i01": "tidak_terpenuhi"}
        head = {
            "kecamatan": "16.71.02",
            "skor_total": "75.5",
            "skor_k2": "50",
            "hasil_i01": "terpenuhi",
            "lokasi": {"latitude": -2.99, "longitude": 104.75},
        }
        rows = {"e1": ("2-b", [("1-a", old), ("2-b", head)]), "e2": ("1-c", [("1-c", {})])}
        with write_tx(engine) as conn:
            for entry_id, (head_rev, revs) in rows.items():
                conn.execute(
                    entries.insert(),
                    {
                        **common,
                        "entry_id": entry_id,
                        "officer": "petugas",
                        "head_rev": head_rev,
                        "updated_at": now,
                        "deleted_at": now if entry_id == "e2" else None,
                    },
                )
                for i, (rev, answers) in enumerate(revs):
                    conn.execute(
                        revisions.insert(),
                        {
                            **common,
                            "entry_id": entry_id,
                            "rev": rev,
                            "generation": i + 1,
                            "answers": json.dumps(answers),
                            "author": "petugas",
                            "author_kind": "device",
                        },
                    )
        upgrade(engine)
        with engine.connect() as conn:
            got = {r["entry_id"]: dict(r) for r in conn.execute(select(entry_scores)).mappings()}
        assert set(got) == {"e1", "e2"}
        e1 = got["e1"]
        assert (e1["rev"], e1["kecamatan"], e1["score"], e1["part_2"], e1["deleted"]) == (
            "2-b",
            "16.71.02",
            75.5,
            50.0,
            False,
        )
        assert unpack_tally(e1["ind_01"]) == (1, 0, 0)
        assert (e1["lat"], e1["lon"]) == (-2.99, 104.75)
        e2 = got["e2"]
        assert (e2["kecamatan"], e2["score"], e2["deleted"]) == ("", None, True)
    finally:
        engine.dispose()
