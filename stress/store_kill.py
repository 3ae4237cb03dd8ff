"""Kill the store's writer at random moments and check that no acknowledged save is lost.

A child process (forked, so it starts in milliseconds) opens the store in one folder and works
in a loop like an officer: starts drafts, autosaves answers, finalizes, deletes drafts, and
marks finalized entries as acknowledged by the server (moving them to the archive). Before each
operation it tells the parent what it is about to do; after the operation returns (on disk,
fsynced) it acknowledges it. The parent SIGKILLs the child at a random moment, reopens the
store as the app would at start, and checks:

* the store loads (no half-written file is ever read; leftover temp files are cleaned);
* every acknowledged operation is there: saved answers, drafts, finalized and sent entries;
* the one operation in flight at the kill either happened completely or not at all;
* no entry is stored twice (moves between files are reconciled).

Run ``python -m stress.store_kill --kills 500``; the test suite runs a short form of it.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from field_app.store import Store

FORM_MD = """
| survey |
| | type | name | label | required |
| | integer | n | Nomor | yes |
| | text | teks | Teks | |
| settings |
| | form_id | version |
| | kill_uji | 1 |
"""


def load_form() -> Any:
    """The small form the child fills."""
    from survey_forms import load_xlsform

    return load_xlsform(textwrap.dedent(FORM_MD).encode("utf-8"), "md", form_id="kill_uji")


@dataclass
class Model:
    """What the parent knows was acknowledged: per entry, its state and last saved number."""

    state: dict[str, str] = field(default_factory=dict)  # draft, finalized, sent, deleted
    number: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    """Totals of a run."""

    kills: int = 0
    kills_mid_operation: int = 0
    acknowledged: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _child(folder: Path, fd: int, seed: int, form: Any) -> None:
    rng = random.Random(seed)
    store = Store(folder)

    def say(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    say("READY")
    while True:
        drafts = [s["entry_id"] for s in store.list_entries(status="draft")]
        finalized = [s["entry_id"] for s in store.list_entries(status="finalized")]
        roll = rng.random()
        if not drafts or (roll < 0.08 and len(drafts) < 6):
            say("I create")
            entry_id = store.create_draft(form.form_id, form.version, "16.71", {"n": 0})
            say(f"A create {entry_id}")
        elif roll < 0.14:
            entry_id = rng.choice(drafts)
            say(f"I finalize {entry_id}")
            issues = store.finalize_entry(entry_id, form)
            assert issues == [], issues
            say(f"A finalize {entry_id}")
        elif roll < 0.16:
            entry_id = rng.choice(drafts)
            say(f"I delete {entry_id}")
            store.delete_draft(entry_id)
            say(f"A delete {entry_id}")
        elif roll < 0.22 and finalized:
            batch = finalized[: rng.randint(1, len(finalized))]
            payloads = [p for p in store.pending_revisions() if p["entry_id"] in batch]
            say("I send " + " ".join(batch))
            store.apply_push_results([
                {"entry_id": p["entry_id"], "rev": p["rev"], "status": "stored"}
                for p in payloads
            ])
            say("A send " + " ".join(batch))
        else:
            entry_id = rng.choice(drafts)
            number = store.get_entry(entry_id)["answers"]["n"] + 1
            say(f"I save {entry_id} {number}")
            store.save_answers(entry_id, {"n": number, "teks": "x" * rng.randint(0, 400)})
            say(f"A save {entry_id} {number}")


def _apply(model: Model, words: list[str]) -> int:
    """Record one acknowledged operation; return how many saves it acknowledged."""
    op, args = words[0], words[1:]
    if op == "create":
        model.state[args[0]] = "draft"
        model.number[args[0]] = 0
    elif op == "finalize":
        model.state[args[0]] = "finalized"
    elif op == "delete":
        model.state[args[0]] = "deleted"
    elif op == "send":
        for entry_id in args:
            model.state[entry_id] = "sent"
    elif op == "save":
        model.number[args[0]] = int(args[1])
    return 1


def _check(folder: Path, model: Model, in_flight: list[str] | None) -> list[str]:
    """Reopen the store and compare it with what was acknowledged."""
    problems = []
    try:
        store = Store(folder)
    except Exception as exc:
        return [f"store does not load: {exc!r}"]
    leftovers = [p.name for p in folder.iterdir() if ".tmp-" in p.name]
    if leftovers:
        problems.append(f"temporary files left after reopen: {leftovers}")
    summaries = store.list_entries()
    ids = [s["entry_id"] for s in summaries]
    if len(ids) != len(set(ids)):
        problems.append("an entry is stored twice")
    flight_op = in_flight[0] if in_flight else None
    flight_ids = set(in_flight[1:]) if in_flight else set()
    for entry_id, state in model.state.items():
        touched = entry_id in flight_ids
        exists = store.has_entry(entry_id)
        if state == "deleted":
            if exists:
                problems.append(f"{entry_id}: deleted but still there")
            continue
        if not exists:
            if not (touched and flight_op == "delete"):
                problems.append(f"{entry_id}: acknowledged {state} entry lost")
            continue
        record = store.get_entry(entry_id)
        allowed = {state}
        if touched and flight_op == "finalize":
            allowed.add("finalized")
        if touched and flight_op == "send":
            allowed.add("sent")
        if record["status"] not in allowed:
            problems.append(f"{entry_id}: status {record['status']}, expected {allowed}")
        number = record["answers"].get("n")
        allowed_numbers = {model.number[entry_id]}
        if touched and flight_op == "save":
            allowed_numbers.add(int(in_flight[2]))
        if number not in allowed_numbers:
            problems.append(f"{entry_id}: n={number}, acknowledged {model.number[entry_id]}")
    # an entry created in flight may exist: adopt it so later rounds track it
    for entry_id in set(ids) - set(model.state):
        if flight_op != "create":
            problems.append(f"{entry_id}: unknown entry appeared")
        else:
            model.state[entry_id] = store.get_entry(entry_id)["status"]
            model.number[entry_id] = store.get_entry(entry_id)["answers"]["n"]
    # the operation in flight may have happened: follow the store from here on
    if flight_op in ("finalize", "send", "delete", "save"):
        for entry_id in flight_ids:
            if store.has_entry(entry_id):
                record = store.get_entry(entry_id)
                model.state[entry_id] = record["status"]
                model.number[entry_id] = record["answers"]["n"]
            elif flight_op == "delete":
                model.state[entry_id] = "deleted"
    store.close()
    return problems


def run(
    kills: int, folder: Path | None = None, *, seed: int = 1, max_delay: float = 0.04,
    verbose: bool = False,
) -> Report:
    """Do ``kills`` rounds of start, work, SIGKILL, reopen and check; return the totals."""
    form = load_form()
    rng = random.Random(seed)
    report = Report()
    model = Model()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="store-kill-") as scratch:
        folder = folder or Path(scratch) / "store"
        for round_no in range(kills):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: work until killed
                os.close(read_fd)
                try:
                    _child(folder, write_fd, seed * 100_003 + round_no, form)
                finally:
                    os._exit(3)
            os.close(write_fd)
            reader = os.fdopen(read_fd, "r")
            ready = reader.readline()
            if ready.strip() != "READY":
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                report.problems.append(f"round {round_no}: child did not start")
                break
            # let the child finish at least one operation, then kill it at a random moment
            lines = []
            while not lines or not lines[-1].startswith("A "):
                line = reader.readline()
                if not line:
                    break
                lines.append(line)
            time.sleep(rng.uniform(0, max_delay))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            report.kills += 1
            in_flight: list[str] | None = None
            for line in [*lines, *reader.read().splitlines()]:
                words = line.split()
                if not words:
                    continue
                if words[0] == "I":
                    in_flight = words[1:]
                elif words[0] == "A":
                    report.acknowledged += _apply(model, words[1:])
                    in_flight = None
            reader.close()
            if in_flight is not None:
                report.kills_mid_operation += 1
            problems = _check(folder, model, in_flight)
            if problems:
                report.lost += len(problems)
                report.problems.extend(f"round {round_no}: {p}" for p in problems)
            if verbose and (round_no + 1) % 50 == 0:
                print(f"  {round_no + 1} kills, {report.acknowledged} acknowledged, "
                      f"{report.lost} lost", flush=True)
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--kills N [--seed S] [--max-delay SECONDS]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.04)
    args = parser.parse_args(argv)
    report = run(args.kills, seed=args.seed, max_delay=args.max_delay, verbose=True)
    print(f"kills: {report.kills}")
    print(f"kills in the middle of an operation: {report.kills_mid_operation}")
    print(f"saves acknowledged: {report.acknowledged}")
    print(f"saves lost: {report.lost}")
    print(f"time: {report.seconds:.1f} s")
    for problem in report.problems[:20]:
        print(f"  {problem}")
    return 0 if report.lost == 0 and not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
