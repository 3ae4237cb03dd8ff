"""Run every benchmark and record the figures.

Writes ``bench/results.json`` (a list of ``{name, value, unit, target, pass, note}`` plus the
machine) and ``bench/results.md`` (the table the README shows). Run: ``make bench`` or
``python -m bench.run_all [--only forms,server]``. With ``--only``, the figures of the chosen
benchmarks replace theirs in the existing ``results.json`` and the others are kept; every row
records its module, when it was measured and the load average (1 min) before it ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.common import machine

HERE = Path(__file__).resolve().parent

#: benchmark modules, in the order the README lists them
MODULES = {
    "forms": "bench.bench_forms",
    "fidelity": "bench.bench_fidelity",
    "corpus": "bench.bench_corpus",
    "store": "bench.bench_store",
    "server": "bench.bench_server",
    "export": "bench.bench_export",
    "review": "bench.bench_review",
    "dashboard": "bench.bench_dashboard",
    "app": "bench.bench_app",
    "backup": "bench.bench_backup",
    "weak_link": "bench.bench_weak_link",
    "photos": "bench.bench_photos",
}


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | value | unit | target | pass | measured (load avg) |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    for row in rows:
        mark = ("yes" if row["target"] != "(none)" else "-") if row["pass"] else "**NO**"
        note = f" ({row['note']})" if row.get("note") else ""
        when = f"{row.get('measured', '?')} ({row.get('load', '?')})"
        lines.append(
            f"| {row['name']}{note} | {row['value']} | {row['unit']} | {row['target']} | {mark}"
            f" | {when} |"
        )
    return "\n".join(lines)


def _load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="utf-8") as handle:
            return handle.read().split()[0]
    except OSError:
        return "?"


def _merged(rows: list[dict[str, Any]], chosen: list[str]) -> list[dict[str, Any]]:
    """``rows`` in place of the chosen modules' rows of the existing results, in module order."""
    try:
        old = json.loads((HERE / "results.json").read_text("utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        old = []
    kept = [row for row in old if row.get("module") in MODULES and row["module"] not in chosen]
    order = list(MODULES)
    return sorted(kept + rows, key=lambda row: order.index(row["module"]))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit status 1 when one could not run or missed its target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(MODULES))
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(MODULES)
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    for key in chosen:
        name = MODULES[key]
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"[bench] {name}: not present, skipped", file=sys.stderr)
                continue
            raise
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        load = _load_average()
        measured = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        try:
            produced = module.run()
        except Exception:  # a broken benchmark must not hide the others' figures
            traceback.print_exc()
            failures.append(name)
            continue
        for row in produced:
            print(f"  {row['name']:<52} {row['value']:>12} {row['unit']:<6} {row['target']:<10}"
                  f" {'PASS' if row['pass'] else 'FAIL'}", file=sys.stderr)
        for row in produced:
            row.update(module=key, measured=measured, load=load)
        rows.extend(produced)
        print(f"[bench] {name} took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    box = machine()
    if args.only:
        rows = _merged(rows, chosen)
    (HERE / "results.json").write_text(
        json.dumps({"machine": box, "date": stamp, "results": rows}, indent=2) + "\n", "utf-8"
    )
    table = _table(rows)
    (HERE / "results.md").write_text(
        f"Written {stamp}; machine: {box}.\n\n{table}\n", "utf-8"
    )
    print(table)
    missed = [row["name"] for row in rows if not row["pass"]]
    if failures:
        print(f"[bench] could not run: {', '.join(failures)}", file=sys.stderr)
    if missed:
        print(f"[bench] missed targets: {', '.join(missed)}", file=sys.stderr)
    return 1 if failures or missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
