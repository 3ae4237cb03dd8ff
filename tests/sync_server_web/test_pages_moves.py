"""The admin's "move the entry" form on the entry page; the move reaches the new officer's feed."""

from __future__ import annotations

from flask import Flask

from tests.support.server import create_user

from .conftest import PASSWORD, as_user
from .data import new_entry


def _pull(app: Flask, username: str) -> list[dict]:
    api = app.test_client()
    token = api.post(
        "/api/v1/sessions",
        json={"username": username, "password": PASSWORD, "device_id": f"tab-{username}"},
    ).json["token"]
    return api.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"}).json[
        "changes"
    ]


def test_admin_moves_an_entry_to_another_officer_from_the_entry_page(app: Flask) -> None:
    create_user(app, "petugas_plg2", PASSWORD, "officer", ["16.71"])
    rev = new_entry(app)
    entry_id = rev["entry_id"]
    spv = as_user(app, "spv_plg")
    assert 'id="move-form"' not in spv.get(f"/entries/{entry_id}").text
    assert spv.post(f"/entries/{entry_id}/move", {"officer": "petugas_plg2"}).status_code == 403
    admin = as_user(app, "admin")
    assert 'id="move-form"' in admin.get(f"/entries/{entry_id}").text
    resp = admin.post(f"/entries/{entry_id}/move", {"officer": "nobody"})
    assert resp.status_code == 302
    assert "tidak ada atau tidak aktif" in admin.get(f"/entries/{entry_id}").text
    resp = admin.post(f"/entries/{entry_id}/move", {"officer": "petugas_plg2"})
    assert resp.status_code == 302
    assert "Entri dipindahkan" in admin.get(f"/entries/{entry_id}").text
    assert [c for c in _pull(app, "petugas_plg2") if c.get("entry_id") == entry_id]
    assert admin.get(f"/entries/{entry_id}").status_code == 200
