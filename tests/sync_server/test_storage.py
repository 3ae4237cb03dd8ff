"""Schema and storage: migrations match the tables, SQLite pragmas, unique constraints."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from sync_server.db import make_engine, write_tx
from sync_server.migrate import current_revision, head_revision, upgrade
from sync_server.schema import metadata, revisions

#: Objects of migration 0005 that schema.py does not declare (PostgreSQL only).
_SEARCH_OBJECTS = ("ix_entries_search_trgm",)


def _declared_in_schema_py(name: str | None, kind: str, _parent: object) -> bool:
    return not (name and kind in ("table", "index") and name.startswith(_SEARCH_OBJECTS))


def test_migrations_create_exactly_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        upgrade(engine)  # a second run is a no-op
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": _declared_in_schema_py}
            )
            diff = compare_metadata(context, metadata)
        assert diff == []
        # the text-search index of migration 0005 (PostgreSQL only), outside schema.py
        names = set(inspect(engine).get_table_names())
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("entries")}
        if engine.dialect.name == "sqlite":
            assert not any(name.startswith("entry_search") for name in names)
        else:
            assert "ix_entries_search_trgm" in indexes
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: durable commits
    engine.dispose()


def test_the_database_refuses_a_second_copy_of_a_revision(database_url: str) -> None:
    """Uniqueness is the database's job, not a check-then-insert in Python."""
    engine = make_engine(database_url)
    upgrade(engine)
    now = "2024-08-13T00:00:00.000000Z"
    entry = {
        "entry_id": "11111111-1111-1111-1111-111111111111",
        "form_id": "f",
        "form_version": "1",
        "region": "16.71",
        "officer": "x",
        "head_rev": "1-" + "a" * 32,
        "created_at": now,
        "updated_at": now,
    }
    rev = {
        "entry_id": entry["entry_id"],
        "rev": entry["head_rev"],
        "generation": 1,
        "form_id": "f",
        "form_version": "1",
        "region": "16.71",
        "answers": "{}",
        "author": "x",
        "author_kind": "device",
        "created_at": now,
    }
    with write_tx(engine) as conn:
        conn.execute(metadata.tables["entries"].insert().values(**entry))
        conn.execute(revisions.insert().values(**rev))
    with pytest.raises(IntegrityError), write_tx(engine) as conn:
        conn.execute(revisions.insert().values(**rev))
    with pytest.raises(IntegrityError), write_tx(engine) as conn:
        conn.execute(metadata.tables["entries"].insert().values(**entry))
    with pytest.raises(IntegrityError), write_tx(engine) as conn:  # foreign key
        conn.execute(revisions.insert().values(**{**rev, "entry_id": "nope"}))
    engine.dispose()


def test_audit_log_and_revisions_are_append_only(database_url: str) -> None:
    from sqlalchemy import delete, update

    from sync_server import audit
    from sync_server.schema import audit_log

    engine = make_engine(database_url)
    upgrade(engine)
    now = "2024-08-13T00:00:00.000000Z"
    with write_tx(engine) as conn:
        audit.record(conn, "tester", "user.create", "user", "x", {})
        conn.execute(
            metadata.tables["entries"]
            .insert()
            .values(
                entry_id="e",
                form_id="f",
                form_version="1",
                region="16.71",
                officer="x",
                head_rev="1-" + "a" * 32,
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            revisions.insert().values(
                entry_id="e",
                rev="1-" + "a" * 32,
                generation=1,
                form_id="f",
                form_version="1",
                region="16.71",
                answers="{}",
                author="x",
                author_kind="device",
                created_at=now,
            )
        )
    for statement in (
        update(audit_log).values(actor="someone else"),
        delete(audit_log),
        update(revisions).values(author="x"),
        delete(revisions),
    ):
        with pytest.raises(Exception, match="append-only"), write_tx(engine) as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(select(audit_log.c.actor)).scalars().all() == ["tester"]
    engine.dispose()


def test_migrations_downgrade_and_upgrade_again(database_url: str) -> None:
    from alembic import command

    from sync_server.migrate import alembic_config

    engine = make_engine(database_url)
    upgrade(engine)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert current_revision(engine) not in (None, head_revision())
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
