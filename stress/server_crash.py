"""SIGKILL the sync server at random moments while tablets push; restart it; nothing is lost.

The server runs as ``survey-server serve`` in its own process on a fixed loopback port (SQLite
unless ``--database-url``). The tablets fill their entries offline, then sync again and again
until nothing waits. A seeded killer waits a random time, SIGKILLs the server (no shutdown, an
open transaction dies with it), restarts it on the same port and waits for ``/health``; it
repeats until ``--kills`` kills or every tablet is done. Small push batches keep pushes in flight
most of the time; the report counts the kills that hit while a tablet was pushing.

At the end, with the server up, every tablet syncs once more and the script checks the database:
each entry exactly once, the tablet's revision as head with the same answers, one revision per
entry, every entry marked sent on its tablet.

``python -m stress.server_crash`` (defaults: 5 devices x 200 entries, 25 kills: the long form).
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stress.common import (
    PG_ENV,
    Report,
    ServerProcess,
    Tablet,
    check_server,
    make_tablets,
    postgres_database,
    seed,
    sqlite_url,
    work_folder,
)

FORM = ("observasi_kabkota_antikorupsi", "2024110101")


class Killer(threading.Thread):
    """Kill and restart the server at random (seeded) moments."""

    def __init__(self, server: ServerProcess, tablets: list[Tablet], kills: int, seed: int,
                 gap: tuple[float, float]) -> None:
        super().__init__(daemon=True, name="killer")
        self.server = server
        self.tablets = tablets
        self.kills = kills
        self.rng = random.Random(seed)
        self.gap = gap
        self.done = threading.Event()
        self.killed = 0
        self.during_push = 0
        self.restart_seconds: list[float] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while self.killed < self.kills and not self.done.is_set():
                if self.done.wait(self.rng.uniform(*self.gap)):
                    return
                pushing = any(t.phase == "push" for t in self.tablets)
                self.server.kill()
                self.killed += 1
                self.during_push += pushing
                started = time.monotonic()
                self.server.start()
                self.restart_seconds.append(time.monotonic() - started)
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def run(devices: int, entries: int, kills: int, seed_value: int, time_limit: float,
        gap: tuple[float, float], batch_size: int, database_url: str | None,
        folder: Path) -> Report:
    """Run the scenario and return the report."""
    report = Report("server_crash")
    started = time.monotonic()
    deadline = started + time_limit
    database_url = database_url or sqlite_url(folder)
    seed(database_url, [f"petugas_{n}" for n in range(devices)])
    server = ServerProcess(folder / "instance", database_url)
    server.start()
    statuses: Counter[int] = Counter()
    try:
        tablets = make_tablets(folder, server.url, devices, statuses=statuses,
                               batch_size=batch_size)
        for tablet in tablets:
            tablet.sign_in(deadline)
            if not tablet.client.sync().ok:
                raise RuntimeError("the first sync failed")
        form = tablets[0].client.form(*FORM)
        for tablet in tablets:
            tablet.fill(entries, form)
        killer = Killer(server, tablets, kills, seed_value, gap)
        killer.start()
        with ThreadPoolExecutor(max_workers=devices) as pool:
            attempts = list(pool.map(lambda t: t.sync_until_done(deadline), tablets))
        killer.done.set()
        killer.join(timeout=60)
        if killer.error is not None:
            raise RuntimeError(f"restarting the server failed: {killer.error}")
        if server.proc is None or server.proc.poll() is not None:
            server.start()
        for tablet in tablets:  # one more sync with the server up
            tablet.sync_until_done(time.monotonic() + 60)
    finally:
        server.stop()
    report.faults = {"server SIGKILLs": killer.killed}
    report.figures["devices"] = devices
    report.figures["entries per device"] = entries
    report.figures["kills while a tablet was pushing"] = killer.during_push
    if killer.restart_seconds:
        report.figures["restart time (s), mean"] = round(
            sum(killer.restart_seconds) / len(killer.restart_seconds), 2)
    report.figures["sync attempts"] = sum(attempts)
    failures: Counter[str] = Counter()
    for tablet in tablets:
        failures.update(tablet.sync_failures)
    report.figures["failed syncs by reason"] = dict(sorted(failures.items()))
    report.operations = sum(statuses.values())
    report.figures["HTTP statuses"] = dict(sorted(statuses.items()))
    report.errors_5xx = sum(c for s, c in statuses.items() if s >= 500)
    expected = {s["entry_id"]: 1 for t in tablets for s in t.store.list_entries()}
    if len(expected) != devices * entries:
        report.problems.append(f"{len(expected)} entries on the tablets, not {devices * entries}")
    check_server(database_url, tablets, report, expected)
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=5)
    parser.add_argument("--entries", type=int, default=200, help="entries per device")
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds")
    parser.add_argument("--min-gap", type=float, default=0.3, help="seconds up before a kill")
    parser.add_argument("--max-gap", type=float, default=1.5)
    parser.add_argument("--batch-size", type=int, default=10, help="revisions per push")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file")
    parser.add_argument("--postgres", action="store_true",
                        help=f"a fresh PostgreSQL database on ${PG_ENV} (created and dropped)")
    parser.add_argument("--folder", default=None, help="work folder (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.postgres:
        with postgres_database() as url:
            args.database_url = url
            return _run_and_print(args)
    return _run_and_print(args)


def _run_and_print(args: argparse.Namespace) -> int:
    report = run(args.devices, args.entries, args.kills, args.seed, args.time_limit,
                 (args.min_gap, args.max_gap), args.batch_size, args.database_url,
                 work_folder(args.folder))
    report.print()
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
