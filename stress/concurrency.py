"""Many devices sync at the same moment: gunicorn (4 workers) on PostgreSQL, waitress on SQLite.

For each server setup, ``--devices`` tablets (default 50) fill ``--entries`` entries each
offline, then all start at once (a barrier): sign in, push, pull. Then each edits ``--edits`` of
its entries (a correction: a second revision on top of the acknowledged one) and all sync again
at once. Afterwards the script checks the server's database and the tablets: no 5xx answer (the
tablets' HTTP statuses, and gunicorn's access log), each entry exactly once with the tablet's
head and answers, exactly as many revisions per entry as the tablet made (no lost, no duplicated
revisions), every entry marked sent.

The PostgreSQL setup needs ``SURVEY_TEST_DATABASE_URL`` (``source scripts/test-services.sh``) or
``--postgres-url``; it creates its own database and drops it afterwards. Without one it is
skipped and the report says so.

``python -m stress.concurrency`` (defaults: 50 devices x 20 entries, 5 edits each: the long form).
"""

from __future__ import annotations

import argparse
import os
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
SETUPS = ("gunicorn-postgres", "waitress-sqlite")


def correct(tablet: Tablet, entry_ids: list[str], form: object) -> None:
    """Edit each entry once more on the tablet (a second revision) and finalize it."""
    for n, entry_id in enumerate(entry_ids):
        tablet.store.start_correction(entry_id)
        answers = tablet.store.get_entry(entry_id)["answers"]
        answers["jumlah_petugas"] = 151 + (tablet.number + n) % 40
        answers["catatan_i01"] = f"Koreksi {tablet.number}-{n}"
        tablet.store.save_answers(entry_id, answers)
        issues = tablet.store.finalize_entry(entry_id, form)
        if issues:
            raise RuntimeError(f"correction invalid: {issues[:3]}")


def run_setup(setup: str, database_url: str, folder: Path, devices: int, entries: int,
              edits: int, deadline: float) -> Report:
    """One server setup under ``devices`` simultaneous tablets; returns its report."""
    report = Report(f"concurrency ({setup})")
    started = time.monotonic()
    seed(database_url, [f"petugas_{n}" for n in range(devices)])
    kind = "gunicorn" if setup.startswith("gunicorn") else "waitress"
    server = ServerProcess(folder / "instance", database_url, kind=kind, workers=4, threads=8)
    server.start()
    statuses: Counter[int] = Counter()
    tablets = make_tablets(folder, server.url, devices, statuses=statuses, batch_size=50,
                           api_options={"timeout": (5.0, 60.0)})
    barrier = threading.Barrier(devices)
    phase_seconds: dict[str, float] = {}
    try:
        # The forms, once, on one tablet; the others receive the definition from its store
        # so that the simultaneous first sync is the real load.
        first = tablets[0]
        first.sign_in(deadline)
        if not first.client.sync().ok:
            raise RuntimeError("the first sync failed")
        form = first.client.form(*FORM)
        for tablet in tablets:
            tablet.store.save_forms([form.to_json()])
            tablet.fill(entries, form)

        def first_round(tablet: Tablet) -> int:
            barrier.wait(timeout=120)
            if tablet is not first:
                tablet.sign_in(deadline)
            return tablet.sync_until_done(deadline)

        def second_round(tablet: Tablet) -> int:
            correct(tablet, [s["entry_id"] for s in tablet.store.list_entries()][:edits], form)
            barrier.wait(timeout=120)
            return tablet.sync_until_done(deadline)

        attempts = 0
        with ThreadPoolExecutor(max_workers=devices) as pool:
            for name, work in (("push", first_round), ("edits", second_round)):
                t0 = time.monotonic()
                attempts += sum(pool.map(work, tablets))
                phase_seconds[name] = round(time.monotonic() - t0, 2)
    finally:
        server.stop()
    report.operations = sum(statuses.values())
    report.figures["devices"] = devices
    report.figures["entries per device"] = entries
    report.figures["edits per device"] = edits
    report.figures["sync attempts"] = attempts
    report.figures["seconds per round"] = phase_seconds
    report.figures["HTTP statuses"] = dict(sorted(statuses.items()))
    failures: Counter[str] = Counter()
    for tablet in tablets:
        failures.update(tablet.sync_failures)
    report.figures["failed syncs by reason"] = dict(sorted(failures.items()))
    report.errors_5xx = sum(c for s, c in statuses.items() if s >= 500)
    if kind == "gunicorn":
        in_log = server.statuses_in_log()
        logged = sum(c for s, c in in_log.items() if s >= 500)
        report.figures["statuses in gunicorn's access log"] = dict(sorted(in_log.items()))
        report.errors_5xx = max(report.errors_5xx, logged)
    expected: dict[str, int] = {}
    edited = 0
    for tablet in tablets:
        for summary in tablet.store.list_entries():
            twice = bool(tablet.store.get_entry(summary["entry_id"]).get("correction"))
            expected[summary["entry_id"]] = 2 if twice else 1
            edited += twice
    report.figures["revisions made by the tablets"] = sum(expected.values())
    if len(expected) != devices * entries or edited != devices * min(edits, entries):
        report.problems.append(f"{len(expected)} entries and {edited} edits on the tablets")
    check_server(database_url, tablets, report, expected)
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--entries", type=int, default=20, help="entries per device")
    parser.add_argument("--edits", type=int, default=5, help="entries each device edits again")
    parser.add_argument("--setups", default=",".join(SETUPS), help=", ".join(SETUPS))
    parser.add_argument("--postgres-url", default=os.environ.get(PG_ENV))
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds")
    parser.add_argument("--folder", default=None, help="work folder (default: a temp folder)")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.time_limit
    folder = work_folder(args.folder)
    code = 0
    for setup in [s.strip() for s in args.setups.split(",") if s.strip()]:
        if setup not in SETUPS:
            parser.error(f"unknown setup {setup!r}")
        if setup == "gunicorn-postgres" and not args.postgres_url:
            print(f"== concurrency ({setup})\nskipped: {PG_ENV} is not set "
                  "(source scripts/test-services.sh)", flush=True)
            continue
        try:
            if setup == "gunicorn-postgres":
                with postgres_database(args.postgres_url) as url:
                    report = run_setup(setup, url, folder / setup, args.devices, args.entries,
                                       args.edits, deadline)
            else:
                (folder / setup).mkdir(parents=True, exist_ok=True)
                report = run_setup(setup, sqlite_url(folder / setup), folder / setup,
                                   args.devices, args.entries, args.edits, deadline)
        except Exception as exc:  # a setup that cannot run is a failure; the next one still runs
            report = Report(f"concurrency ({setup})")
            report.problems.append(f"the run failed: {type(exc).__name__}: {exc}"[:600])
        report.print()
        code = max(code, report.exit_code())
    return code


if __name__ == "__main__":
    raise SystemExit(main())
