"""WSGI entry point for gunicorn: ``gunicorn 'sync_server.wsgi:app'``.

Configuration comes from the environment (``SURVEY_DATABASE_URL``, ``SURVEY_SECRET_KEY``,
``SURVEY_INSTANCE_PATH``, ...); see docs/server.md. The request log is the app's own JSON
access log (:mod:`sync_server.observability`), on standard output unless ``SURVEY_ACCESS_LOG``
names a file (or ``off``); gunicorn writes none of its own (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from flask import abort

from . import create_app
from .export.cell_worker import start_cell_worker_on_first_request
from .observability import enable_access_log_from_env
from .serving_lock import RestoreRunningError, hold_serving

app = create_app()
enable_access_log_from_env()  # one JSON line per request, encoded with json.dumps
# `survey-server restore` refuses while a server holds these: the instance's lock file from
# here (inherited by the workers of a preloading master), the database's advisory lock by
# each worker process itself (a connection must not cross a fork)
_serving = hold_serving(
    Path(app.instance_path), app.extensions["sync_server"].engine, database=False
)


@app.before_request
def _hold_database_lock() -> None:
    try:
        _serving.hold_database(app.extensions["sync_server"].engine)
    except RestoreRunningError:
        abort(503, "a restore is running: try again when it has finished")
    except Exception:  # the database unreachable: the request says so itself; retried next time
        logging.getLogger(__name__).warning("the serving lock cannot be taken", exc_info=True)


gc.freeze()  # start-up objects stay for the process's life: out of the collector's full passes
start_cell_worker_on_first_request(app)  # export cells laid out when the server is idle
