"""Run the real sync server in-process over HTTP on loopback, for tests.

``start_live_server`` creates the app with :func:`sync_server.create_app`, runs the migrations,
and serves it with waitress on a free ``127.0.0.1`` port in a background thread::

    server = start_live_server(tmp_path / "instance")
    requests.get(server.url + "/api/v1/health")
    create_user(server.app, "petugas", "rahasia123", "officer", ["16.71"])
    server.stop()
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from sync_server import create_app
from sync_server.db import write_tx
from sync_server.export.cell_worker import start_cell_worker
from sync_server.migrate import upgrade
from sync_server.serving_lock import hold_serving

__all__ = ["LiveServer", "create_user", "engine_of", "publish_form", "start_live_server"]


@dataclass
class LiveServer:
    """A running server: ``url`` (no trailing slash), the Flask ``app``, and ``stop()``."""

    url: str
    app: Flask
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _serving: Any = field(default=None, repr=False)

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop serving, wait for the thread, and dispose of the database engine."""
        server = self._server
        server.task_dispatcher.shutdown(timeout=5)
        # Close every channel from inside the serving loop; with its map empty the loop ends.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The trigger's pipe is already closed: the loop ended on its own (seen once in
            # about 40 full runs, at teardown). Close whatever is left from here.
            with contextlib.suppress(OSError, ValueError):
                wasyncore.close_all(server._map)
        self._thread.join(timeout=10)
        worker = self.app.extensions["sync_server"].cell_worker
        if worker is not None and not worker.stop():
            raise RuntimeError("the export cells' worker did not stop")
        if self._serving is not None:  # as a stopped process: a restore may now run
            self._serving.release()
        engine_of(self.app).dispose()


def engine_of(app: Flask) -> Any:
    """The SQLAlchemy engine of an app made by ``create_app``."""
    return app.extensions["sync_server"].engine


def start_live_server(
    instance_dir: Path, database_url: str | None = None, *, threads: int = 8, **config: Any
) -> LiveServer:
    """Create, migrate and serve a sync server app; returns once it answers /api/v1/health."""
    # the export cells' worker as in production, but quick to lay out after the last change
    settings: dict[str, Any] = {
        "INSTANCE_PATH": str(instance_dir),
        "EXPORT_CELLS_IDLE_SECONDS": 0.3,
        "EXPORT_CELLS_ERROR_BACKOFF": 0.5,
        **config,
    }
    if database_url:
        settings["DATABASE_URL"] = database_url
    app = create_app(settings)
    upgrade(engine_of(app))
    # the locks `survey-server serve` holds: a restore refuses while this server runs
    serving = hold_serving(Path(app.instance_path), engine_of(app))
    start_cell_worker(app)
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=_serve, args=(server,), name=f"waitress-{port}", daemon=True)
    thread.start()
    live = LiveServer(
        url=f"http://127.0.0.1:{port}", app=app, _server=server, _thread=thread, _serving=serving
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            if requests.get(live.url + "/api/v1/health", timeout=2).status_code == 200:
                return live
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            live.stop()
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)


def _serve(server: Any) -> None:
    # Closing the listening socket from another thread may end the loop this way.
    with contextlib.suppress(OSError, ValueError):
        server.run()


def create_user(
    app: Flask,
    username: str,
    password: str,
    role: str,
    regions: list[str] | tuple[str, ...] = (),
    full_name: str = "",
) -> Any:
    """Create an account directly in the app's database; returns the ``User``."""
    from sync_server.users import create_user as _create

    with write_tx(engine_of(app)) as conn:
        return _create(conn, username, password, role, list(regions), full_name, actor="test")


def publish_form(app: Flask, path: str | Path) -> dict[str, Any]:
    """Publish an XLSForm file (``.xlsx``, ``.xls``, ``.csv``, ``.md``) as a form version."""
    from sync_server.forms_store import publish_file

    with app.app_context(), write_tx(engine_of(app)) as conn:
        return publish_file(conn, Path(path), actor="test")
