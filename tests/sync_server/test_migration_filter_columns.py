"""Migration 0004 adds ``entries.kecamatan`` / ``entries.search_text`` and back-fills them from
each entry's head revision (not from older revisions)."""

from __future__ import annotations

import json

from sqlalchemy import select

from sync_server.db import make_engine, write_tx
from sync_server.migrate import current_revision, upgrade
from sync_server.schema import entries, revisions


def _answers(kecamatan: object, name: str) -> str:
    return json.dumps({"kecamatan": kecamatan, "nama_unit": name}, separators=(",", ":"))


def test_upgrade_back_fills_the_filter_columns_from_the_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        assert current_revision(engine) == "0003"
        now = "2024-08-01T00:00:00Z"
        common = {"form_id": "f", "form_version": "1", "region": "16.71", "created_at": now}
        rows = {  # entry id: head rev, [(rev, kecamatan, name)]
            "e1": ("2-b", [("1-a", "16.71.01", "Kantor Lama"), ("2-b", "16.71.02", "RSUD Bari")]),
            "e2": ("1-c", [("1-c", 7, "Puskesmas")]),
        }
        with write_tx(engine) as conn:
            for entry_id, (head, revs) in rows.items():
                # only columns that exist at 0003 (Core inserts just the keys given)
                conn.execute(
                    entries.insert(),
                    {
                        **common,
                        "entry_id": entry_id,
                        "officer": "petugas",
                        "head_rev": head,
                        "updated_at": now,
                    },
                )
                for i, (rev, kecamatan, name) in enumerate(revs):
                    conn.execute(
                        revisions.insert(),
                        {
                            **common,
                            "entry_id": entry_id,
                            "rev": rev,
                            "generation": i + 1,
                            "answers": _answers(kecamatan, name),
                            "meta": json.dumps({"instance_name": "Nama " + entry_id}),
                            "author": "petugas",
                            "author_kind": "device",
                        },
                    )
        upgrade(engine)
        with engine.connect() as conn:
            got = {
                row.entry_id: (row.kecamatan, row.search_text)
                for row in conn.execute(
                    select(entries.c.entry_id, entries.c.kecamatan, entries.c.search_text)
                )
            }
        assert got == {
            "e1": ("16.71.02", "nama e1\nrsud bari"),
            "e2": (None, "nama e2\npuskesmas"),
        }
    finally:
        engine.dispose()
