"""A password reset or change and a deactivation end every device token and web session of the
account for good; signing out ends the web session on the server (a captured cookie is refused).

Through the live server (SQLite and PostgreSQL), with the admin pages as an admin uses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import itsdangerous.timed
import pytest
import requests
from sqlalchemy import select

import sync_server.users as users_mod
import sync_server.web_sessions as web_sessions_mod
from sync_server.clock import iso
from sync_server.db import read_tx, write_tx
from sync_server.schema import device_tokens, web_sessions
from tests.support.server import LiveServer, engine_of

from .helpers import PASSWORD
from .signin_helpers import Browser, api_sign_in, seeded_server, session_from


@pytest.fixture
def web_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with seeded_server(database_url, tmp_path) as live:
        yield live


def token_works(server: LiveServer, token: str) -> bool:
    resp = requests.get(
        server.url + "/api/v1/forms", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert resp.status_code in (200, 401), resp.text
    return resp.status_code == 200


def replay(server: LiveServer, cookie: str) -> bool:
    """Does a fresh client carrying only this captured session cookie get in?"""
    http = session_from()
    http.cookies.set("session", cookie)
    return http.get(server.url + "/", allow_redirects=False, timeout=30).status_code == 200


def admin(server: LiveServer) -> Browser:
    browser = Browser(server.url)
    assert browser.sign_in("admin").status_code == 302
    assert browser.get("/admin/users").status_code == 200
    return browser


def spv_access(server: LiveServer) -> tuple[str, Browser, str]:
    """A device token, a signed-in browser and its captured cookie, all of spv_plg."""
    resp = api_sign_in(session_from(), server.url, "spv_plg")
    assert resp.status_code == 201, resp.text
    browser = Browser(server.url)
    assert browser.sign_in("spv_plg").status_code == 302
    cookie = browser.cookie()
    assert cookie and browser.signed_in() and replay(server, cookie)
    return resp.json()["token"], browser, cookie


def set_active(adm: Browser, username: str, active: bool) -> None:
    form = {"action": "update", "role": "supervisor", "regions": "16.71", "full_name": ""}
    if active:
        form["active"] = "1"
    assert adm.post(f"/admin/users/{username}", form).status_code == 302


def test_password_reset_ends_tokens_and_web_sessions(web_server: LiveServer) -> None:
    token, browser, cookie = spv_access(web_server)
    assert token_works(web_server, token)
    resp = admin(web_server).post(
        "/admin/users/spv_plg", {"action": "password", "password": "baru-sekali-1"}
    )
    assert resp.status_code == 302
    assert not token_works(web_server, token)
    assert not browser.signed_in() and not replay(web_server, cookie)
    assert api_sign_in(session_from(), web_server.url, "spv_plg").status_code == 401
    assert (
        api_sign_in(session_from(), web_server.url, "spv_plg", "baru-sekali-1").status_code == 201
    )


def test_deactivation_ends_access_and_reactivation_brings_none_back(
    web_server: LiveServer,
) -> None:
    token, browser, cookie = spv_access(web_server)
    adm = admin(web_server)
    set_active(adm, "spv_plg", False)
    assert not token_works(web_server, token) and not replay(web_server, cookie)
    set_active(adm, "spv_plg", True)
    assert not token_works(web_server, token)
    assert not browser.signed_in() and not replay(web_server, cookie)
    # the account itself works again: new sign-ins are fine
    assert Browser(web_server.url).sign_in("spv_plg").status_code == 302
    assert api_sign_in(session_from(), web_server.url, "spv_plg").status_code == 201


def test_a_cookie_captured_before_sign_out_is_refused(web_server: LiveServer) -> None:
    _, browser, cookie = spv_access(web_server)
    other = Browser(web_server.url)
    assert other.sign_in("spv_plg").status_code == 302
    assert browser.post("/signout", {}).status_code == 302
    assert not browser.signed_in()
    assert not replay(web_server, cookie)
    assert other.signed_in()  # signing out ends this browser's session only


def test_a_cookie_captured_before_a_password_change_is_refused(web_server: LiveServer) -> None:
    adm = admin(web_server)
    captured = adm.cookie()
    assert captured and replay(web_server, captured)
    resp = adm.post("/admin/users/admin", {"action": "password", "password": "ganti-sandi-9"})
    assert resp.status_code == 302
    assert not replay(web_server, captured)
    assert not adm.signed_in()
    assert Browser(web_server.url).sign_in("admin", "ganti-sandi-9").status_code == 302
    assert Browser(web_server.url).sign_in("admin", PASSWORD).status_code == 401


def test_web_sessions_still_expire(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ends of a web sign-in expire: the server's session row and the cookie's signed
    time. Each is checked on its own by moving its clock past the lifetime (a 2 s lifetime on
    the wall clock could run out between the sign-in and the first replay on a loaded
    machine)."""
    lifetime = 600
    with seeded_server(database_url, tmp_path, PERMANENT_SESSION_LIFETIME=lifetime) as live:
        browser = Browser(live.url)
        assert browser.sign_in("spv_plg").status_code == 302
        cookie = browser.cookie()
        assert cookie and replay(live, cookie)
        later_clock = datetime.now(UTC) + timedelta(seconds=lifetime + 60)
        with monkeypatch.context() as moved:  # the server's session row is past its expiry
            moved.setattr(web_sessions_mod, "now_iso", lambda: iso(later_clock))
            assert not replay(live, cookie)
        assert replay(live, cookie)  # (the clock back: the same cookie gets in again)
        with monkeypatch.context() as moved:  # the cookie's signature is past its max age
            moved.setattr(itsdangerous.timed, "time", SimpleNamespace(
                time=lambda: later_clock.timestamp()))
            assert not replay(live, cookie)


def test_a_reset_during_the_password_check_wins(
    web_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password is checked outside a transaction (scrypt is slow); a reset that lands in
    between must not let the old password's token or session through."""
    real = users_mod.check_password

    def check_then_reset(conn: Any, username: str, password: str) -> Any:
        found = real(conn, username, password)
        with write_tx(engine_of(web_server.app)) as other:
            users_mod.set_password(other, username, "direset-tadi-1", "test")
        return found

    monkeypatch.setattr(users_mod, "check_password", check_then_reset)
    resp = api_sign_in(session_from(), web_server.url, "spv_plg")
    assert resp.status_code == 401, resp.text
    assert Browser(web_server.url).sign_in("admin").status_code == 401
    monkeypatch.setattr(users_mod, "check_password", real)
    with read_tx(engine_of(web_server.app)) as conn:
        assert conn.execute(select(device_tokens.c.id)).first() is None
        assert conn.execute(select(web_sessions.c.id_hash)).first() is None
