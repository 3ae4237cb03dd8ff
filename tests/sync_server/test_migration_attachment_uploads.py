"""Migration 0008 gives every file stored before it an upload row for the account that sent it,
so that account keeps seeing its not-yet-used photos and its quota counts them."""

from __future__ import annotations

from sqlalchemy import select, text

from sync_server.db import make_engine, write_tx
from sync_server.migrate import current_revision, head_revision, upgrade
from sync_server.schema import attachment_uploads


def test_upgrade_records_the_first_uploader_of_every_file(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0007")
        with write_tx(engine) as conn:
            for n, who in enumerate(("petugas_plg", "petugas_mura")):
                conn.execute(
                    text(
                        "INSERT INTO attachments (sha256, size, media_type, stored_at, "
                        "uploaded_by) VALUES (:sha, :size, 'image/jpeg', :at, :who)"
                    ),
                    {
                        "sha": str(n) * 64,
                        "size": 100 + n,
                        "at": f"2024-01-0{n + 1}T00:00Z",
                        "who": who,
                    },
                )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            rows = conn.execute(
                select(attachment_uploads).order_by(attachment_uploads.c.sha256)
            ).all()
        assert [tuple(r) for r in rows] == [
            ("0" * 64, "petugas_plg", 100, "2024-01-01T00:00Z"),
            ("1" * 64, "petugas_mura", 101, "2024-01-02T00:00Z"),
        ]
    finally:
        engine.dispose()
