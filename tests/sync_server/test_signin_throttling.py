"""Sign-in throttling through the live server (SQLite and PostgreSQL): a password guesser cannot
lock the real user out, waits longer and longer itself, cannot dodge the limits with a forged
X-Forwarded-For, and parallel attempts never run more password checks than the limits allow.

Two client addresses are real loopback sources (127.0.0.2 for the guesser, 127.0.0.3 for the
user); the API and the web sign-in page are both covered.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from sync_server import ratelimit
from sync_server.db import read_tx
from sync_server.schema import signin_attempts
from tests.support.server import engine_of

from .helpers import PASSWORD
from .signin_helpers import (
    Browser,
    api_sign_in,
    assert_rate_limited,
    seeded_server,
    session_from,
)

GUESSER, USER = "127.0.0.2", "127.0.0.3"


def test_a_guesser_at_one_address_cannot_lock_the_real_user_out(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_server(
        database_url, tmp_path, SIGNIN_MAX_FAILURES=3, SIGNIN_MAX_FAILURES_PER_ADDRESS=8
    ) as live:
        guesser = session_from(GUESSER)
        codes = [
            api_sign_in(guesser, live.url, "admin", "salah-salah").status_code for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        for _ in range(20):  # keeps hammering: refused at once, no password checked
            assert_rate_limited(api_sign_in(guesser, live.url, "admin", "salah-salah"))
        names = [f"tebak{i}" for i in range(12)]
        codes = [api_sign_in(guesser, live.url, n, "salah-salah").status_code for n in names]
        assert codes.count(401) == 5 and set(codes[5:]) == {429}  # 8 per address in all
        web_guesser = Browser(live.url, GUESSER)
        for _ in range(5):
            assert web_guesser.sign_in("spv_plg", "salah-salah").status_code == 429
        # the guesser's own address waits, even with the right password ...
        assert_rate_limited(api_sign_in(guesser, live.url, "admin"))
        # ... the real users elsewhere do not: API and web sign-in
        user = session_from(USER)
        first = api_sign_in(user, live.url, "admin")
        assert first.status_code == 201, first.text
        browser = Browser(live.url, USER)
        assert browser.sign_in("spv_plg").status_code == 302 and browser.signed_in()
        # and a known device (its marker from an earlier sign-in) is not slowed down even
        # when it now shares the guesser's address
        marker = first.json()["device_marker"]
        resp = api_sign_in(guesser, live.url, "admin", marker=marker)
        assert resp.status_code == 201, resp.text
        assert browser.post("/signout", {}).status_code == 302
        laptop = Browser(live.url, GUESSER)
        laptop.http.cookies.update(browser.http.cookies)  # same browser, new network
        assert laptop.sign_in("spv_plg").status_code == 302 and laptop.signed_in()


def test_many_addresses_slow_unknown_addresses_but_not_known_ones(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_server(
        database_url,
        tmp_path,
        TRUSTED_PROXY_COUNT=1,
        SIGNIN_MAX_FAILURES=3,
        SIGNIN_MAX_FAILURES_PER_ACCOUNT=6,
    ) as live:
        http = session_from()
        home = {"X-Forwarded-For": "10.1.0.7"}
        assert api_sign_in(http, live.url, "spv_plg", headers=home).status_code == 201
        for i in range(6):  # one guess each from six addresses
            resp = api_sign_in(
                http, live.url, "spv_plg", "salah", headers={"X-Forwarded-For": f"10.66.0.{i}"}
            )
            assert resp.status_code == 401, (i, resp.text)
        away = {"X-Forwarded-For": "10.2.0.9"}
        assert_rate_limited(api_sign_in(http, live.url, "spv_plg", headers=away))
        assert api_sign_in(http, live.url, "spv_plg", headers=home).status_code == 201


def test_the_guesser_waits_longer_after_each_failure(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limiter's clock stands still unless the test moves it: a wait of 1 s measured on the
    # wall clock ran out during a slow password check on a loaded machine (the next guess was
    # let through), and the waits read back depended on how long each request took.
    clock = [time.time()]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0]))
    with seeded_server(
        database_url, tmp_path, SIGNIN_MAX_FAILURES=2, SIGNIN_DELAY_SECONDS=1
    ) as live:
        guesser = session_from(GUESSER)
        for _ in range(2):
            assert api_sign_in(guesser, live.url, "admin", "salah").status_code == 401
        waits = []
        for _ in range(3):
            wait = assert_rate_limited(api_sign_in(guesser, live.url, "admin", "salah"))
            waits.append(wait)
            assert wait <= 4, waits  # (the old limiter said 300 s at once)
            clock[0] += wait - 0.5
            assert assert_rate_limited(api_sign_in(guesser, live.url, "admin", "salah")) == 1
            clock[0] += 0.5
            assert api_sign_in(guesser, live.url, "admin", "salah").status_code == 401
        assert waits == [1, 2, 4]
        page = Browser(live.url, GUESSER).sign_in("admin", "salah")
        assert page.status_code == 429 and int(page.headers["Retry-After"]) == 8


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(
    database_url: str, tmp_path: Path
) -> None:
    def forged(i: int) -> dict[str, str]:
        return {"X-Forwarded-For": f"10.66.{i}.1"}

    with seeded_server(database_url, tmp_path, SIGNIN_MAX_FAILURES=3) as live:
        http = session_from(GUESSER)
        codes = [
            api_sign_in(http, live.url, "admin", "salah", headers=forged(i)).status_code
            for i in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]  # every forged address is the same peer
        with read_tx(engine_of(live.app)) as conn:
            seen = set(conn.execute(select(signin_attempts.c.remote_addr)).scalars())
        assert seen == {GUESSER}


def test_x_forwarded_for_is_honoured_from_a_trusted_proxy(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_server(
        database_url, tmp_path, TRUSTED_PROXY_COUNT=1, SIGNIN_MAX_FAILURES=3
    ) as live:
        nginx = session_from()  # the proxy on loopback, adding the client's address
        attacker = {"X-Forwarded-For": "10.0.0.66"}
        codes = [
            api_sign_in(nginx, live.url, "admin", "salah", headers=attacker).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        # a client-supplied value comes first; the trusted proxy's (last) one counts
        spoof = {"X-Forwarded-For": "10.0.0.7, 10.0.0.66"}
        assert_rate_limited(api_sign_in(nginx, live.url, "admin", headers=spoof))
        real = {"X-Forwarded-For": "10.0.0.7"}
        assert api_sign_in(nginx, live.url, "admin", headers=real).status_code == 201
        with read_tx(engine_of(live.app)) as conn:
            seen = set(conn.execute(select(signin_attempts.c.remote_addr)).scalars())
        assert seen == {"10.0.0.66", "10.0.0.7"}


def test_parallel_attempts_never_check_more_passwords_than_the_limits(
    database_url: str, tmp_path: Path, counted_checks: list[int]
) -> None:
    with seeded_server(
        database_url, tmp_path, SIGNIN_MAX_FAILURES=5, SIGNIN_MAX_FAILURES_PER_ADDRESS=12
    ) as live:

        def guess(username: str) -> int:
            return api_sign_in(session_from(), live.url, username, "salah-salah").status_code

        def burst(names: list[str]) -> list[int]:
            barrier = threading.Barrier(len(names))

            def go(name: str) -> int:
                barrier.wait()
                return guess(name)

            with ThreadPoolExecutor(len(names)) as pool:
                return list(pool.map(go, names))

        codes = burst(["admin"] * 40)
        assert len(counted_checks) == 5
        assert sorted(codes) == [401] * 5 + [429] * 35
        codes = burst([f"tebak-{uuid.uuid4().hex[:8]}" for _ in range(40)])
        assert len(counted_checks) == 12  # 12 per address, the 5 above included
        assert codes.count(401) == 7
        with read_tx(engine_of(live.app)) as conn:
            assert len(conn.execute(select(signin_attempts.c.id)).all()) == 12
        # the real user, from another address, is unaffected
        assert api_sign_in(session_from(USER), live.url, "admin", PASSWORD).status_code == 201
