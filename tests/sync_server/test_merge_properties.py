"""Property test of the merge: random revision graphs of the observation form (several tablets
and a supervisor; edits of overlapping and disjoint answers and of repeat instances, with
"@key" once validation accepts it; merges, resolutions, late revisions) delivered in random
orders and batchings to several fresh servers (tests/sync_server/merge_scenarios.py).

Short form here (under a minute on a quiet machine): 200 scenarios with repeat keys on two
model servers over the pure merge (tests/sync_server/merge_model.py); 20 scenarios on real
in-process servers (SQLite, PostgreSQL when available) next to a model server, which must all
agree on every head; and a few through the live HTTP server. The long form is ``make stress``
(``stress.merge_properties``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_server import create_app
from sync_server.db import read_tx
from sync_server.entries import edit_entry, get_entry, push, resolve_conflict
from sync_server.migrate import upgrade
from sync_server.service_errors import ServiceError
from sync_server.state import state
from sync_server.users import get_user
from tests.support.fixtures import PG_ENV
from tests.support.server import engine_of

from .conftest import seed
from .helpers import Client
from .merge_model import ModelServer
from .merge_scenarios import FORM, keys_accepted, play

KEYED = keys_accepted()


class CoreServer:
    """An in-process server: the core services of one app on its own database."""

    def __init__(self, name: str, app: Flask) -> None:
        self.name = name
        self.app = app
        with app.app_context(), read_tx(engine_of(app)) as conn:
            self.officer = get_user(conn, "petugas_plg")
            self.supervisor = get_user(conn, "spv_plg")

    def push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.app.app_context():
            return push(engine_of(self.app), state().forms, self.officer, items)

    def entry(self, entry_id: str) -> dict[str, Any]:
        with self.app.app_context(), read_tx(engine_of(self.app)) as conn:
            return get_entry(conn, self.supervisor, entry_id)

    def _call(self, fn: Any, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        with self.app.app_context():
            try:
                if fn is resolve_conflict:
                    fn(
                        engine_of(self.app),
                        state().forms,
                        self.supervisor,
                        entry_id,
                        answers,
                        None,
                        parent,
                    )
                else:
                    fn(
                        engine_of(self.app),
                        state().forms,
                        self.supervisor,
                        entry_id,
                        parent,
                        answers,
                    )
            except ServiceError as exc:
                return exc.status
        return 201

    def resolve(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        return self._call(resolve_conflict, entry_id, answers, parent)

    def edit(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        return self._call(edit_entry, entry_id, answers, parent)


class HttpServer:
    """The live server through the HTTP API (a tablet and a supervisor client)."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.tablet = Client(url, "petugas_plg")
        self.spv = Client(url, "spv_plg")

    def push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.tablet.push(*items)

    def entry(self, entry_id: str) -> dict[str, Any]:
        resp = self.spv.get(f"/entries/{entry_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def resolve(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        body = {"answers": answers, "parent_rev": parent}
        return self.spv.post(f"/entries/{entry_id}/resolve", json=body).status_code

    def edit(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        body = {"answers": answers, "parent_rev": parent}
        return self.spv.post(f"/entries/{entry_id}/revisions", json=body).status_code


def _app(url: str, instance: Path) -> Flask:
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url})
    upgrade(engine_of(app))
    seed(SimpleNamespace(app=app))  # type: ignore[arg-type]
    return app


@pytest.fixture
def core_servers(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[list[Any]]:
    apps = [("sqlite", _app(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path / "a"))]
    if os.environ.get(PG_ENV):
        url = request.getfixturevalue("postgres_schema_url")
        apps.append(("postgres", _app(url, tmp_path / "c")))
    yield [CoreServer(name, app) for name, app in apps]
    for _, app in apps:
        engine_of(app).dispose()


SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=200, **SETTINGS)
@given(seed_=st.integers(0, 2**32 - 1))
def test_keyed_histories_merge_the_same_on_model_servers(seed_: int) -> None:
    play(seed_, [ModelServer("model-1", FORM), ModelServer("model-2", FORM)], True, phases=3)


@settings(max_examples=20, **SETTINGS)
@given(seed_=st.integers(0, 2**32 - 1))
def test_histories_merge_the_same_on_sqlite_postgres_and_the_model(
    core_servers: list[Any], seed_: int
) -> None:
    servers = [*core_servers, ModelServer("model", FORM, accept_keys=KEYED)]
    play(seed_, servers, KEYED, phases=3)


def test_random_histories_on_the_live_server(server) -> None:
    """A few scenarios through HTTP on the live server (SQLite or PostgreSQL), next to a model
    server given other orders and batchings."""
    servers = [HttpServer("live", server.url), ModelServer("model", FORM, accept_keys=KEYED)]
    for seed_ in range(6):
        play(1000 + seed_, servers, KEYED, phases=3)
