"""Sign-in throttling when many people share one address (an office NAT, a carrier NAT), through
the live server on SQLite and PostgreSQL: the scenarios of the security review.

One client at the shared address failing on many user names, or on one account, must not lock
the others out: an account known at the address (signed in from it before) is never slowed by
failures on other names; a first sign-in there is slowed only by the high shared address cap,
and then only by a short constant wait; an account's own failures lock out only that account's
marker-less sign-ins from that address (its protection against password guessing), while the
same account from elsewhere, or with its known-device marker, gets in at once. Check and charge
stay atomic under parallel attempts.

All clients are real loopback sources: 127.0.0.2 is the shared office address, 127.0.0.3 is
somewhere else.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .helpers import PASSWORD
from .signin_helpers import (
    Browser,
    api_sign_in,
    assert_rate_limited,
    seeded_server,
    session_from,
)

OFFICE, ELSEWHERE = "127.0.0.2", "127.0.0.3"


def random_names(count: int) -> list[str]:
    return [f"tebak-{uuid.uuid4().hex[:10]}" for _ in range(count)]


def fail_all(url: str, names: list[str], source: str = OFFICE, threads: int = 4) -> list[int]:
    """Wrong-password API sign-ins for ``names`` from ``source``: their status codes."""

    def one(name: str) -> int:
        return api_sign_in(session_from(source), url, name, "salah-salah").status_code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, names))


def signed_in(resp: requests.Response) -> bool:
    assert resp.status_code in (201, 302), (resp.status_code, resp.text[:300])
    return True


def test_a_random_name_flood_locks_no_account_out_with_the_defaults(
    database_url: str, tmp_path: Path
) -> None:
    """The review's repro with the shipped settings: 70 random names from the office."""
    with seeded_server(database_url, tmp_path) as live:
        office = session_from(OFFICE)
        assert signed_in(api_sign_in(office, live.url, "petugas_plg"))  # earlier, no marker kept
        assert fail_all(live.url, random_names(70)) == [401] * 70
        # (a) accounts never seen at this address, without a marker: in at once (201 / 302)
        assert signed_in(api_sign_in(office, live.url, "petugas_mura"))
        assert signed_in(Browser(live.url, OFFICE).sign_in("spv_plg"))
        # (b) the account that signed in from this address before: in at once
        assert signed_in(api_sign_in(office, live.url, "petugas_plg"))


def test_past_the_address_cap_only_new_names_wait_and_only_briefly(
    database_url: str, tmp_path: Path
) -> None:
    """The same with a low cap (6 failures) and a 3 s address wait, to reach the cap quickly
    (8 quick refusals must fit in that wait, even on a loaded machine)."""
    with seeded_server(
        database_url,
        tmp_path,
        SIGNIN_MAX_FAILURES_PER_ADDRESS=6,
        SIGNIN_ADDRESS_DELAY_SECONDS=3,
        SIGNIN_DELAY_SECONDS=20,
    ) as live:
        office = session_from(OFFICE)
        assert signed_in(api_sign_in(office, live.url, "petugas_plg"))
        supervisor = Browser(live.url, OFFICE)
        assert signed_in(supervisor.sign_in("spv_plg"))
        codes = fail_all(live.url, random_names(14), threads=1)
        assert codes == [401] * 6 + [429] * 8
        for _ in range(2):  # the flood goes on, taking every slot the address allows
            wait = assert_rate_limited(api_sign_in(office, live.url, "tebak-lagi", "salah"))
            assert wait <= 3  # constant, never growing (the account delay here is 20 s)
            # (b) the accounts known at the address: never slowed, API and web (no cookies)
            assert signed_in(api_sign_in(office, live.url, "petugas_plg"))
            assert signed_in(Browser(live.url, OFFICE).sign_in("spv_plg"))
            time.sleep(wait + 0.05)
            assert fail_all(live.url, random_names(1)) == [401]
        # (a) a first sign-in at the address waits the short address delay, then gets in
        wait = assert_rate_limited(api_sign_in(office, live.url, "petugas_mura"))
        assert wait <= 3
        time.sleep(wait + 0.05)
        assert signed_in(api_sign_in(office, live.url, "petugas_mura"))
        # its password check took the address's slot (past the cap, one check per address
        # wait for names not known there) ...
        assert fail_all(live.url, random_names(1)) == [429]
        # ... and from now on it is known there: not slowed by the flood
        assert signed_in(api_sign_in(office, live.url, "petugas_mura"))
        # elsewhere nothing of this is felt
        assert signed_in(api_sign_in(session_from(ELSEWHERE), live.url, "admin"))


def test_an_accounts_own_lockout_stays_with_that_account_at_that_address(
    database_url: str, tmp_path: Path
) -> None:
    """(c) 25 wrong passwords for admin from the office, where admin signed in before."""
    with seeded_server(database_url, tmp_path, SIGNIN_DELAY_SECONDS=5) as live:
        office = session_from(OFFICE)
        first = api_sign_in(office, live.url, "admin")  # admin's own tablet, at the office
        assert signed_in(first)
        marker = first.json()["device_marker"]
        admin_browser = Browser(live.url, OFFICE)
        assert signed_in(admin_browser.sign_in("admin")) and admin_browser.signed_in()
        assert admin_browser.post("/signout", {}).status_code == 302  # the marker cookie stays
        codes = [api_sign_in(office, live.url, "admin", "salah").status_code for _ in range(25)]
        assert codes == [401] * 10 + [429] * 15  # 10 password checks, then refused unchecked
        # the right password from the office without a marker: admin's own protection holds it
        # back (growing waits, 5 s here, 30 s by default) - API and web alike
        wait = assert_rate_limited(api_sign_in(office, live.url, "admin"))
        assert wait <= 5
        assert Browser(live.url, OFFICE).sign_in("admin").status_code == 429
        # the same account with its known-device marker, at the same address: in at once
        assert signed_in(api_sign_in(office, live.url, "admin", marker=marker))
        assert signed_in(admin_browser.sign_in("admin"))  # the browser's marker cookie
        # the same account from another address: in at once
        assert signed_in(api_sign_in(session_from(ELSEWHERE), live.url, "admin"))
        # other accounts at the office: not slowed at all, known there or not
        assert signed_in(api_sign_in(office, live.url, "petugas_plg"))
        assert signed_in(Browser(live.url, OFFICE).sign_in("spv_plg"))
        # once the wait is over, the right password from the office gets in and clears the
        # account's failures there: a typo afterwards is a plain 401 again
        time.sleep(wait + 0.05)
        assert signed_in(api_sign_in(office, live.url, "admin"))
        assert api_sign_in(office, live.url, "admin", "salah").status_code == 401
        assert signed_in(api_sign_in(office, live.url, "admin"))


def test_parallel_floods_keep_exact_counts_and_spare_known_accounts(
    database_url: str, tmp_path: Path, counted_checks: list[int]
) -> None:
    """(d) 40 parallel wrong attempts check exactly the allowed number of passwords, with the
    shipped limits (10 per account and address) and with the address cap reached at once by
    parallel random names, while a known account signs in among them."""
    with seeded_server(database_url, tmp_path, SIGNIN_MAX_FAILURES_PER_ADDRESS=12) as live:
        assert signed_in(api_sign_in(session_from(OFFICE), live.url, "petugas_plg"))
        assert len(counted_checks) == 1

        def burst(attempts: list[tuple[str, str]]) -> list[tuple[str, int]]:
            barrier = threading.Barrier(len(attempts))

            def go(attempt: tuple[str, str]) -> tuple[str, int]:
                name, password = attempt
                barrier.wait()
                resp = api_sign_in(session_from(OFFICE), live.url, name, password)
                return name, resp.status_code

            with ThreadPoolExecutor(len(attempts)) as pool:
                return list(pool.map(go, attempts))

        codes = [code for _, code in burst([("admin", "salah-salah")] * 40)]
        assert sorted(codes) == [401] * 10 + [429] * 30
        assert len(counted_checks) == 1 + 10
        # the address bucket has 10 of its 12 free failures (admin is not known here)
        flood = [(name, "salah-salah") for name in random_names(30)]
        known = [("petugas_plg", PASSWORD)] * 5
        got = burst(flood + known)
        flood_codes = sorted(code for name, code in got if name != "petugas_plg")
        assert flood_codes == [401] * 2 + [429] * 28
        assert [code for name, code in got if name == "petugas_plg"] == [201] * 5
        assert len(counted_checks) == 1 + 10 + 2 + 5
