"""Pull pages are bounded by bytes as well as by count: with entries of 2 MiB each, a page stops
once it would pass ``PULL_PAGE_BYTES`` (4 MiB), always holds at least one change, and the
cursor walks every change exactly once. SQLite and PostgreSQL through the live server."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync_server.db import read_tx
from sync_server.feed import PAGE_BYTES, pull_json
from sync_server.state import state
from sync_server.users import get_user
from tests.support.server import LiveServer, engine_of, start_live_server

from .conftest import seed
from .helpers import Client, make_revision, observation_answers

ENTRY_BYTES = 2 * 1024 * 1024
ENTRIES = 10


@pytest.fixture
def big_entries(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, list[str]]]:
    live = start_live_server(
        tmp_path / "instance",
        database_url,
        MAX_STRING_LENGTH=ENTRY_BYTES + 1000,
        MAX_ANSWERS_BYTES=ENTRY_BYTES + 100_000,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        EXPORT_CELLS_IDLE_SECONDS=0,
    )
    seed(live)
    tab = Client(live.url, "petugas_plg")
    ids = []
    for n in range(ENTRIES):
        answers = observation_answers()
        answers["catatan_i01"] = f"{n:02d}" + "x" * (ENTRY_BYTES - 2)
        rev = make_revision(answers)
        assert tab.push(rev)[0]["status"] == "stored"
        ids.append(rev["entry_id"])
    try:
        yield live, ids
    finally:
        live.stop()


def test_pages_stop_by_bytes_and_the_cursor_walks_everything(
    big_entries: tuple[LiveServer, list[str]],
) -> None:
    live, ids = big_entries
    tab = Client(live.url, "petugas_plg")
    since, seen, pages = "", [], 0
    while True:
        resp = tab.session.get(
            tab.base + "/sync/pull", params={"since": since, "limit": 1000}, timeout=60
        )
        assert resp.status_code == 200
        assert len(resp.content) <= PAGE_BYTES + 64 * 1024, len(resp.content)
        page = resp.json()
        assert page["changes"] or not page["more"]
        seen += [c["entry_id"] for c in page["changes"] if c["kind"] == "entry"]
        pages += 1
        assert page["next"] != since or not page["more"]
        since = page["next"]
        if not page["more"]:
            break
    assert seen == ids  # every entry once, in order
    assert pages >= ENTRIES // 2


def test_a_change_larger_than_a_page_still_moves_the_cursor(
    big_entries: tuple[LiveServer, list[str]],
) -> None:
    live, ids = big_entries
    with live.app.app_context(), read_tx(engine_of(live.app)) as conn:
        user = get_user(conn, "petugas_plg")
        assert state().config["PULL_PAGE_BYTES"] == PAGE_BYTES
        since, seen = "", []
        while True:
            import json

            page = json.loads(pull_json(conn, user, since, 1000, max_bytes=1024 * 1024))
            entries = [c for c in page["changes"] if c["kind"] == "entry"]
            assert len(entries) <= 1
            seen += [c["entry_id"] for c in entries]
            since = page["next"]
            if not page["more"]:
                break
    assert seen == ids


def test_a_page_holds_little_memory(big_entries: tuple[LiveServer, list[str]]) -> None:
    live, _ = big_entries
    with read_tx(engine_of(live.app)) as conn:
        user = get_user(conn, "petugas_plg")
        tracemalloc.start()
        try:
            body = pull_json(conn, user, "", 1000)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(body) <= PAGE_BYTES
    # the old page held every row of the page (here 10 x 2 MiB) and their JSON at once
    assert peak < 4 * PAGE_BYTES, peak
