"""Fixtures of the web page tests: an app on a fresh SQLite file with the pilot forms, one
account per role (two supervisors of different regions), and signed-in test clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_forms import pilot_form_path
from sync_server import create_app
from sync_server.entries import push
from sync_server.migrate import upgrade
from sync_server.state import state
from tests.support.server import create_user, engine_of, publish_form

PASSWORD = "rahasia-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PARENT_REV_RE = re.compile(r'name="parent_rev" value="([^"]+)"')


def seed_accounts(app: Flask) -> None:
    """Publish the pilot forms and create the test accounts."""
    publish_form(app, pilot_form_path("observasi"))
    publish_form(app, pilot_form_path("survei_masyarakat"))
    create_user(app, "petugas_plg", PASSWORD, "officer", ["16.71"])
    create_user(app, "petugas_mura", PASSWORD, "officer", ["16.05"])
    create_user(app, "spv_plg", PASSWORD, "supervisor", ["16.71"], "Supervisor Palembang")
    create_user(app, "spv_mura", PASSWORD, "supervisor", ["16.05"])
    create_user(app, "admin", PASSWORD, "admin", [])


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A migrated, seeded app (SQLite, and PostgreSQL when ``SURVEY_TEST_DATABASE_URL`` is set)
    with secure cookies off (the test client speaks plain HTTP)."""
    application = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    upgrade(engine_of(application))
    seed_accounts(application)
    yield application
    engine_of(application).dispose()


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def parent_rev_of(html: str) -> str:
    """The revision a page was made from (its hidden ``parent_rev``), as a browser posts it."""
    match = PARENT_REV_RE.search(html)
    assert match, "no parent_rev in the page"
    return match.group(1)


def head_rev_of(app: Flask, entry_id: str) -> str:
    """An entry's current head revision (what a supervisor who just looked has seen)."""
    from sqlalchemy import select

    from sync_server.schema import entries

    with engine_of(app).connect() as conn:
        return conn.execute(
            select(entries.c.head_rev).where(entries.c.entry_id == entry_id)
        ).scalar_one()


class WebClient:
    """A test client that signs in through the real sign-in form and posts with CSRF tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/signin")
        return self.client.post(
            "/signin",
            data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        )

    def get(self, url: str, **kwargs: Any) -> Any:
        resp = self.client.get(url, **kwargs)
        if resp.status_code == 200 and resp.mimetype == "text/html" and "csrf_token" in resp.text:
            self.token = csrf_of(resp.text)
        return resp

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if self.token is None:
            self.get("/")
        payload = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=payload, **kwargs)


@pytest.fixture
def web(app: Flask) -> WebClient:
    """A client that is not signed in yet."""
    return WebClient(app.test_client())


def as_user(app: Flask, username: str) -> WebClient:
    """A new client signed in as ``username``."""
    client = WebClient(app.test_client())
    resp = client.sign_in(username)
    assert resp.status_code == 302, resp.text
    return client


def push_as(app: Flask, username: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Push revisions through the core service as ``username`` (as the API would)."""
    from sync_server.db import read_tx
    from sync_server.users import get_user

    with app.app_context():
        with read_tx(engine_of(app)) as conn:
            user = get_user(conn, username)
        return push(engine_of(app), state().forms, user, items)
