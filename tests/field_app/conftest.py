"""Fixtures of the field_app tests: a real sync server on loopback, seeded for the tablet.

``live_server`` comes from ``tests.support.fixtures`` (registered in ``tests/conftest.py``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from survey_forms import pilot_form_path
from tests.field_app.helpers import KUNJUNGAN
from tests.support.server import LiveServer, create_user, publish_form

PASSWORD = "rahasia-123"


@pytest.fixture
def server(live_server: LiveServer, tmp_path: Path) -> LiveServer:
    """The live server (SQLite, and PostgreSQL when available) with forms and accounts."""
    publish_form(live_server.app, pilot_form_path("observasi"))
    form_file = tmp_path / "kunjungan_uji.md"
    form_file.write_text(textwrap.dedent(KUNJUNGAN), encoding="utf-8")
    publish_form(live_server.app, form_file)
    create_user(live_server.app, "petugas", PASSWORD, "officer", ["16.71"], "Petugas Satu")
    create_user(live_server.app, "spv", PASSWORD, "supervisor", ["16.71"], "Supervisor")
    create_user(live_server.app, "admin", PASSWORD, "admin", [], "Admin")
    return live_server
