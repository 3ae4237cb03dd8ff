"""Sync in a background thread, on demand and by itself when the network comes back.

:class:`BackgroundSync` never blocks its caller: :meth:`BackgroundSync.sync_now` starts a thread
and returns. Progress and the outcome are delivered through callbacks *from that thread*; a Kivy
UI forwards them to its main thread (``Clock.schedule_once``).

Automatic sync: while finalized entries wait to be sent (and the officer is signed in), a
watcher thread probes ``/health`` now and then (a light call, no retries), backing off while the
network is away; when the probe answers, it starts a sync.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from field_app.sync_client import Progress, SyncClient, SyncOutcome

__all__ = ["BackgroundSync"]

log = logging.getLogger(__name__)


class BackgroundSync:
    """Runs :meth:`SyncClient.sync` in a thread; can be cancelled; can sync by itself."""

    def __init__(
        self,
        client: SyncClient,
        on_progress: Callable[[Progress], None] | None = None,
        on_done: Callable[[SyncOutcome], None] | None = None,
        *,
        probe_interval: float = 15.0,
        max_probe_interval: float = 60.0,
    ) -> None:
        """Nothing starts until :meth:`sync_now` or :meth:`start_auto`."""
        self.client = client
        self.on_progress = on_progress
        self.on_done = on_done
        self.probe_interval = probe_interval
        self.max_probe_interval = max_probe_interval
        self.last_outcome: SyncOutcome | None = None
        self.auto_syncs = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._finished.set()
        # set once the last sync's outcome has also been handed to ``on_done``
        self._reported = threading.Event()
        self._reported.set()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether a sync thread is running."""
        return not self._finished.is_set()

    def sync_now(self) -> bool:
        """Start a sync in the background; ``False`` if one is already running."""
        with self._lock:
            if self.running:
                return False
            self._cancel = threading.Event()
            self._reported = threading.Event()
            self._finished.clear()
            self._thread = threading.Thread(target=self._run,
                                            args=(self._cancel, self._reported),
                                            name="field-sync", daemon=True)
            self._thread.start()
            return True

    def cancel(self) -> None:
        """Ask the running sync to stop at its next step (the store stays consistent)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> SyncOutcome | None:
        """Wait for the running sync (if any) and return the last outcome, once ``on_done``
        has been given it too (the thread marks itself finished first, so that ``on_done``
        may start another sync)."""
        self._reported.wait(timeout)
        return self.last_outcome

    def _run(self, cancel: threading.Event, reported: threading.Event) -> None:
        try:
            outcome = self.client.sync(self.on_progress, cancel)
        except Exception:  # the thread must always report, whatever happened
            log.exception("sync thread failed")
            from field_app.http_api import SyncError

            error = SyncError("unexpected")
            outcome = SyncOutcome(False, error.reason, error.message, detail="see log")
        self.last_outcome = outcome
        self._finished.set()
        try:
            if self.on_done is not None:
                self.on_done(outcome)
        except Exception:
            log.exception("on_done callback failed")
        finally:
            reported.set()

    # ------------------------------------------------------------ auto sync

    def start_auto(self) -> None:
        """Start watching for the network while something waits to be sent."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, name="field-sync-watch",
                                         daemon=True)
        self._watcher.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the watcher and cancel a running sync."""
        self._stop.set()
        self.cancel()
        if self._watcher is not None:
            self._watcher.join(timeout)
        self._finished.wait(timeout)

    def _should_probe(self) -> bool:
        store = self.client.store
        return (not self.running and store.credentials() is not None
                and store.has_unsent())

    def _watch(self) -> None:
        interval = self.probe_interval
        while not self._stop.is_set():
            if self._should_probe():
                if self.client.probe():
                    self.auto_syncs += 1
                    self.sync_now()
                    self._finished.wait()
                    ok = self.last_outcome is not None and self.last_outcome.ok
                    interval = (self.probe_interval if ok
                                else min(interval * 2, self.max_probe_interval))
                else:
                    interval = min(interval * 2, self.max_probe_interval)
            else:
                interval = self.probe_interval
            self._stop.wait(interval)
