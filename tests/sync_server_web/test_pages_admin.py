"""Administration pages: users (create, role/regions, reset password, revoke tokens), form
upload with load errors shown with sheet and row, and the audit log."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask

from .conftest import PASSWORD, WebClient, as_user

MINI = Path(__file__).resolve().parents[1] / "sync_server" / "forms" / "mini.md"


def test_create_and_change_a_user(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/users")
    resp = admin.post(
        "/admin/users",
        {
            "username": "spv_baru",
            "full_name": "Supervisor Baru",
            "role": "supervisor",
            "regions": "16.71, 16.05",
            "password": "sandi-baru-1",
        },
    )
    assert resp.status_code == 302
    page = admin.get("/admin/users").text
    assert "Pengguna spv_baru dibuat." in page and "16.05 16.71" in page
    assert WebClient(app.test_client()).sign_in("spv_baru", "sandi-baru-1").status_code == 302
    admin.post(
        "/admin/users/spv_baru",
        {"role": "officer", "regions": "16.05", "full_name": "Petugas", "active": "1"},
    )
    assert WebClient(app.test_client()).sign_in("spv_baru", "sandi-baru-1").status_code == 403
    admin.post("/admin/users/spv_baru", {"role": "officer", "regions": "16.05"})  # inactive
    assert WebClient(app.test_client()).sign_in("spv_baru", "sandi-baru-1").status_code == 401


def test_bad_user_is_refused_with_a_message(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/users")
    resp = admin.post(
        "/admin/users",
        {"username": "x", "role": "supervisor", "regions": "", "password": "pendek"},
    )
    assert "Tidak disimpan" in admin.get(resp.headers["Location"]).text


def test_revoke_device_tokens(app: Flask) -> None:
    client = app.test_client()
    token = client.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "tab"},
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200
    admin = as_user(app, "admin")
    admin.get("/admin/users")
    resp = admin.post("/admin/users/petugas_plg", {"action": "revoke"})
    assert (
        "1 token perangkat milik petugas_plg dicabut." in admin.get(resp.headers["Location"]).text
    )
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401


def test_upload_a_form_and_see_its_versions(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(MINI.read_bytes()), "mini.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    page = admin.get("/admin/forms").text
    assert "diterbitkan" in page and "mini.md" in page
    forms = app.test_client()
    token = forms.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "tab"},
    ).json["token"]
    listed = forms.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"}).json
    assert len(listed["forms"]) == 3


def test_broken_form_shows_sheet_and_row(app: Flask) -> None:
    broken = MINI.read_text("utf-8").replace("| integer |", "| integr |", 1)
    assert broken != MINI.read_text("utf-8")
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(broken.encode()), "mini_rusak.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert 'id="load-error"' in resp.text
    assert "Lembar: <b>survey</b>" in resp.text and "baris <b>" in resp.text
    assert "integr" in resp.text


def test_incompatible_version_is_refused_with_the_reasons(app: Flask) -> None:
    """A new version that changes a question's type or repeat shows why, in Indonesian."""
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    folder = MINI.parent
    for name in ("mini.md", "mini_v3_incompatible.md"):
        resp = admin.post(
            "/admin/forms",
            {"file": (io.BytesIO((folder / name).read_bytes()), name)},
            content_type="multipart/form-data",
        )
    assert resp.status_code == 400, resp.text
    assert 'id="load-error"' in resp.text
    assert "Versi 3 dari mini akan merusak data versi sebelumnya" in resp.text
    assert "Pertanyaan n (baris" in resp.text and "dari integer menjadi date" in resp.text
    assert "Pertanyaan t (baris" in resp.text and "pindah dari pengulangan r ke -" in resp.text
    assert "mini_v3_incompatible.md" not in admin.get("/admin/forms").text


def test_audit_log_pages(app: Flask) -> None:
    admin = as_user(app, "admin")
    page = admin.get("/admin/audit").text
    assert "user.create" in page and "form.publish" in page
    only = admin.get("/admin/audit?actor=nobody").text
    assert "Belum ada catatan." in only
