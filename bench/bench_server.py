"""Benchmarks of the sync server (issue 3).

* push throughput: batches of 100 complete observation entries over HTTP on loopback to one
  ``survey-server serve`` process (waitress, SQLite), validation and storage included;
  target >= 1,000 entries/s; :data:`ROUNDS` rounds, each on a fresh database and server
  process, the median reported with every round's figure;
* a pull page of 500 changes (HTTP round trip, officer's feed): median < 100 ms;
* the server's memory (RSS) while serving with 100,000 entries stored: < 200 MB. The 100,000
  entries are written straight into the database with the same row shapes the push service
  produces (without per-entry validation, to keep the fill short); the figure is the resident
  memory of the serving process after pushes, pulls and form downloads against that database.

Run: ``python -m bench.bench_server [--entries N] [--fill N]``; :func:`run` returns the figures
for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench.common import machine, median, result

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/survey_forms/fixtures/observasi_complete.json"
FORM_ID = "observasi_kabkota_antikorupsi"
OFFICER = "petugas_plg"
OFFICER_PASSWORD = "petugas-demo-123"  # the seed-demo account


#: push rounds, each on a fresh database (this shared machine's load varies from second to second)
ROUNDS = 3


def _cli(instance: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "sync_server.cli", "--instance", str(instance), *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``survey-server serve`` in a child process."""

    def __init__(self, instance: Path, threads: int = 8) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync_server.cli",
                "--instance",
                str(instance),
                "serve",
                "--port",
                str(self.port),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not start")

    def rss_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) of the server process in MB."""
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _session(url: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(
        url + "/api/v1/sessions",
        json={"username": OFFICER, "password": OFFICER_PASSWORD, "device_id": "bench"},
        timeout=30,
    )
    resp.raise_for_status()
    session.headers["Authorization"] = "Bearer " + resp.json()["token"]
    return session


def _form_version() -> str:
    from survey_forms import load_pilot_form

    return str(load_pilot_form("observasi").version)


@functools.cache
def _tablet_answers_json() -> str:
    """The fixture's answers as a tablet sends them: with the form's calculated values (the
    scores), which the server computes again and compares (a difference would be corrected
    and audited, which a tablet running the same engine never causes)."""
    from survey_forms import load_pilot_form
    from survey_forms.recompute import recompute_calculations

    form = load_pilot_form("observasi")
    return json.dumps(recompute_calculations(form, json.loads(FIXTURE.read_text("utf-8"))))


def _revision(n: int, version: str) -> dict[str, Any]:
    from survey_forms.revisions import revision_id

    answers = json.loads(_tablet_answers_json())  # nama_unit, jumlah_petugas feed no calculation
    answers["nama_unit"] = f"Unit layanan {n}"
    answers["jumlah_petugas"] = n % 50 + 1
    return {
        "entry_id": str(uuid.uuid4()),
        "rev": revision_id(None, FORM_ID, version, "16.71", answers),
        "parent_rev": None,
        "form_id": FORM_ID,
        "form_version": version,
        "region": "16.71",
        "answers": answers,
        "meta": {"officer": OFFICER, "device_id": "bench", "app_version": "bench"},
    }


def _push_all(url: str, session: requests.Session, bodies: list[bytes], clients: int) -> float:
    """Push the batches with ``clients`` concurrent connections; entries stored per second."""
    from concurrent.futures import ThreadPoolExecutor

    headers = {"Content-Type": "application/json", **session.headers}

    def send(body: bytes) -> int:
        resp = requests.post(url + "/api/v1/sync/push", data=body, headers=headers, timeout=300)
        resp.raise_for_status()
        return sum(r["status"] == "stored" for r in resp.json()["results"])

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        stored = sum(pool.map(send, bodies))
    elapsed = time.perf_counter() - began
    expected = sum(len(json.loads(b)["revisions"]) for b in bodies)
    if stored != expected:
        raise RuntimeError(f"only {stored} of {expected} entries stored")
    return stored / elapsed


def _push_round(instance: Path, entries: int, clients: int) -> dict[str, Any]:
    """One round on a fresh database: push ``entries`` entries in batches of 100 (first half
    from one client, second half from ``clients`` concurrent clients, like several tablets),
    then time pull pages of 500. Returns the raw figures."""
    version = _form_version()
    bodies = []
    for start in range(0, entries, 100):
        batch = [_revision(n, version) for n in range(start, min(entries, start + 100))]
        bodies.append(json.dumps({"revisions": batch}).encode("utf-8"))
    server = ServerProcess(instance)
    try:
        session = _session(server.url)
        headers = {"Content-Type": "application/json"}
        session.post(server.url + "/api/v1/sync/push", data=bodies[0], headers=headers)  # warm
        half = 1 + (len(bodies) - 1) // 2
        load_before = os.getloadavg()[0]
        cpu_before = server.cpu_seconds()
        sequential_rate = _push_all(server.url, session, bodies[1:half], clients=1)
        rate = _push_all(server.url, session, bodies[half:], clients=clients)
        cpu_rate = (entries - 100) / (server.cpu_seconds() - cpu_before)
        load = (load_before, os.getloadavg()[0])
        # Pull pages of 500 changes at several cursors.
        timings = []
        cursor = ""
        for _ in range(3 * max(1, min(10, entries // 500))):
            t0 = time.perf_counter()
            resp = session.get(
                server.url + "/api/v1/sync/pull", params={"since": cursor, "limit": 500}, timeout=60
            )
            timings.append((time.perf_counter() - t0) * 1000)
            page = resp.json()
            cursor = page["next"] if page["more"] else ""
        rss, peak = server.rss_mb()
    finally:
        server.stop()
    return {
        "sequential": sequential_rate,
        "concurrent": rate,
        "cpu": cpu_rate,
        "load": load,
        "pull": timings,
        "rss": rss,
        "peak": peak,
    }


def bench_push_and_pull(
    work: Path, entries: int, clients: int = 4, rounds: int = ROUNDS
) -> list[dict[str, Any]]:
    """``rounds`` push rounds (:func:`_push_round`), each on a fresh database and server
    process; the figures are the medians over the rounds, the notes give every round."""
    runs = []
    for number in range(rounds):
        instance = work / f"push{number}"
        _cli(instance, "init-db")
        _cli(instance, "seed-demo")
        runs.append(_push_round(instance, entries, clients))

    def spread(key: str) -> str:
        return ", ".join(f"{run[key]:.0f}" for run in runs)

    loads = [value for run in runs for value in run["load"]]
    load = f"load average {min(loads):.2f}-{max(loads):.2f}"
    stored = entries - 100
    timings = [t for run in runs for t in run["pull"]]
    return [
        result(
            f"server push throughput, {clients} concurrent clients (batches of 100, HTTP, SQLite)",
            median([run["concurrent"] for run in runs]),
            "entries/s",
            1000,
            higher_is_better=True,
            note=(
                f"wall clock, validation included; median of {rounds} rounds "
                f"({spread('concurrent')}); {load}"
            ),
        ),
        result(
            "server push throughput, one client (batches of 100, HTTP, SQLite)",
            median([run["sequential"] for run in runs]),
            "entries/s",
            1000,
            higher_is_better=True,
            note=(
                f"wall clock, {stored} entries a round, validation included, bodies encoded "
                f"before timing (the client only sends them); median of {rounds} rounds "
                f"({spread('sequential')}); {load}"
            ),
        ),
        result(
            "server push capacity per CPU-second of the server process",
            median([run["cpu"] for run in runs]),
            "entries/s",
            1000,
            higher_is_better=True,
            note=(
                "entries / server user+system CPU time over both push runs: what one process "
                f"can do on one free core; median of {rounds} rounds ({spread('cpu')}); {load}"
            ),
        ),
        result(
            "server pull page of 500 changes (HTTP)",
            median(timings),
            "ms",
            100,
            note=f"median of {len(timings)} pages",
        ),
        result(
            "server RSS after the push run",
            max(run["rss"] for run in runs),
            "MB",
            200,
            note=f"largest of {rounds} rounds; peak {max(run['peak'] for run in runs):.0f} MB, "
            f"{entries} entries",
        ),
    ]


def fill(instance: Path, count: int) -> None:
    """Write ``count`` entries (revision + entry + feed + audit rows) straight into the DB."""
    sys.path.insert(0, str(ROOT))
    from survey_forms.revisions import revision_id
    from sync_server import create_app
    from sync_server.db import write_tx
    from sync_server.schema import audit_log, changes, entries, revisions

    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["sync_server"].engine
    version = _form_version()
    base = json.loads(FIXTURE.read_text("utf-8"))
    now = "2024-08-13T04:00:00.000000Z"
    for start in range(0, count, 5000):
        rows_e, rows_r, rows_c, rows_a = [], [], [], []
        for n in range(start, min(count, start + 5000)):
            answers = dict(base, nama_unit=f"Unit {n}")
            entry_id = str(uuid.UUID(int=n + 1))
            rev = revision_id(None, FORM_ID, version, "16.71", answers)
            rows_e.append(
                {
                    "entry_id": entry_id,
                    "form_id": FORM_ID,
                    "form_version": version,
                    "region": "16.71",
                    "officer": OFFICER,
                    "head_rev": rev,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            rows_r.append(
                {
                    "entry_id": entry_id,
                    "rev": rev,
                    "parent_rev": None,
                    "generation": 1,
                    "form_id": FORM_ID,
                    "form_version": version,
                    "region": "16.71",
                    "answers": json.dumps(answers, ensure_ascii=False),
                    "meta": "{}",
                    "attachments": "[]",
                    "author": OFFICER,
                    "author_kind": "device",
                    "created_at": now,
                }
            )
            rows_c.append(
                {
                    "kind": "entry",
                    "entry_id": entry_id,
                    "rev": rev,
                    "officer": OFFICER,
                    "region": "16.71",
                    "form_id": FORM_ID,
                    "form_version": version,
                    "review_status": "received",
                    "created_at": now,
                }
            )
            rows_a.append(
                {
                    "at": now,
                    "actor": OFFICER,
                    "action": "entry.create",
                    "target_type": "entry",
                    "target_id": entry_id,
                    "details": "{}",
                }
            )
        with write_tx(engine) as conn:
            conn.execute(entries.insert(), rows_e)
            conn.execute(revisions.insert(), rows_r)
            conn.execute(changes.insert(), rows_c)
            conn.execute(audit_log.insert(), rows_a)
    engine.dispose()


def bench_memory(instance: Path, fill_count: int) -> list[dict[str, Any]]:
    """RSS of a server process serving a database of ``fill_count`` entries."""
    fill(instance, fill_count)
    version = _form_version()
    server = ServerProcess(instance)
    try:
        session = _session(server.url)
        for n in range(5):
            batch = [_revision(10_000_000 + n * 100 + i, version) for i in range(100)]
            session.post(
                server.url + "/api/v1/sync/push", json={"revisions": batch}, timeout=120
            ).raise_for_status()
        cursor = ""
        pull_ms = []
        for _ in range(20):
            t0 = time.perf_counter()
            page = session.get(
                server.url + "/api/v1/sync/pull", params={"since": cursor, "limit": 500}, timeout=60
            ).json()
            pull_ms.append((time.perf_counter() - t0) * 1000)
            cursor = page["next"]
        session.get(server.url + f"/api/v1/forms/{FORM_ID}/{version}", timeout=30)
        session.get(server.url + "/api/v1/forms", timeout=30)
        rss, peak = server.rss_mb()
    finally:
        server.stop()
    return [
        result(
            f"server RSS serving {fill_count:,} stored entries",
            rss,
            "MB",
            200,
            note=f"peak {peak:.0f} MB",
        ),
        result(
            f"server pull page of 500 with {fill_count:,} entries stored",
            median(pull_ms),
            "ms",
            100,
            note="median of 20 pages",
        ),
    ]


def run(entries: int = 3000, fill_count: int = 100_000) -> list[dict[str, Any]]:
    """All server figures, as ``[{name, value, unit, target, pass, note}]``."""
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        figures = bench_push_and_pull(work, entries)
        mem_instance = work / "memory"
        _cli(mem_instance, "init-db")
        _cli(mem_instance, "seed-demo")
        figures += bench_memory(mem_instance, fill_count)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Print the figures (and JSON lines with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--fill", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print(f"# {machine()}; pid {os.getpid()}")
    for row in run(args.entries, args.fill):
        if args.json:
            print(json.dumps(row))
        else:
            mark = "ok" if row["pass"] else "MISSED"
            print(
                f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {mark}"
                f"{' - ' + row['note'] if row['note'] else ''}"
            )


if __name__ == "__main__":
    main()
