"""The OpenAPI document is served and describes exactly the API's routes."""

from __future__ import annotations

import re

from sync_server import create_app


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"OPTIONS"}:
            out.add((path, method.lower()))
    return out


def test_openapi_matches_the_routes(tmp_path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    client = app.test_client()
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    documented = {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "head", "patch"}
    }
    # Flask answers HEAD for every GET route by itself: the document lists those HEADs too.
    assert documented == _routes(app)
    for item in doc["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op["summary"] and op["responses"]


def test_every_error_code_used_has_both_languages() -> None:
    from sync_server.messages import CATALOG

    for code, texts in CATALOG.items():
        assert set(texts) == {"id", "en"}, code
        assert texts["id"] != texts["en"], code
