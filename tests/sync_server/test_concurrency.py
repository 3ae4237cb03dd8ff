"""20 simulated devices pushing in parallel, including the same revision from two threads at once:
every revision is stored exactly once and no request fails (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from sync_server.db import read_tx
from sync_server.schema import changes, entries, revisions
from tests.support.server import LiveServer, create_user, engine_of

from .helpers import PASSWORD, Client, child, make_revision, observation_answers

DEVICES = 20
ENTRIES_PER_DEVICE = 6


def test_twenty_devices_push_in_parallel(server: LiveServer) -> None:
    for i in range(DEVICES):
        create_user(server.app, f"petugas_{i:02d}", PASSWORD, "officer", ["16.71"])
    clients = [Client(server.url, f"petugas_{i:02d}") for i in range(DEVICES)]
    # Each device has its own entries, each with a first revision and an edit.
    batches = []
    for i in range(DEVICES):
        batch = []
        for j in range(ENTRIES_PER_DEVICE):
            answers = observation_answers()
            answers["nama_unit"] = f"Unit {i}-{j}"
            first = make_revision(answers, officer=f"petugas_{i:02d}")
            edited = dict(answers, jumlah_petugas=j + 1)
            batch.append((first, child(first, edited)))
        batches.append(batch)
    barrier = threading.Barrier(DEVICES * 2)
    errors: list[BaseException] = []

    def device(index: int, copy: int) -> list[dict]:
        """Two threads per device send the same revisions at the same moment."""
        try:
            barrier.wait(timeout=30)
            results = []
            for first, edited in batches[index]:
                results += clients[index].push(first)
                results += clients[index].push(edited, first)
            return results
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
            raise

    with ThreadPoolExecutor(max_workers=DEVICES * 2) as pool:
        futures = [pool.submit(device, i, c) for i in range(DEVICES) for c in range(2)]
        outcomes = [f.result(timeout=120) for f in futures]
    assert errors == []
    for results in outcomes:
        assert all(r["status"] in ("stored", "duplicate") for r in results), results
    # Each revision was "stored" exactly once across the two copies, "duplicate" otherwise.
    stored: dict[str, int] = {}
    for results in outcomes:
        for r in results:
            if r["status"] == "stored":
                stored[r["rev"]] = stored.get(r["rev"], 0) + 1
    expected_revs = {rev["rev"] for batch in batches for pair in batch for rev in pair}
    assert set(stored) == expected_revs
    assert set(stored.values()) == {1}
    total = DEVICES * ENTRIES_PER_DEVICE
    with read_tx(engine_of(server.app)) as conn:
        assert conn.execute(select(func.count()).select_from(entries)).scalar_one() == total
        assert conn.execute(select(func.count()).select_from(revisions)).scalar_one() == 2 * total
        seqs = (
            conn.execute(
                select(changes.c.seq).where(changes.c.kind == "entry").order_by(changes.c.seq)
            )
            .scalars()
            .all()
        )
    assert len(seqs) == 2 * total and len(set(seqs)) == len(seqs)
    # Every device pulls exactly its own entries, at their edited heads.
    for i, client in enumerate(clients):
        heads = {}
        for change in client.pull_all()[0]:
            if change["kind"] == "entry":
                heads[change["entry_id"]] = change["rev"]
        assert heads == {pair[0]["entry_id"]: pair[1]["rev"] for pair in batches[i]}


def test_conflicting_edits_from_two_devices_at_once(server: LiveServer) -> None:
    """Two different edits of one entry pushed concurrently end in one merged head."""
    tab_a = Client(server.url, "petugas_plg")
    tab_b = Client(server.url, "petugas_plg")
    base = make_revision(observation_answers())
    tab_a.push(base)
    a = observation_answers()
    a["catatan_i02"] = "dari tablet A"
    b = observation_answers()
    b["catatan_i03"] = "dari tablet B"
    barrier = threading.Barrier(2)

    def send(client: Client, rev: dict) -> dict:
        barrier.wait(timeout=10)
        return client.push(rev)[0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        fa = pool.submit(send, tab_a, child(base, a))
        fb = pool.submit(send, tab_b, child(base, b))
        results = [fa.result(timeout=60), fb.result(timeout=60)]
    assert sorted(r["status"] for r in results) == ["merged", "stored"]
    head = [c for c in tab_a.pull_all()[0] if c["kind"] == "entry"][-1]
    assert head["answers"]["catatan_i02"] == "dari tablet A"
    assert head["answers"]["catatan_i03"] == "dari tablet B"
