"""Background sync against the live server: progress, cancel, and sync when the network is back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from field_app.background import BackgroundSync
from field_app.sync_client import Progress, SyncOutcome
from tests.field_app.test_sync_live import KUN, finalized_entries, signed_in
from tests.support.server import LiveServer
from tests.support.tcp_proxy import FaultyProxy


def test_background_sync_reports_progress_and_can_be_cancelled(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = signed_in(tmp_path / "tab", server.url, batch_size=5)
    assert client.sync().ok
    finalized_entries(store, client.form(*KUN), 40)
    events: list[Progress] = []
    done: list[SyncOutcome] = []
    returned = threading.Event()
    caller_had_its_answer: list[bool] = []

    def on_progress(progress: Progress) -> None:
        if not caller_had_its_answer:  # the sync waits until sync_now has returned to the UI
            caller_had_its_answer.append(returned.wait(30))
        events.append(progress)
        if progress.phase == "push" and progress.done >= 10 and not done:
            worker.cancel()  # the officer taps "cancel" during the first sync

    worker = BackgroundSync(client, on_progress=on_progress, on_done=done.append)
    assert worker.sync_now()
    returned.set()  # the caller (the UI) is not blocked while the sync runs
    outcome = worker.wait(60)
    assert caller_had_its_answer == [True]
    assert outcome is not None and done == [outcome]
    assert outcome.reason == "cancelled"
    assert outcome.message["id"].startswith("Sinkronisasi dibatalkan")
    counts = store.counts()
    assert (counts["sent"], counts["finalized"]) == (10, 30)  # acknowledged batches stay sent
    push_events = [e for e in events if e.phase == "push"]
    events.clear()
    assert [(e.done, e.total) for e in push_events] == [(0, 40), (5, 40), (10, 40)]
    assert push_events[-1].bytes_sent > push_events[1].bytes_sent > 0
    assert push_events[1].message["en"] == "Sending entry 5 of 40"
    assert worker.sync_now()
    assert worker.wait(60).ok
    assert store.counts()["sent"] == 40
    assert [(e.done, e.total) for e in events if e.phase == "push"][-1] == (30, 30)


def test_wait_returns_once_on_done_has_the_outcome(server: LiveServer, tmp_path: Path) -> None:
    """``wait()`` used to return when the thread marked itself finished, before ``on_done``
    ran: a caller reading what ``on_done`` recorded could find nothing (a GIL switch at the
    wrong moment; certain with a callback that takes a moment, as here). ``on_done`` may
    start the next sync."""
    store, client = signed_in(tmp_path / "tab", server.url)
    assert client.sync().ok
    finalized_entries(store, client.form(*KUN), 2)
    done: list[SyncOutcome] = []
    restarted: list[bool] = []

    def on_done(outcome: SyncOutcome) -> None:
        time.sleep(0.05)  # a UI callback that takes a moment
        done.append(outcome)
        if not restarted:
            restarted.append(worker.sync_now())

    worker = BackgroundSync(client, on_done=on_done)
    assert worker.sync_now()
    first = worker.wait(60)
    assert first is not None and first.ok and done == [first] and restarted == [True]
    second = worker.wait(60)
    assert second is not None and second.ok and done == [first, second]
    assert store.counts()["sent"] == 2


def test_syncs_by_itself_when_the_network_comes_back(server: LiveServer, tmp_path: Path) -> None:
    with FaultyProxy(("127.0.0.1", server.port), seed=5) as proxy:
        store, client = signed_in(tmp_path / "tab", proxy.url)
        assert client.sync().ok
        finalized_entries(store, client.form(*KUN), 3)
        proxy.set_faults(drop=1.0)  # the network is gone
        done: list[SyncOutcome] = []
        worker = BackgroundSync(client, on_done=done.append, probe_interval=0.05,
                                max_probe_interval=0.2)
        worker.start_auto()
        try:
            deadline = time.monotonic() + 15
            while proxy.stats.dropped < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proxy.stats.dropped >= 2  # it kept probing /health
            assert worker.auto_syncs == 0 and store.has_unsent()
            proxy.clear()
            deadline = time.monotonic() + 15
            while store.has_unsent() and time.monotonic() < deadline:
                time.sleep(0.05)
            worker.wait(15)
        finally:
            worker.stop()
        assert not store.has_unsent()
        assert worker.auto_syncs >= 1 and done and done[-1].ok
        probes_after = proxy.stats.connections
        time.sleep(0.3)
        assert proxy.stats.connections == probes_after  # nothing waits: no more probes


def test_autosave_while_the_sync_thread_writes(server: LiveServer, tmp_path: Path) -> None:
    store, client = signed_in(tmp_path / "tab", server.url, batch_size=10)
    assert client.sync().ok
    form = client.form(*KUN)
    finalized_entries(store, form, 60)
    draft = store.create_draft(form.form_id, form.version, "16.71")
    worker = BackgroundSync(client)
    assert worker.sync_now()
    saves = 0
    while worker.running or saves < 20:  # the officer keeps typing during the sync
        saves += 1
        store.save_answers(draft, {"opd": f"ketikan {saves}"})
    assert worker.wait(60).ok
    assert store.counts()["sent"] == 60
    reopened = type(store)(store.folder, durable=False)
    assert reopened.get_entry(draft)["answers"] == {"opd": f"ketikan {saves}"}
    assert reopened.counts() == {"draft": 1, "finalized": 0, "sent": 60,
                                 "needs_correction": 0, "conflict": 0}
