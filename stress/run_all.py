"""Run every fault script, each in its own process, and summarise.

``python -m stress.run_all`` runs the short forms (what CI runs, a few minutes);
``python -m stress.run_all --long`` (``make stress``) runs the long forms of the issue:
10 devices x 200 entries through the faulty proxy, 25 server kills, 500 device-store kills,
50 devices at once on gunicorn/PostgreSQL and waitress/SQLite, schemathesis with 100 cases per
operation, 5,000 random merge histories (500 of them on real SQLite/PostgreSQL servers).
``--only network_faults,bad_input`` picks scripts. Exits non-zero when any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Arguments of the short forms (CI: tests/e2e/test_faults_short.py uses these too).
SHORT: dict[str, list[str]] = {
    "network_faults": ["--devices", "3", "--entries", "20", "--batch-size", "5",
                       "--period", "0.3", "--time-limit", "120"],
    "server_crash": ["--devices", "3", "--entries", "40", "--kills", "2", "--batch-size", "5",
                     "--min-gap", "0.2", "--max-gap", "0.6", "--time-limit", "150"],
    "store_kill": ["--kills", "20"],
    "concurrency": ["--devices", "6", "--entries", "3", "--edits", "1", "--time-limit", "150"],
    "bad_input": ["--cases", "2", "--phases", "fuzzing", "--time-limit", "150"],
    "merge_properties": ["--scenarios", "100", "--real", "10", "--time-limit", "150"],
}

#: Arguments of the long forms (the figures in docs/faults.md).
LONG: dict[str, list[str]] = {
    "network_faults": ["--devices", "10", "--entries", "200", "--time-limit", "900"],
    "server_crash": ["--devices", "5", "--entries", "200", "--kills", "25", "--batch-size", "4",
                     "--time-limit", "900"],
    "store_kill": ["--kills", "500"],
    "concurrency": ["--devices", "50", "--entries", "20", "--edits", "5", "--time-limit", "900"],
    "bad_input": ["--cases", "100", "--time-limit", "1200"],
    "merge_properties": ["--scenarios", "5000", "--real", "500", "--time-limit", "1800"],
}


def command(name: str, long: bool) -> list[str]:
    """The command line of one script in its short or long form."""
    return [sys.executable, "-m", f"stress.{name}", *(LONG if long else SHORT)[name]]


def main(argv: list[str] | None = None) -> int:
    """Run the scripts one after the other; print each one's report and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="the long forms (make stress)")
    parser.add_argument("--only", default="", help="comma-separated script names")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SHORT)
    unknown = sorted(set(names) - set(SHORT))
    if unknown:
        parser.error(f"unknown scripts: {', '.join(unknown)}")
    summary = []
    for name in names:
        cmd = command(name, args.long)
        print(f"$ {' '.join(cmd[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(cmd, cwd=ROOT, check=False).returncode
        summary.append((name, code, time.monotonic() - started))
    print("\n== summary")
    for name, code, seconds in summary:
        print(f"{name:16} {'OK' if code == 0 else f'FAILED ({code})':12} {seconds:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    raise SystemExit(main())
