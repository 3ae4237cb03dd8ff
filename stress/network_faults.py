"""Devices sync through a fault-injecting TCP proxy; afterwards nothing is lost or doubled.

The sync server runs in its own process (``survey-server serve``, SQLite unless
``--database-url``). Between it and the tablets sits the loopback proxy of
``tests/support/tcp_proxy.py``. A seeded "weather" thread changes the proxy's faults every
``--period`` seconds among: a good network, connections dropped at once, requests cut at a
random byte (mid-body: half-sent pushes), responses cut at a random byte (the server did the
work, the tablet never heard), and responses stalled beyond the tablet's read timeout.

Each tablet fills its entries offline, then syncs again and again (its own retries included)
until nothing waits. At the end, on a good network, every tablet syncs once more and the script
checks the server's database: each entry exactly once, with the tablet's revision as head and
the same answers, one revision per entry; every tablet has marked every entry sent.

``python -m stress.network_faults`` (defaults: 10 devices x 200 entries, the long form).
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
    check_server,
    make_tablets,
    postgres_database,
    seed,
    sqlite_url,
    work_folder,
)
from tests.support.tcp_proxy import FaultyProxy

FORM = ("observasi_kabkota_antikorupsi", "2024110101")
READ_TIMEOUT = 1.5
#: The proxy settings of each kind of weather.
WEATHERS: dict[str, dict[str, object]] = {
    "good": {},
    "drop": {"drop": 0.5},
    "cut_request": {"cut_probability": 0.6, "direction": "request", "cut_range": 120_000},
    "cut_response": {"cut_probability": 0.6, "direction": "response", "cut_range": 3_000},
    "stall": {"stall": READ_TIMEOUT + 0.5},
}


class Weather(threading.Thread):
    """Change the proxy's faults at random (seeded) every ``period`` seconds."""

    def __init__(self, proxy: FaultyProxy, seed: int, period: float) -> None:
        super().__init__(daemon=True, name="weather")
        self.proxy = proxy
        self.rng = random.Random(seed)
        self.period = period
        self.stopping = threading.Event()
        self.spells: Counter[str] = Counter()
        self.stalled_connections = 0

    def run(self) -> None:
        names = sorted(WEATHERS)
        while not self.stopping.is_set():
            name = self.rng.choice(names)
            self.spells[name] += 1
            before = self.proxy.stats.connections
            self.proxy.set_faults(**WEATHERS[name])
            self.stopping.wait(self.period)
            if name == "stall":
                self.stalled_connections += self.proxy.stats.connections - before
        self.proxy.clear()

    def stop(self) -> None:
        """Stop changing the weather and leave a good network."""
        self.stopping.set()
        self.join(timeout=10)
        self.proxy.clear()


def run(devices: int, entries: int, seed_value: int, time_limit: float, period: float,
        database_url: str | None, folder: Path, batch_size: int = 25) -> Report:
    """Run the scenario and return the report."""
    report = Report("network_faults")
    started = time.monotonic()
    deadline = started + time_limit
    database_url = database_url or sqlite_url(folder)
    officers = [f"petugas_{n}" for n in range(devices)]
    seed(database_url, officers)
    server = ServerProcess(folder / "instance", database_url)
    server.start()
    statuses: Counter[int] = Counter()
    try:
        with FaultyProxy(("127.0.0.1", server.port), seed=seed_value) as proxy:
            tablets = make_tablets(folder, proxy.url, devices, statuses=statuses,
                                   batch_size=batch_size, fresh_connections=True,
                                   api_options={"timeout": (2.0, READ_TIMEOUT)})
            for tablet in tablets:  # at the office, good network: accounts and forms
                tablet.sign_in(deadline)
                if not tablet.client.sync().ok:
                    raise RuntimeError("the first sync failed on a good network")
            form = tablets[0].client.form(*FORM)
            for tablet in tablets:
                tablet.fill(entries, form)
            weather = Weather(proxy, seed_value, period)
            weather.start()
            with ThreadPoolExecutor(max_workers=devices) as pool:
                attempts = list(pool.map(lambda t: t.sync_until_done(deadline), tablets))
            weather.stop()
            finished = sum(1 for t in tablets if not t.store.has_unsent())
            for tablet in tablets:  # back at the office: one more sync on a good network
                tablet.sync_until_done(time.monotonic() + 60)
            report.faults = {
                "connections dropped": proxy.stats.dropped,
                "connections cut": proxy.stats.cut,
                "connections stalled": weather.stalled_connections,
            }
            report.figures["devices"] = devices
            report.figures["entries per device"] = entries
            report.figures["proxy connections"] = proxy.stats.connections
            report.figures["sync attempts under faults"] = sum(attempts)
            report.figures["devices done under faults"] = f"{finished}/{devices}"
            report.figures["weather spells"] = dict(sorted(weather.spells.items()))
            failures: Counter[str] = Counter()
            for tablet in tablets:
                failures.update(tablet.sync_failures)
            report.figures["failed syncs by reason"] = dict(sorted(failures.items()))
    finally:
        server.stop()
    report.operations = sum(statuses.values())
    report.figures["HTTP statuses"] = dict(sorted(statuses.items()))
    report.errors_5xx = sum(c for s, c in statuses.items() if s >= 500)
    expected = {}
    for tablet in tablets:
        for summary in tablet.store.list_entries():
            expected[summary["entry_id"]] = 1
    if len(expected) != devices * entries:
        report.problems.append(f"{len(expected)} entries on the tablets, not {devices * entries}")
    check_server(database_url, tablets, report, expected)
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--entries", type=int, default=200, help="entries per device")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds")
    parser.add_argument("--period", type=float, default=0.5, help="seconds per weather spell")
    parser.add_argument("--batch-size", type=int, default=25, help="revisions per push")
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
    report = run(args.devices, args.entries, args.seed, args.time_limit, args.period,
                 args.database_url, work_folder(args.folder), args.batch_size)
    report.print()
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
