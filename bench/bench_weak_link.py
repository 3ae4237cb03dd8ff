"""Sync over a weak mobile link (issue 12): 10 observation entries, 3 of them with 2 photos each.

The sync server runs in its own process (SQLite, waitress, as in the tests); between it and the
tablet's real sync client sits the loopback proxy of ``tests/support/tcp_proxy.py`` throttling
the upstream to 32 KB/s. Photos are made as the tablet keeps them: a photo-like 12-megapixel
picture (4000 x 3000) downscaled with Pillow to the pilot form's ``max-pixels`` (1600 px long
side), JPEG quality 80 (a few hundred kB each).

Figures:

* throttled: seconds until every entry and photo is on the server (target < 180 s), and until
  the 7 entries without photos are (target < 20 s);
* the same set (new photos) at 32 KB/s with every connection cut after 300 kB of upstream: the
  number of sync attempts until everything is on the server (target: at most 5), the cuts, and
  the bytes sent upstream per photo byte (about 1: uploads resume, they do not restart).

``python -m bench.bench_weak_link`` (or ``make bench``; ``python -m bench.run_all --only
weak_link``). Takes about 4 minutes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import result

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "rahasia-bench-1"
RATE = 32 * 1024  # bytes per second upstream
CUT = 300_000  # bytes per connection
PLAIN, PHOTO_ENTRIES, PHOTOS_EACH = 7, 3, 2


def _serve(instance: str, conn: Any) -> None:
    """Child process: a seeded live server; sends its URL, serves until told to stop."""
    sys.path.insert(0, str(ROOT))
    from survey_forms import pilot_form_path
    from tests.support.server import create_user, publish_form, start_live_server

    server = start_live_server(Path(instance))
    create_user(server.app, "petugas", PASSWORD, "officer", ["16.71"])
    publish_form(server.app, pilot_form_path("observasi"))
    conn.send((server.url, server.port))
    conn.recv()
    server.stop()


def _scenario(url: str, port: int, folder: Path, seed: int, faults: dict[str, Any]
              ) -> dict[str, Any]:
    """One tablet sends the set through a proxy with ``faults``; what it took."""
    from field_app.entries import attachments_of
    from field_app.store import Store
    from field_app.sync_client import SyncClient
    from tests.support.tcp_proxy import FaultyProxy
    from tests.support.weak_link import make_entries, realistic_photo, sync_until_done

    photos = [[realistic_photo(seed + PHOTOS_EACH * n + i) for i in range(PHOTOS_EACH)]
              for n in range(PHOTO_ENTRIES)]
    payload = sum(len(p) for pair in photos for p in pair)
    store = Store(folder / "store")
    client = SyncClient(store, url, attachments_folder=folder / "attachments")
    client.sign_in("petugas", PASSWORD)
    if not client.sync().ok:  # the forms, on a good link
        raise RuntimeError("the first sync failed")
    plain, with_photos = make_entries(store, client, folder, PLAIN, photos)
    with FaultyProxy(("127.0.0.1", port)) as proxy:
        client._server_url = proxy.url
        proxy.set_faults(**faults)
        run = sync_until_done(store, client, plain, max_attempts=10)
        upstream, cuts = proxy.stats.bytes_request, proxy.stats.cut
    client._server_url = url  # checked directly with the server
    done = all(store.get_entry(e)["status"] == "sent" for e in plain + with_photos)
    hashes = [a["sha256"] for e in with_photos
              for a in attachments_of(store.get_entry(e)["answers"])]
    api = client.api((store.credentials() or {})["token"])  # the server says what it holds
    try:
        missing = api.missing_attachments(hashes)
    finally:
        api.close()
    store.close()
    if not done or missing:
        raise RuntimeError(f"not everything arrived: {run.outcomes[-1].detail}, missing "
                           f"photos {missing}")
    return {"seconds": run.seconds, "plain_seconds": run.plain_seconds,
            "attempts": run.attempts, "payload": payload, "photos": len(hashes),
            "upstream": upstream, "cuts": cuts,
            "failures": [o.reason for o in run.outcomes if not o.ok]}


def run() -> list[dict[str, Any]]:
    """Both scenarios against one server process; the figures."""
    import multiprocessing

    sys.path.insert(0, str(ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="bench-weak-link-"))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(str(scratch / "instance"), child))
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the sync server did not start")
        url, port = parent.recv()
        slow = _scenario(url, port, scratch / "throttled", 1000, {"throttle": RATE})
        cut = _scenario(url, port, scratch / "cut", 2000,
                        {"throttle": RATE, "cut_after": CUT, "direction": "request"})
    finally:
        parent.send("stop")
        process.join(30)
        shutil.rmtree(scratch, ignore_errors=True)
    photo_kb = slow["payload"] / slow["photos"] / 1024
    note = f"{PLAIN} + {PHOTO_ENTRIES}x{PHOTOS_EACH} photos, {photo_kb:.0f} kB per photo"
    return [
        result("weak link 32 KB/s: all 10 entries and 6 photos on the server",
               slow["seconds"], "s", 180, note=note),
        result("weak link 32 KB/s: the 7 entries without photos on the server",
               slow["plain_seconds"] or slow["seconds"], "s", 20),
        result("weak link, cut every 300 kB: sync attempts until all is on the server",
               cut["attempts"], "syncs", 6,
               note=f"{cut['cuts']} connections cut, done in {cut['seconds']:.0f} s"),
        result("weak link, cut every 300 kB: bytes sent upstream per photo byte",
               cut["upstream"] / cut["payload"], "ratio", None,
               note="about 1: photo uploads resume from the server's offset"),
    ]


def main() -> None:
    """Print the figures."""
    for row in run():
        print(f"{row['name']:<72} {row['value']:>9} {row['unit']:<6} {row['target']:<8} "
              f"{'PASS' if row['pass'] else 'FAIL'}  {row['note']}")


if __name__ == "__main__":
    main()
