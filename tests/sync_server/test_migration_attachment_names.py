"""Migration 0013 keys ``entry_attachments`` by file name too: a photo attached to two questions
of one entry (same bytes, two names) was one row before; the upgrade adds the missing names from
each entry's head revision (its answers, in groups and repeats, and its ``attachments`` list),
keeps the rows it had, and leaves entries without photos alone. The downgrade keeps one name per
file again."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import Engine, select

from sync_server.db import make_engine, write_tx
from sync_server.migrate import alembic_config, current_revision, head_revision, upgrade
from sync_server.schema import entries, entry_attachments, revisions

SHA_A = "a" * 64
SHA_B = "b" * 64


def _ref(sha: str, name: str) -> dict[str, str]:
    return {"sha256": sha, "filename": name, "media_type": "image/jpeg"}


def _rows(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted(
            (r.entry_id, r.sha256, r.filename)
            for r in conn.execute(select(entry_attachments)).all()
        )


def test_upgrade_adds_every_file_name_of_the_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0012")
        now = "2024-08-20T00:00:00Z"
        old_head = {"foto_i08": _ref(SHA_B, "lama.jpg")}
        head = {
            "foto_i08": _ref(SHA_A, "foto_i08-e1-aaaaaaaa.jpg"),
            "grp": {"foto_i10": _ref(SHA_A, "foto_i10-e1-aaaaaaaa.jpg")},
            "ulang": [{"foto_r": _ref(SHA_A, "foto_r-e1-aaaaaaaa.jpg")}, {"teks": "x"}],
        }
        with write_tx(engine) as conn:
            for entry_id, head_rev in (("e1", "2-b"), ("e2", "1-c"), ("e3", "1-d")):
                conn.execute(
                    entries.insert(),
                    {"entry_id": entry_id, "form_id": "f", "form_version": "1",
                     "region": "16.71", "officer": "petugas", "head_rev": head_rev,
                     "created_at": now, "updated_at": now},
                )  # fmt: skip
            revs = [
                ("e1", "1-a", old_head, [_ref(SHA_B, "lama.jpg")]),
                # the tablet's list names each file once by hash (the last name)
                ("e1", "2-b", head, [_ref(SHA_A, "foto_r-e1-aaaaaaaa.jpg")]),
                # a listed file no answer names is kept
                ("e2", "1-c", {"teks": "tanpa foto"}, [_ref(SHA_B, "lampiran.jpg")]),
                ("e3", "1-d", {"teks": "tanpa foto"}, []),
            ]
            for i, (entry_id, rev, answers, listed) in enumerate(revs):
                conn.execute(
                    revisions.insert(),
                    {"entry_id": entry_id, "rev": rev, "generation": i + 1, "form_id": "f",
                     "form_version": "1", "region": "16.71", "answers": json.dumps(answers),
                     "meta": "{}", "attachments": json.dumps(listed), "author": "petugas",
                     "author_kind": "device", "created_at": now},
                )  # fmt: skip
            conn.execute(
                entry_attachments.insert(),
                [
                    {"entry_id": "e1", **_ref(SHA_A, "foto_r-e1-aaaaaaaa.jpg")},
                    {"entry_id": "e2", **_ref(SHA_B, "lampiran.jpg")},
                ],
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert _rows(engine) == [
            ("e1", SHA_A, "foto_i08-e1-aaaaaaaa.jpg"),
            ("e1", SHA_A, "foto_i10-e1-aaaaaaaa.jpg"),
            ("e1", SHA_A, "foto_r-e1-aaaaaaaa.jpg"),
            ("e2", SHA_B, "lampiran.jpg"),
        ]
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012")
        assert current_revision(engine) == "0012"
        assert _rows(engine) == [
            ("e1", SHA_A, "foto_i08-e1-aaaaaaaa.jpg"),
            ("e2", SHA_B, "lampiran.jpg"),
        ]
        with write_tx(engine) as conn:  # the old key is back: one name per file and entry
            conn.execute(entry_attachments.insert(), {"entry_id": "e3", **_ref(SHA_A, "satu.jpg")})
        upgrade(engine)
        assert ("e1", SHA_A, "foto_i10-e1-aaaaaaaa.jpg") in _rows(engine)
    finally:
        engine.dispose()
