"""The background worker that keeps ``export_cells`` fresh while the server is idle.

Every change of an entry writes a row of the pull feed (``changes``, with a growing ``seq``).
The worker looks at the feed's last ``seq`` every ``poll_seconds``; once it has not moved for
``idle_seconds`` (no push, edit or review for that long), it lays out the cells of the entries
changed since its last pass (:func:`~.cell_store.refresh_cells`), and stops between blocks as
soon as a new change comes in: syncing tablets always come first. Its first pass, after start,
looks at every entry (an instance upgraded or filled while no server ran).

The serving process starts one (``survey-server serve`` at start, ``sync_server.wsgi`` at each
process's first request, so gunicorn's forked workers each start their own); with several
processes each does the same work, which costs only CPU: a refresh stores a row only for an
entry whose head is still the one laid out.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from sqlalchemy import Engine, func, select

from ..db import read_tx
from ..forms_store import FormCache
from ..schema import changes
from .cell_store import refresh_cells

__all__ = ["CellLayoutWorker", "start_cell_worker", "start_cell_worker_on_first_request"]

log = logging.getLogger(__name__)


class CellLayoutWorker:
    """Lays out export cells in a daemon thread once the server is idle (see module doc)."""

    def __init__(
        self,
        engine: Engine,
        forms: FormCache,
        *,
        idle_seconds: float = 2.0,
        poll_seconds: float | None = None,
        error_backoff: float = 30.0,
    ) -> None:
        self.engine = engine
        self.forms = forms
        self.idle_seconds = idle_seconds
        poll = poll_seconds if poll_seconds is not None else min(1.0, idle_seconds)
        self.poll_seconds = max(0.05, poll)
        self.error_backoff = error_backoff
        #: the last exception a pass ended with (``None`` after a pass that finished)
        self.last_error: BaseException | None = None
        #: the process that started the thread (a forked child starts its own)
        self.pid = os.getpid()
        #: the feed ``seq`` up to which every changed entry has been laid out (None: none yet)
        self.done_seq: int | None = None
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="export-cell-layout", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the thread after its current block; False when it is still running after
        ``timeout`` seconds (logged)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the export cells' worker did not stop within %s s", timeout)
                return False
        return True

    def _last_seq(self) -> int:
        with read_tx(self.engine) as conn:
            return int(conn.execute(select(func.max(changes.c.seq))).scalar_one() or 0)

    def run_pass(self, upto: int) -> bool:
        """Lay out the entries changed up to feed ``seq`` ``upto``; True when it finished."""
        if self.done_seq is None:
            ids = None  # first pass: every entry
        else:
            with read_tx(self.engine) as conn:
                ids = conn.execute(
                    select(changes.c.entry_id)
                    .where(
                        changes.c.seq > self.done_seq,
                        changes.c.seq <= upto,
                        changes.c.kind == "entry",
                    )
                    .distinct()
                ).scalars()
                ids = [entry_id for entry_id in ids if entry_id]
        interrupted = False

        def should_stop() -> bool:
            nonlocal interrupted
            interrupted = self._stop.is_set() or self._last_seq() != upto
            return interrupted

        refresh_cells(self.engine, self.forms, entry_ids=ids, should_stop=should_stop)
        if interrupted:
            return False
        self.done_seq = upto
        self.passes += 1
        self.last_error = None
        return True

    def _run(self) -> None:
        seen, seen_at = -1, time.monotonic()
        while not self._stop.wait(self.poll_seconds):
            try:
                last = self._last_seq()
                now = time.monotonic()
                if last != seen:
                    seen, seen_at = last, now
                if last != self.done_seq and now - seen_at >= self.idle_seconds:
                    self.run_pass(last)
            except Exception as exc:  # a cache: log, wait, try again; the server goes on
                self.last_error = exc
                log.exception("laying out export cells failed")
                self._stop.wait(self.error_backoff)


def start_cell_worker(app: Any) -> CellLayoutWorker | None:
    """Start the worker of a ``create_app`` app now (``None`` when
    ``EXPORT_CELLS_IDLE_SECONDS`` is 0 or less); it is kept on the app's state as
    ``cell_worker``. For a process that will not fork afterwards (``survey-server serve``)."""
    idle = float(app.config.get("EXPORT_CELLS_IDLE_SECONDS", 2.0))
    if idle <= 0:
        return None
    state = app.extensions["sync_server"]
    worker = CellLayoutWorker(
        state.engine,
        state.forms,
        idle_seconds=idle,
        error_backoff=float(app.config.get("EXPORT_CELLS_ERROR_BACKOFF", 30.0)),
    )
    state.cell_worker = worker
    worker.start()
    return worker


def start_cell_worker_on_first_request(app: Any) -> None:
    """Start the worker in each serving process at its first request (WSGI servers such as
    gunicorn, which may import the app once and fork workers: a thread started before the fork
    would run in the master only, over connections the children inherit)."""
    lock = threading.Lock()

    @app.before_request
    def _ensure_cell_worker() -> None:
        state = app.extensions["sync_server"]
        worker = state.cell_worker
        if worker is not None and worker.pid == os.getpid():
            return
        with lock:
            worker = state.cell_worker
            if worker is None or worker.pid != os.getpid():
                if worker is not None:  # inherited through a fork: the child's own connections
                    state.engine.dispose(close=False)
                start_cell_worker(app)
