"""Sign-in, sign-out, session cookie flags, CSRF, rate limiting and the language switch."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from sync_server import create_app
from sync_server.migrate import upgrade
from tests.support.server import create_user, engine_of

from .conftest import PASSWORD, WebClient, as_user, csrf_of


def test_pages_redirect_to_sign_in_when_signed_out(web: WebClient) -> None:
    for url in ("/", "/forms/observasi_kabkota_antikorupsi/entries", "/dashboard", "/admin/users"):
        resp = web.client.get(url)
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/signin?next=")


def test_supervisor_signs_in_and_out(web: WebClient) -> None:
    resp = web.sign_in("spv_plg")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = web.get("/")
    assert page.status_code == 200 and "spv_plg" in page.text
    resp = web.post("/signout")
    assert resp.status_code == 302
    assert web.client.get("/").status_code == 302


def test_officer_is_refused(web: WebClient) -> None:
    resp = web.sign_in("petugas_plg")
    assert resp.status_code == 403
    assert "tablet" in resp.text
    assert web.client.get("/").status_code == 302


def test_wrong_password_then_rate_limit(app: Flask, web: WebClient) -> None:
    app.config["SIGNIN_MAX_FAILURES"] = 3
    for _ in range(3):
        resp = web.sign_in("spv_plg", "salah-salah")
        assert resp.status_code == 401
        assert "Nama pengguna atau kata sandi salah." in resp.text
    resp = web.sign_in("spv_plg")  # right password, but locked out now
    assert resp.status_code == 429
    assert web.client.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(web: WebClient) -> None:
    resp = web.client.post("/signin", data={"username": "spv_plg", "password": PASSWORD})
    assert resp.status_code == 400
    assert "Muat ulang halaman" in resp.text
    signed = as_user(web.client.application, "spv_plg")
    resp = signed.client.post("/signout")
    assert resp.status_code == 400


def test_api_needs_no_csrf_token(web: WebClient) -> None:
    resp = web.client.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "t1"},
    )
    assert resp.status_code == 201


def test_session_cookie_flags(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})  # production defaults
    upgrade(engine_of(app))
    create_user(app, "spv", PASSWORD, "supervisor", ["16.71"])
    client = app.test_client()
    page = client.get("/signin")
    resp = client.post(
        "/signin", data={"username": "spv", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags and "secure" in flags and "samesite=lax" in flags
    engine_of(app).dispose()


def test_next_parameter_cannot_leave_the_site(web: WebClient) -> None:
    page = web.client.get("/signin")
    resp = web.client.post(
        "/signin",
        data={
            "username": "spv_plg",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert resp.headers["Location"] == "/"


def test_language_switch(app: Flask) -> None:
    web = as_user(app, "spv_plg")
    assert "Keluar" in web.get("/").text
    resp = web.client.get("/lang/en?next=/dashboard")
    assert resp.headers["Location"] == "/dashboard"
    page = web.get("/dashboard")
    assert "Sign out" in page.text and "Keluar" not in page.text
    web.client.get("/lang/id")
    assert "Dasbor" in web.get("/dashboard").text


def test_password_reset_ends_existing_sessions(app: Flask) -> None:
    web = as_user(app, "spv_plg")
    admin = as_user(app, "admin")
    admin.get("/admin/users")
    resp = admin.post("/admin/users/spv_plg", {"action": "password", "password": "baru-sekali-1"})
    assert resp.status_code == 302
    assert web.client.get("/").status_code == 302
    assert WebClient(app.test_client()).sign_in("spv_plg", "baru-sekali-1").status_code == 302
