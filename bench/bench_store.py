"""Benchmarks of the tablet's store and sync (issue 4).

With 2,000 entries on the device (a season: 1,900 sent, 60 finalized waiting, 40 drafts, each
a complete observation of the pilot form):

* saving the draft after an answer (answer + session recompute + durable write), p95 < 30 ms;
* listing the entries < 100 ms;
* loading the store at start < 500 ms;

and pushing 500 finalized entries without attachments to a local real sync server (on loopback,
SQLite) < 3 s end to end. A harder case is measured too (400 drafts left open), reported as
information. Run: ``python -m bench.bench_store``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, median, p95, result, timed
from field_app.form_session import EntryEditor
from field_app.store import Store
from survey_forms import load_pilot_form

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/survey_forms/fixtures/observasi_complete.json"
REGION = "16.71"


def complete_answers(n: int, photos: bool = True) -> dict[str, Any]:
    """A complete observation entry, made distinct by ``n`` (optionally without photos)."""
    answers = json.loads(FIXTURE.read_text("utf-8"))
    if not photos:
        answers = {key: value for key, value in answers.items()
                   if not (isinstance(value, dict) and "sha256" in value)}
    for key, value in answers.items():
        if isinstance(value, str) and key.startswith(("catatan", "nama", "lokasi")):
            answers[key] = f"{value} ({n})"
            break
    return answers


def fill_store(folder: Path, form: Any, sent: int, finalized: int, drafts: int) -> None:
    """Put entries on a device the way the app does (fsync off while filling)."""
    store = Store(folder, durable=False)
    base = complete_answers(0)
    assert form.validate(base) == [], "fixture must be valid"
    waiting: list[str] = []
    for n in range(sent + finalized):
        entry_id = store.create_draft(form.form_id, form.version, REGION, base)
        store.finalize_entry(entry_id, form)
        waiting.append(entry_id)
        if len(waiting) == 100 or n == sent - 1:
            if n < sent:
                acks = [{"entry_id": p["entry_id"], "rev": p["rev"], "status": "stored"}
                        for p in store.pending_revisions()]
                store.apply_push_results(acks)
            waiting = []
    for _ in range(drafts):
        store.create_draft(form.form_id, form.version, REGION, dict(base))
    store.close()


def measure_store(folder: Path, form: Any, label: str, expected: int) -> dict[str, float]:
    """Time start-up, listing and autosave on a filled store (durable writes)."""
    loads = timed(lambda: Store(folder).close(), 7)
    store = Store(folder)
    listing = timed(store.list_entries, 20)
    assert len(store.list_entries()) == expected, label
    draft_id = store.list_entries(status="draft")[0]["entry_id"]
    editor = EntryEditor(store, form, draft_id)
    texts = [q.name for q in form.questions_in_order()
             if q.type == "text" and not q.repeat_path and editor.is_relevant(q.name)]
    counter = iter(range(10**9))

    def answer() -> None:
        editor.set_answer(texts[next(counter) % len(texts)], f"catatan {next(counter)}")

    saves = timed(answer, 200)
    store.close()
    return {"load_median": median(loads), "load_max": max(loads),
            "list_median": median(listing), "save_p95": p95(saves),
            "save_median": median(saves)}


def _serve(instance: str, password: str, conn: Any) -> None:
    """Child process: a seeded live server; sends its URL, serves until told to stop."""
    sys.path.insert(0, str(ROOT))
    from survey_forms import pilot_form_path
    from tests.support.server import create_user, publish_form, start_live_server

    server = start_live_server(Path(instance))
    create_user(server.app, "petugas", password, "officer", [REGION])
    publish_form(server.app, pilot_form_path("observasi"))
    conn.send(server.url)
    conn.recv()
    server.stop()


def measure_push(count: int = 500, repeat: int = 3) -> tuple[float | None, str]:
    """Push ``count`` finalized entries to a real local server; median seconds end to end.

    Each of the ``repeat`` runs is a fresh device with ``count`` new entries.
    The server runs in its own process (as on a real network), started by the server
    engineer's ``tests.support.server.start_live_server`` on loopback with SQLite.
    """
    import multiprocessing

    sys.path.insert(0, str(ROOT))
    try:
        import tests.support.server  # noqa: F401
    except ImportError as exc:
        return None, f"sync server not available: {exc}"
    from field_app.sync_client import SyncClient

    password = "rahasia-bench-1"
    scratch = Path(tempfile.mkdtemp(prefix="bench-push-"))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(str(scratch / "instance"), password, child))
    process.start()
    try:
        if not parent.poll(60):
            return None, "the sync server did not start"
        url = parent.recv()
        form = load_pilot_form("observasi")
        times = []
        for attempt in range(repeat):
            store = Store(scratch / f"device-{attempt}" / "store")
            client = SyncClient(store, url)
            client.sign_in("petugas", password)
            for n in range(count):
                entry_id = store.create_draft(form.form_id, form.version, REGION,
                                              complete_answers(attempt * count + n, photos=False))
                assert store.finalize_entry(entry_id, form) == []
            start = time.perf_counter()
            outcome = client.sync(pull=False)
            times.append(time.perf_counter() - start)
            if not outcome.ok or outcome.sent != count:
                return None, f"push failed: {outcome.reason} {outcome.detail} sent={outcome.sent}"
        return median(times), "runs: " + ", ".join(f"{t:.2f}" for t in times) + " s"
    finally:
        parent.send("stop")
        process.join(30)
        shutil.rmtree(scratch, ignore_errors=True)


def run() -> list[dict[str, Any]]:
    """Run the store and push benchmarks; return their figures."""
    form = load_pilot_form("observasi")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        season = Path(tmp) / "season"
        fill_store(season, form, sent=1900, finalized=60, drafts=40)
        figures = measure_store(season, form, "season", 2000)
        note = "2,000 entries: 1,900 sent, 60 finalized, 40 drafts; fsync on"
        results.append(result("store: draft save after an answer, p95", figures["save_p95"],
                              "ms", 30, note=note))
        results.append(result("store: list 2,000 entries", figures["list_median"], "ms", 100,
                              note=note + "; median"))
        results.append(result("store: load at start", figures["load_median"], "ms", 500,
                              note=note + f"; median, max {figures['load_max']:.0f} ms"))
        # many open drafts: the drafts file is rewritten on every answer
        store = Store(season, durable=False)
        for _ in range(360):
            store.create_draft(form.form_id, form.version, REGION, complete_answers(1))
        store.close()
        bad = measure_store(season, form, "drafts", 2360)
        results.append(result(
            "store (400 open drafts, 2,360 entries): draft save p95", bad["save_p95"], "ms", 30,
            note=f"information; list {bad['list_median']:.0f} ms, load {bad['load_median']:.0f} ms",
        ))
    seconds, why = measure_push()
    if seconds is None:
        results.append({"name": "sync: push 500 finalized entries", "value": "n/a", "unit": "s",
                        "target": "< 3", "pass": False, "note": why})
    else:
        results.append(result(
            "sync: push 500 finalized entries", seconds, "s", 3,
            note=f"median; {why}; no attachments; real server in its own process, SQLite"))
    return results


def main() -> None:
    """Print the figures."""
    print(machine())
    for item in run():
        mark = "PASS" if item["pass"] else "FAIL"
        print(f"{mark}  {item['name']}: {item['value']} {item['unit']} "
              f"(target {item['target']}) {item['note']}")


if __name__ == "__main__":
    main()
