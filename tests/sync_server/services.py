"""A migrated database with the mini test form and accounts, for service-level tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from sync_server.db import make_engine, write_tx
from sync_server.forms_store import FormCache, publish_file
from sync_server.migrate import upgrade
from sync_server.users import User, create_user

FORMS_DIR = Path(__file__).resolve().parent / "forms"
PASSWORD = "rahasia-123"


@dataclass
class ServiceDb:
    """Engine, form cache and the accounts of a test database."""

    engine: Engine
    forms: FormCache
    officer: User
    officer2: User
    supervisor: User
    admin: User


def make_service_db(url: str) -> ServiceDb:
    """Migrate ``url``, publish the mini form and create one account per role."""
    engine = make_engine(url)
    upgrade(engine)
    with write_tx(engine) as conn:
        publish_file(conn, FORMS_DIR / "mini.md", actor="test")
        officer = create_user(conn, "petugas_plg", PASSWORD, "officer", ["16.71"])
        officer2 = create_user(conn, "petugas_mura", PASSWORD, "officer", ["16.05"])
        supervisor = create_user(conn, "spv_plg", PASSWORD, "supervisor", ["16.71"])
        admin = create_user(conn, "admin", PASSWORD, "admin", [])
    return ServiceDb(engine, FormCache(), officer, officer2, supervisor, admin)
