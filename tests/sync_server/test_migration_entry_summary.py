"""Migration 0010 adds ``entries.entry_date`` / ``entries.entry_name`` (and ``form_columns``) and
back-fills them from each entry's head revision and its published form version: the visit date
and the server-evaluated instance name; entries of an unpublished form get neither."""

from __future__ import annotations

import json

from sqlalchemy import select

from survey_forms import load_pilot_form
from sync_server.db import make_engine, write_tx
from sync_server.migrate import current_revision, upgrade
from sync_server.schema import entries, forms, revisions
from tests.sync_server.helpers import OBS_FORM, OBS_VERSION, observation_answers


def test_upgrade_back_fills_the_entry_date_and_name(database_url: str) -> None:
    engine = make_engine(database_url)
    form = load_pilot_form("observasi")
    try:
        upgrade(engine, "0009")
        assert current_revision(engine) == "0009"
        now = "2024-08-20T00:00:00Z"
        old = dict(observation_answers(), nama_unit="Kantor Lama", tanggal_kunjungan="2024-08-01")
        new = dict(observation_answers(), nama_unit="RSUD Bari", tanggal_kunjungan="2024-08-13")
        with write_tx(engine) as conn:
            conn.execute(
                forms.insert(),
                {
                    "form_id": OBS_FORM,
                    "version": OBS_VERSION,
                    "title": "Observasi",
                    "sha256": "0" * 64,
                    "compiled_json": json.dumps(form.to_json()),
                    "source_filename": "observasi.md",
                    "source_sha256": "0" * 64,
                    "source_bytes": b"",
                    "published_at": now,
                    "published_by": "admin",
                },
            )
            heads = {"e1": (OBS_FORM, "2-b"), "e2": ("tidak_terbit", "1-c")}
            for entry_id, (form_id, head) in heads.items():
                conn.execute(
                    entries.insert(),
                    {"entry_id": entry_id, "form_id": form_id, "form_version": OBS_VERSION,
                     "region": "16.71", "officer": "petugas", "head_rev": head,
                     "created_at": now, "updated_at": now},
                )  # fmt: skip
            revs = [("e1", OBS_FORM, "1-a", old), ("e1", OBS_FORM, "2-b", new),
                    ("e2", "tidak_terbit", "1-c", new)]  # fmt: skip
            for i, (entry_id, form_id, rev, answers) in enumerate(revs):
                conn.execute(
                    revisions.insert(),
                    {"entry_id": entry_id, "rev": rev, "generation": i + 1, "form_id": form_id,
                     "form_version": OBS_VERSION, "region": "16.71",
                     "answers": json.dumps(answers), "meta": "{}", "author": "petugas",
                     "author_kind": "device", "created_at": now},
                )  # fmt: skip
        upgrade(engine)
        with engine.connect() as conn:
            got = {
                row.entry_id: (row.entry_date, row.entry_name)
                for row in conn.execute(
                    select(entries.c.entry_id, entries.c.entry_date, entries.c.entry_name)
                )
            }
        assert got == {
            "e1": ("2024-08-13", "Kota Palembang – RSUD Bari – 2024-08-13"),
            "e2": ("", ""),
        }
    finally:
        engine.dispose()
