"""Random bodies never make the API answer 500 (Flask test client, SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_server import create_app
from sync_server.db import write_tx
from sync_server.forms_store import publish_file
from sync_server.migrate import upgrade
from sync_server.users import create_user

from .helpers import make_revision
from .services import FORMS_DIR, PASSWORD

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "entry_id",
    "rev",
    "parent_rev",
    "form_id",
    "form_version",
    "region",
    "answers",
    "meta",
    "attachments",
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app({"INSTANCE_PATH": str(path)})
    engine = app.extensions["sync_server"].engine
    upgrade(engine)
    with write_tx(engine) as conn:
        publish_file(conn, FORMS_DIR / "mini.md", actor="test")
        create_user(conn, "petugas_plg", PASSWORD, "officer", ["16.71"])
    test_client = app.test_client()
    token = test_client.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "fuzz"},
    ).get_json()["token"]
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    yield test_client
    engine.dispose()


@st.composite
def mutated_revisions(draw: st.DrawFn) -> dict[str, Any]:
    """A valid mini-form revision with some fields replaced by random JSON."""
    rev = make_revision(
        {"a": draw(st.text("xyz", min_size=1, max_size=3))}, form_id="mini", form_version="1"
    )
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        rev[name] = draw(JSON)
    return rev


FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.lists(mutated_revisions(), min_size=1, max_size=5))
def test_mutated_revisions_get_one_result_each(client, items) -> None:
    resp = client.post("/api/v1/sync/push", json={"revisions": items})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    results = resp.get_json()["results"]
    assert len(results) == len(items)
    for result in results:
        assert result["status"] in ("stored", "duplicate", "merged", "conflict", "rejected")
        if result["status"] == "rejected":
            assert result["message"] and result["message_id"]


@FUZZ
@given(JSON)
def test_random_json_bodies_get_4xx_json(client, body) -> None:
    for url in ("/api/v1/sync/push", "/api/v1/sessions", "/api/v1/attachments/missing"):
        resp = client.post(url, data=json.dumps(body), content_type="application/json")
        assert resp.status_code < 500
        if resp.status_code >= 400:
            assert {"error", "message", "message_id"} <= set(resp.get_json())


@FUZZ
@given(st.binary(max_size=200), st.text(max_size=30))
def test_random_bytes_and_query_strings(client, raw, query) -> None:
    resp = client.post("/api/v1/sync/push", data=raw, content_type="application/json")
    assert 400 <= resp.status_code < 500
    pulled = client.get("/api/v1/sync/pull", query_string={"since": query, "limit": query})
    assert pulled.status_code in (200, 400)
