"""Schemathesis against ``/api/v1/openapi.json``: no 5xx, every response matches the schema.

The sync server runs in its own process (SQLite). Two schemathesis runs, each bounded by
``--cases`` examples per operation (and killed after ``--time-limit``), with an admin's bearer
token and the checks ``not_a_server_error`` and ``response_schema_conformance``:

1. every operation, with generated path parameters (mostly unknown entries and files: the
   404 paths and all the input validation);
2. the operations on one entry and one file that exist (seeded: an officer pushed an entry, a
   file was uploaded), so that review, edit, resolve, delete, restore and downloads reach the
   core logic with generated bodies.

3. ``POST /users/{username}/revoke-tokens`` (which the first runs leave out: it could revoke
   the run's own token), with an admin's second token and the user name pinned to the officer
   who seeded the data;
4. ``DELETE /sessions/current`` with a throwaway token of its own (the first case signs it out;
   the rest must then be clean 401s).

The script reads schemathesis' JSON report and prints the figures.

``python -m stress.bad_input`` (default 100 cases per operation, all phases: the long form).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from stress.common import (
    BIN,
    PASSWORD,
    Report,
    ServerProcess,
    make_tablets,
    seed,
    sqlite_url,
    work_folder,
)

FORM = ("observasi_kabkota_antikorupsi", "2024110101")
CHECKS = "not_a_server_error,response_schema_conformance"
EXCLUDED = ("/sessions/current", "/users/{username}/revoke-tokens")
SEEDED_PATHS = r"^/(entries/\{entry_id\}|attachments/\{sha256\})"


def seed_data(folder: Path, url: str) -> tuple[str, str]:
    """An entry pushed by an officer and one uploaded file; returns (entry_id, sha256)."""
    statuses: Counter[int] = Counter()
    tablet = make_tablets(folder, url, 1, statuses=statuses)[0]
    tablet.sign_in(time.monotonic() + 30)
    if not tablet.client.sync().ok:
        raise RuntimeError("first sync failed")
    (entry_id,) = tablet.fill(1, tablet.client.form(*FORM))
    if not tablet.client.sync().ok:
        raise RuntimeError("push failed")
    data = b"\xff\xd8\xff\xe0 bad-input stress photo"
    sha = hashlib.sha256(data).hexdigest()
    token = tablet.store.credentials()["token"]
    response = requests.put(f"{url}/api/v1/attachments/{sha}", data=data, timeout=10,
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Type": "image/jpeg"})
    if response.status_code not in (200, 201):
        raise RuntimeError(f"upload failed: {response.status_code} {response.text[:200]}")
    return entry_id, sha


def sign_in(url: str, device_id: str) -> str:
    """A fresh bearer token of the stress admin."""
    return requests.post(f"{url}/api/v1/sessions", timeout=10, json={
        "username": "admin_stress", "password": PASSWORD, "device_id": device_id},
    ).json()["token"]


def schemathesis(url: str, token: str, cases: int, seed_value: int, phases: str,
                 time_limit: float, report_dir: Path, extra: list[str],
                 config: Path | None = None) -> dict[str, Any]:
    """Run the schemathesis CLI once; return its JSON report."""
    command = [
        str(BIN / "schemathesis"), *(["--config-file", str(config)] if config else []),
        "run", f"{url}/api/v1/openapi.json", "--url", f"{url}/api/v1",
        "--checks", CHECKS, "--max-examples", str(cases), "--seed", str(seed_value),
        "--phases", phases, "--workers", "1",
        "--header", f"Authorization: Bearer {token}", "--report", "json",
        "--report-dir", str(report_dir), "--no-color", "--continue-on-failure",
        "--suppress-health-check", "all",
    ]
    if "--include-path" not in extra:
        for path in EXCLUDED:
            command += ["--exclude-path", path]
    report_dir.mkdir(parents=True, exist_ok=True)
    # Not --max-time: schemathesis repeats fuzzing until that time is spent. The count bounds
    # the run; the timeout only guards against a hang.
    result = subprocess.run([*command, *extra], capture_output=True, text=True,
                            timeout=time_limit, check=False)
    (report_dir / "output.txt").write_text(result.stdout + result.stderr, "utf-8")
    found = sorted(report_dir.glob("json-*.json"))
    if not found:
        raise RuntimeError(f"schemathesis wrote no report:\n{result.stdout[-3000:]}"
                           f"{result.stderr[-2000:]}")
    return json.loads(found[-1].read_text("utf-8"))


def add_run(report: Report, label: str, data: dict[str, Any]) -> None:
    """Add one schemathesis run's figures and failures to the report."""
    cases = data["test_cases"]
    report.operations += int(cases["generated"])
    report.figures[f"{label}: operations tested"] = data["operations"]["tested"]
    report.figures[f"{label}: test cases"] = cases["generated"]
    report.figures[f"{label}: cases with failures"] = cases["with_failures"]
    for failure in data.get("failures") or []:
        text = json.dumps(failure, ensure_ascii=False)
        if "server_error" in text or '"status_code": 5' in text:
            report.errors_5xx += 1
        report.problems.append(f"{label}: {text[:400]}")
    for error in data.get("errors") or []:
        report.problems.append(f"{label}: error {json.dumps(error, ensure_ascii=False)[:400]}")
    if data.get("exit_code") not in (0, None) and not report.problems:
        report.problems.append(f"{label}: schemathesis exit code {data.get('exit_code')}")


def run(cases: int, seed_value: int, phases: str, time_limit: float, folder: Path) -> Report:
    """Run both schemathesis runs against a seeded server; return the report."""
    report = Report("bad_input")
    started = time.monotonic()
    database_url = sqlite_url(folder)
    seed(database_url, ["petugas_0"])
    from sync_server.db import make_engine, write_tx
    from sync_server.users import create_user

    engine = make_engine(database_url)
    with write_tx(engine) as conn:
        create_user(conn, "admin_stress", PASSWORD, "admin", [], actor="stress")
    engine.dispose()
    server = ServerProcess(folder / "instance", database_url)
    server.start()
    try:
        entry_id, sha = seed_data(folder, server.url)
        token = sign_in(server.url, "schemathesis")
        broad = schemathesis(server.url, token, cases, seed_value, phases, time_limit / 2,
                             folder / "report-all", [])
        add_run(report, "all operations", broad)
        config = folder / "schemathesis.toml"
        config.write_text(f'[parameters]\nentry_id = "{entry_id}"\nsha256 = "{sha}"\n', "utf-8")
        seeded = schemathesis(server.url, token, cases, seed_value, phases, time_limit / 2,
                              folder / "report-seeded",
                              ["--include-path-regex", SEEDED_PATHS], config)
        add_run(report, "existing entry and file", seeded)
        for label, path, params in (
            ("revoke tokens", EXCLUDED[1], 'username = "petugas_0"\n'),
            ("sign out", EXCLUDED[0], ""),
        ):
            config = folder / f"schemathesis-{label.replace(' ', '-')}.toml"
            config.write_text(f"[parameters]\n{params}", "utf-8")
            own = sign_in(server.url, f"schemathesis-{label.replace(' ', '-')}")
            data = schemathesis(server.url, own, cases, seed_value, phases, time_limit / 4,
                                folder / f"report-{label.replace(' ', '-')}",
                                ["--include-path", path], config)
            add_run(report, label, data)
        health = requests.get(f"{server.url}/api/v1/health", timeout=10)
        if health.status_code != 200:
            report.problems.append(f"the server is unwell after the run: {health.status_code}")
    finally:
        server.stop()
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="examples per operation")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds")
    parser.add_argument("--folder", default=None, help="work folder (default: a temp folder)")
    args = parser.parse_args(argv)
    report = run(args.cases, args.seed, args.phases, args.time_limit, work_folder(args.folder))
    report.print()
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
