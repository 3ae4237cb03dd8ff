"""The limits the OpenAPI document declares are the ones the server enforces.

Each declared number is read back from the served document and compared with the config value
or the constant the view checks, then probed at the boundary where that is cheap: a value one
past the declared limit is refused with a 4xx, never a 5xx.
"""

from __future__ import annotations

from typing import Any

import pytest

from sync_server import api_limits, create_app
from sync_server.config import DEFAULTS


def _served(tmp_path, **config: Any) -> dict[str, Any]:
    app = create_app({"INSTANCE_PATH": str(tmp_path), **config})
    resp = app.test_client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _body_schema(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    "config",
    [
        {},
        {
            "MAX_BATCH": 7,
            "MAX_STRING_LENGTH": 99,
            "MAX_ANSWERS_BYTES": 1234,
            "MAX_CONTENT_LENGTH": 4321,
            "PULL_LIMIT_MAX": 33,
        },
    ],
)
def test_document_limits_follow_the_config(tmp_path, config: dict[str, Any]) -> None:
    cfg = {**DEFAULTS, **config}
    doc = _served(tmp_path, **config)
    schemas = doc["components"]["schemas"]
    push = _body_schema(doc, "/sync/push")["properties"]["revisions"]
    assert push["maxItems"] == cfg["MAX_BATCH"]
    answers = schemas["Answers"]
    texts = [s for s in answers["additionalProperties"]["anyOf"] if s.get("type") == "string"]
    assert texts and all(s["maxLength"] == cfg["MAX_STRING_LENGTH"] for s in texts)
    assert str(cfg["MAX_ANSWERS_BYTES"]) in answers["description"]
    limit = next(p for p in doc["paths"]["/sync/pull"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == cfg["PULL_LIMIT_MAX"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters" or "requestBody" not in op:
                continue
            assert "413" in op["responses"], (path, method)
            assert str(cfg["MAX_CONTENT_LENGTH"]) in op["requestBody"]["description"]
            if "application/json" in op["requestBody"]["content"]:
                assert "415" in op["responses"], (path, method)


def test_fixed_field_limits_are_the_enforced_constants(tmp_path) -> None:
    doc = _served(tmp_path)
    sign_in = _body_schema(doc, "/sessions")["properties"]
    assert sign_in["username"]["maxLength"] == api_limits.MAX_USERNAME == 64
    assert sign_in["device_id"]["maxLength"] == api_limits.MAX_DEVICE_ID == 200
    assert sign_in["password"]["maxLength"] == api_limits.MAX_PASSWORD == 1024
    hashes = _body_schema(doc, "/attachments/missing")["properties"]["sha256"]
    assert hashes["maxItems"] == api_limits.MAX_HASHES == 5000
    for path in ("/entries/{entry_id}/review", "/entries/{entry_id}/revisions"):
        comment = _body_schema(doc, path)["properties"]["comment"]
        assert comment["maxLength"] == api_limits.MAX_COMMENT == 5000
    since = next(p for p in doc["paths"]["/sync/pull"]["get"]["parameters"] if p["name"] == "since")
    assert since["schema"]["pattern"] == "^(c[0-9]{1,19})?$"
    assert {"413", "415", "429"} <= set(doc["paths"]["/attachments/{sha256}"]["put"]["responses"])
    assert "429" in doc["paths"]["/sessions"]["post"]["responses"]
    assert "head" in doc["paths"]["/forms"] and "head" in doc["paths"]["/attachments/{sha256}"]


def test_one_past_each_declared_limit_is_refused(tmp_path) -> None:
    """The server refuses what the document says it refuses (a 4xx, not a 5xx)."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MAX_BATCH": 3})
    client = app.test_client()
    too_long = {
        "username": "u" * (api_limits.MAX_USERNAME + 1),
        "password": "p" * (api_limits.MAX_PASSWORD + 1),
        "device_id": "d" * (api_limits.MAX_DEVICE_ID + 1),
    }
    for field, value in too_long.items():
        body = {"username": "u", "password": "p", "device_id": "d", field: value}
        assert client.post("/api/v1/sessions", json=body).status_code == 400, field
    big = client.post(
        "/api/v1/sessions",
        data=b"x" * (DEFAULTS["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/json",
    )
    assert big.status_code == 413
    assert client.post("/api/v1/sessions", data="{}", content_type="text/plain").status_code == 415
    assert client.get("/api/v1/sync/pull?since=x1").status_code in (400, 401)
